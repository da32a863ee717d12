package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/reference"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str, dur := fs.String, fs.Duration
	addr := str("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	path := str("path", "/mm7", "MM7 requests are POSTed to `PATH`")
	db := str("db", "mm7harness.db", "SQLite `FILE` the messages are stored in")
	syncMode := str("sync", "normal", "`MODE`: normal (survives a killed process) or full (also a power loss)")
	response := str("response", "soap", "answer accepted requests with `soap` (…Rsp, StatusCode 1000) or blank (HTTP 200, empty body)")
	version := str("mm7-version", "", "the account's flavour, 5.5.0 or 6.8.0 (default: accept either)")
	user := str("user", "", "require HTTP Basic credentials with this `USER` (with --password)")
	password := str("password", "", "the Basic `PASSWORD`")
	allow := str("allow-ip", "", "comma-separated `CIDRs` allowed to reach any route (default: any)")
	maxBody := fs.Int64("max-body", int64(reference.DefaultMaxBody), "largest request `BYTES` accepted (413 above)")
	maxInflight := fs.Int64("max-inflight", reference.DefaultMaxInflight, "most body `BYTES` held by all requests at once (503 with Retry-After above)")
	processTimeout := fs.Duration("process-timeout", 30*time.Second, "a request's processing, storing included, must end within this once its body has arrived")
	storeRaw := fs.Bool("store-raw", false, "store every request body as received, too")
	lenient := fs.Bool("lenient", false, "accept what the RFCs let a reader accept: any Content-Type (sniffed), a multipart without its close delimiter, base64 with stray characters, a GET")
	maxParts := fs.Int("max-parts", swa.DefaultLimits.MaxParts, "most MIME `PARTS` a request may hold (2000 Client error above)")
	maxDepth := fs.Int("max-depth", swa.DefaultLimits.MaxDepth, "deepest multipart nesting `LEVELS` accepted")
	maxPartHeader := fs.Int("max-part-header", swa.DefaultLimits.MaxHeaderBytes, "largest MIME part header `BYTES` accepted")
	maxHeader := fs.Int("max-header", reference.DefaultMaxHeaderBytes, "largest HTTP request header `BYTES` accepted (431 above)")
	maxConns := fs.Int("max-conns", reference.DefaultMaxConns, "most `CONNECTIONS` served at once (more wait to be accepted)")
	schemaDir := str("schema-dir", "", "validate against the schema files in `DIR` instead of the embedded ones")
	cert := str("tls-cert", "", "serve HTTPS with this certificate `FILE` (with --tls-key)")
	key := str("tls-key", "", "the TLS private key `FILE`")
	clientCA := str("client-ca", "", "require client certificates signed by the CA in `FILE` (mTLS)")
	apiToken := str("api-token", "", "serve the read API and /metrics behind this bearer `TOKEN` (without it and --user, they are served on a loopback address only)")
	readHeader := dur("read-header-timeout", 10*time.Second, "the request header must arrive within this")
	readTimeout := dur("read-timeout", 60*time.Second, "the whole request must arrive within this")
	writeTimeout := dur("write-timeout", 60*time.Second, "the answer must be written within this")
	idle := dur("idle-timeout", 120*time.Second, "keep-alive connections idle longer are closed")
	logFormat := str("log", "json", "log `FORMAT`: json or text (one line per request, on stderr)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mm7harness serve [flags]")
		fmt.Fprintln(stderr, "\nRuns the reference receiver: an MM7 endpoint that stores every message Vibes sends and answers it.")
		fmt.Fprintln(stderr, "Every flag can also be set as MM7HARNESS_<FLAG> (e.g. MM7HARNESS_DB, MM7HARNESS_ALLOW_IP).")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mm7harness serve: "+format+"\n", a...)
		return exitUsage
	}
	cfg := reference.ServerConfig{
		Config: reference.Config{
			Path: *path, Response: reference.ResponseMode(*response), User: *user, Password: *password,
			MaxBody: *maxBody, MaxInflight: *maxInflight, ProcessTimeout: *processTimeout, StoreRaw: *storeRaw, APIToken: *apiToken, Lenient: *lenient,
			Limits: swa.Limits{MaxParts: *maxParts, MaxDepth: *maxDepth, MaxHeaderBytes: *maxPartHeader},
		},
		MaxHeaderBytes: *maxHeader, MaxConns: *maxConns,
		Addr: *addr, DB: *db, Sync: reference.Sync(*syncMode), TLSCert: *cert, TLSKey: *key, ClientCA: *clientCA,
		ReadHeaderTimeout: *readHeader, ReadTimeout: *readTimeout, WriteTimeout: *writeTimeout, IdleTimeout: *idle,
	}
	if (*user == "") != (*password == "") {
		return usageErr("--user and --password go together")
	}
	if *version != "" {
		v, err := mm7.ParseVersion(*version)
		if err != nil {
			return usageErr("%v", err)
		}
		cfg.Expect = v
	}
	for _, c := range strings.Split(*allow, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if !strings.Contains(c, "/") {
			c += "/32"
			if strings.Contains(c, ":") {
				c = strings.TrimSuffix(c, "/32") + "/128"
			}
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return usageErr("--allow-ip %q: %v", c, err)
		}
		cfg.AllowIPs = append(cfg.AllowIPs, p.Masked())
	}
	if *schemaDir != "" {
		s, err := xsd.LoadDir(*schemaDir)
		if err != nil {
			return usageErr("--schema-dir: %v", err)
		}
		cfg.Schemas = s
	}
	var h slog.Handler = slog.NewJSONHandler(stderr, nil)
	if *logFormat == "text" {
		h = slog.NewTextHandler(stderr, nil)
	} else if *logFormat != "json" {
		return usageErr("--log %q: want json or text", *logFormat)
	}
	cfg.Logger = slog.New(h)

	srv, err := reference.NewServer(cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	srv.Start()
	fmt.Fprintf(stdout, "mm7harness serve: listening on %s (store %s, answers %s)\n", srv.URL, *db, cfg.Response)
	fmt.Fprintf(stdout, "mm7harness serve: read API and /metrics %s\n", srv.Handler.APIAccess())
	if len(cfg.AllowIPs) > 0 {
		fmt.Fprintf(stdout, "mm7harness serve: every route admits only %s\n", *allow)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case sig := <-stop:
		fmt.Fprintf(stdout, "mm7harness serve: %v: finishing in-flight requests\n", sig)
		if err := srv.Close(); err != nil {
			fmt.Fprintf(stderr, "mm7harness serve: %v\n", err)
			return 1
		}
		return 0
	case err := <-waitErr(srv):
		fmt.Fprintf(stderr, "mm7harness serve: %v\n", err)
		return 1
	}
}

func waitErr(s *reference.Server) <-chan error {
	c := make(chan error, 1)
	go func() { c <- s.Wait() }()
	return c
}
