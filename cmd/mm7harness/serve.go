package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/reference"
)

// serveArgs are serve's flags: the receiver's configuration bound to it,
// and the ones read into it once parsed.
type serveArgs struct {
	cfg                         reference.ServerConfig
	allow, schemaDir, logFormat string
	cpuProfile                  string
}

func serveFlags(fs *flag.FlagSet) *serveArgs {
	a := &serveArgs{}
	c := &a.cfg
	str, dur := fs.StringVar, fs.DurationVar
	str(&c.Addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	str(&a.cpuProfile, "cpu-profile", "", "write a CPU profile of the whole run to `FILE` when it stops (go tool pprof reads it)")
	str(&c.Path, "path", "/mm7", "MM7 requests are POSTed to `PATH`")
	str(&c.DB, "db", "mm7harness.db", "where the messages are stored: a SQLite `FILE`, or a PostgreSQL URL (postgres://user:password@host/db) for several receivers sharing one database")
	str((*string)(&c.Sync), "sync", "normal", "SQLite `MODE`: normal (survives a killed process) or full (also a power loss); a PostgreSQL commit is as durable as the server makes it")
	str((*string)(&c.Response), "response", "soap", "answer accepted requests with `soap` (…Rsp, StatusCode 1000) or blank (HTTP 200, empty body)")
	flavourFlag(fs, &c.Expect, "the account's `FLAVOUR` (default: accept either)")
	str(&c.User, "user", "", "require HTTP Basic credentials with this `USER` (with --password)")
	str(&c.Password, "password", "", "the Basic `PASSWORD`")
	str(&a.allow, "allow-ip", "", "comma-separated `CIDRs` allowed to reach any route (default: any)")
	fs.Int64Var(&c.MaxBody, "max-body", int64(reference.DefaultMaxBody), "largest request `BYTES` accepted (413 above)")
	fs.Int64Var(&c.MaxInflight, "max-inflight", reference.DefaultMaxInflight, "most body `BYTES` held by all requests at once (503 with Retry-After above)")
	dur(&c.ProcessTimeout, "process-timeout", 30*time.Second, "a request's processing, storing included, must end within this once its body has arrived")
	fs.BoolVar(&c.StoreRaw, "store-raw", false, "store every request body as received, too")
	fs.BoolVar(&c.Lenient, "lenient", false, "accept what the RFCs let a reader accept: any Content-Type (sniffed), a multipart without its close delimiter, base64 with stray characters, a GET")
	fs.IntVar(&c.Limits.MaxParts, "max-parts", swa.DefaultLimits.MaxParts, "most MIME `PARTS` a request may hold (2000 Client error above)")
	fs.IntVar(&c.Limits.MaxDepth, "max-depth", swa.DefaultLimits.MaxDepth, "deepest multipart nesting `LEVELS` accepted")
	fs.IntVar(&c.Limits.MaxHeaderBytes, "max-part-header", swa.DefaultLimits.MaxHeaderBytes, "largest MIME part header `BYTES` accepted")
	fs.IntVar(&c.MaxHeaderBytes, "max-header", reference.DefaultMaxHeaderBytes, "largest HTTP request header `BYTES` accepted (431 above)")
	fs.IntVar(&c.MaxConns, "max-conns", reference.DefaultMaxConns, "most `CONNECTIONS` served at once (more wait to be accepted)")
	str(&a.schemaDir, "schema-dir", "", "validate against the schema files in `DIR` instead of the embedded ones")
	str(&c.TLSCert, "tls-cert", "", "serve HTTPS with this certificate `FILE` (with --tls-key)")
	str(&c.TLSKey, "tls-key", "", "the TLS private key `FILE`")
	str(&c.ClientCA, "client-ca", "", "require client certificates signed by the CA in `FILE` (mTLS)")
	str(&c.APIToken, "api-token", "", "serve the read API and /metrics behind this bearer `TOKEN` (without it and --user, they are served on a loopback address only)")
	dur(&c.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "the request header must arrive within this")
	dur(&c.ReadTimeout, "read-timeout", 60*time.Second, "the whole request must arrive within this")
	dur(&c.WriteTimeout, "write-timeout", 60*time.Second, "the answer must be written within this")
	dur(&c.IdleTimeout, "idle-timeout", 120*time.Second, "keep-alive connections idle longer are closed")
	str(&a.logFormat, "log", "json", "log `FORMAT`: json or text (one line per request, on stderr)")
	return a
}

// config completes the receiver's configuration from the flags read into
// a, or says which flag is wrong.
func (a *serveArgs) config(stderr io.Writer) (reference.ServerConfig, error) {
	cfg := a.cfg
	if (cfg.User == "") != (cfg.Password == "") {
		return cfg, errors.New("--user and --password go together")
	}
	var err error
	if cfg.AllowIPs, err = parseAllowIPs(a.allow); err != nil {
		return cfg, err
	}
	if a.schemaDir != "" {
		if cfg.Schemas, err = xsd.LoadDir(a.schemaDir); err != nil {
			return cfg, fmt.Errorf("--schema-dir: %w", err)
		}
	}
	var h slog.Handler
	switch a.logFormat {
	case "json":
		h = slog.NewJSONHandler(stderr, nil)
	case "text":
		h = slog.NewTextHandler(stderr, nil)
	default:
		return cfg, fmt.Errorf("--log %q: want json or text", a.logFormat)
	}
	cfg.Logger = slog.New(h)
	return cfg, nil
}

// parseAllowIPs reads --allow-ip: CIDRs, a bare address being its own
// network.
func parseAllowIPs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, c := range splitList(list) {
		if !strings.Contains(c, "/") {
			c += "/32"
			if strings.Contains(c, ":") {
				c = strings.TrimSuffix(c, "/32") + "/128"
			}
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return nil, fmt.Errorf("--allow-ip %q: %v", c, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

const serveUsage = `usage: mm7harness serve [flags]

Runs the reference receiver: an MM7 endpoint that stores every message Vibes sends and answers it.
Every flag can also be set as MM7HARNESS_<FLAG> (e.g. MM7HARNESS_DB, MM7HARNESS_ALLOW_IP).`

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr, serveUsage, nil)
	a := serveFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fail := usageError("serve", stderr)
	cfg, err := a.config(stderr)
	if err != nil {
		return fail("%v", err)
	}
	if a.cpuProfile != "" {
		f, err := os.Create(a.cpuProfile)
		if err != nil {
			return fail("--cpu-profile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fail("--cpu-profile: %v", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	srv, err := reference.NewServer(cfg)
	if err != nil {
		return fail("%v", err)
	}
	srv.Start()
	fmt.Fprintf(stdout, "mm7harness serve: listening on %s (store %s, answers %s)\n", srv.URL, reference.RedactURL(cfg.DB), cfg.Response)
	fmt.Fprintf(stdout, "mm7harness serve: read API and /metrics %s\n", srv.Handler.APIAccess())
	if len(cfg.AllowIPs) > 0 {
		fmt.Fprintf(stdout, "mm7harness serve: every route admits only %s\n", a.allow)
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
