package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/mockvibes"
)

func runMock(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen on `HOST:PORT`")
	var accounts []mockvibes.Account
	fs.Func("account", "a Vibes account `user:password:flavour[:shortcode,…]` (repeatable; default VibesUser:Password123:6.8.0)", func(s string) error {
		a, err := mockvibes.ParseAccount(s)
		accounts = append(accounts, a)
		return err
	})
	profiles := fs.String("profile", "", "comma-separated gateway misbehaviours: gateway-slow, gateway-http-500, gateway-fault, gateway-drop, gateway-capacity")
	retryInterval := fs.Duration("retry-interval", mockvibes.VibesRetryInterval, "wait between delivery report retries (Vibes: 5m)")
	timeout := fs.Duration("callback-timeout", mockvibes.VibesTimeout, "how long a callback waits for its answer (Vibes: 2s)")
	reportDelay := fs.Duration("report-delay", 200*time.Millisecond, "time between the Forwarded report and the final one")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	prof, err := mockvibes.ParseProfiles(*profiles)
	if err != nil {
		fmt.Fprintf(stderr, "mm7harness mock: %v\n", err)
		return exitUsage
	}
	if len(accounts) == 0 {
		accounts = []mockvibes.Account{{User: "VibesUser", Password: "Password123", Version: mm7.V680}}
	}
	g := &mockvibes.Gateway{Accounts: accounts, Profiles: prof, RetryInterval: *retryInterval, CallbackTimeout: *timeout,
		ReportDelay: *reportDelay, Logger: slog.New(slog.NewJSONHandler(stderr, nil))}
	srv := &http.Server{Addr: *addr, Handler: g, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second}
	fmt.Fprintf(stdout, "mm7harness mock: Vibes submit endpoint on http://%s/mm7, control API on http://%s/control/\n", *addr, *addr)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
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
