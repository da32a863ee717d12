package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/mockvibes"
)

const mockUsage = `usage: mm7harness mock [flags]

Runs the mock Vibes gateway: the submit endpoint, delivery report callbacks, a control API.`

func runMock(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("mock", stderr, mockUsage, func(stderr io.Writer) {
		fmt.Fprintln(stderr, "\ngateway misbehaviours (--profile; the sender's are mm7harness play's):")
		for _, f := range mockvibes.GatewayFaults() {
			fmt.Fprintf(stderr, "  %-22s %s\n", f, f.Desc())
		}
	})
	addr := fs.String("addr", "127.0.0.1:8090", "listen on `HOST:PORT` (loopback by default: the control API sends anything anywhere for whoever holds the token)")
	token := fs.String("control-token", "", "the `TOKEN` control requests carry as \"Authorization: Bearer TOKEN\" (default: a random one, printed at start)")
	maxExchanges := fs.Int("max-exchanges", 1000, "how many exchanges the control API keeps; the oldest are dropped")
	var accounts []mockvibes.Account
	fs.Func("account", "a Vibes account `user:password:flavour[:shortcode,…]`, the flavour "+mm7.FlavourChoice()+" (repeatable; default VibesUser:Password123:"+mm7.NewestFlavour().Name+")", func(s string) error {
		a, err := mockvibes.ParseAccount(s)
		accounts = append(accounts, a)
		return err
	})
	faultList := fs.String("profile", "", "comma-separated gateway misbehaviours: "+strings.Join(mockvibes.GatewayFaultNames(), ", "))
	retryInterval := fs.Duration("retry-interval", mockvibes.VibesRetryInterval, "wait between delivery report retries (Vibes: 5m)")
	timeout := fs.Duration("callback-timeout", mockvibes.VibesTimeout, "how long a callback waits for its answer (Vibes: 2s)")
	reportDelay := fs.Duration("report-delay", 200*time.Millisecond, "time between the Forwarded report and the final one")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	faults, err := mockvibes.ParseGatewayFaults(*faultList)
	if err != nil {
		fmt.Fprintf(stderr, "mm7harness mock: %v\n", misplaced(err))
		return exitUsage
	}
	if len(accounts) == 0 {
		accounts = []mockvibes.Account{{User: "VibesUser", Password: "Password123", Flavour: mm7.NewestFlavour()}}
	}
	g := &mockvibes.Gateway{Accounts: accounts, Faults: faults, RetryInterval: *retryInterval, CallbackTimeout: *timeout,
		ReportDelay: *reportDelay, Logger: slog.New(slog.NewJSONHandler(stderr, nil)),
		ControlToken: *token, MaxExchanges: *maxExchanges}
	if g.ControlToken == "" {
		g.ControlToken = mockvibes.NewControlToken()
	}
	// Signals are caught before the start-up line: who reads it may stop
	// the mock at once.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(stop)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "mm7harness mock: %v\n", err)
		return 1
	}
	if w := exposure(l.Addr()); w != "" {
		fmt.Fprintf(stderr, "mm7harness mock: warning: %s\n", w)
	}
	fmt.Fprintln(stdout, startLine(l.Addr().String(), g.ControlToken, *token == ""))
	g.LoopbackOnly = exposure(l.Addr()) == ""
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-stop:
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		return 0
	case err := <-errc:
		fmt.Fprintf(stderr, "mm7harness mock: %v\n", err)
		return 1
	}
}

// startLine says where the mock listens and how to reach its control
// API: with a token it made, the token itself, which nobody else knows.
func startLine(addr, token string, generated bool) string {
	auth := "the token given"
	if generated {
		auth = "token " + token
	}
	return fmt.Sprintf("mm7harness mock: Vibes submit endpoint on http://%s/mm7, control API on http://%s/control/ (%s, as \"Authorization: Bearer TOKEN\")", addr, addr, auth)
}

// exposure says why listening on addr deserves a warning, or "" when it
// is loopback only.
func exposure(addr net.Addr) string {
	if a, ok := addr.(*net.TCPAddr); ok && a.IP.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("listening on %s, not loopback: other machines can submit to the mock, and anyone who learns the control token can make it send to any host", addr)
}
