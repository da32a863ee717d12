package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/suites"
)

// clientArgs are certify-client's flags: those of suites.ClientConfig
// bound to it, and the ones read into it once parsed.
type clientArgs struct {
	judging
	cfg suites.ClientConfig
}

func clientFlags(fs *flag.FlagSet) *clientArgs {
	a := &clientArgs{}
	c := &a.cfg
	flavourFlag(fs, &c.Flavour, "the `FLAVOUR` of the client's account (required)")
	fs.StringVar(&a.profile, "profile", "vibes", "`vibes` (SHOULD failures warn; a blank 200 from the delivery-report endpoint passes) or strict (SHOULD failures fail)")
	fs.StringVar(&c.Listen, "listen", "", "certify a long-running client instead of a command: the gateway listens on `ADDR` and prints the recipients to send to")
	fs.IntVar(&c.Scenarios, "scenarios", 0, "with --listen, run the first `N` scenarios (default all)")
	fs.StringVar(&a.cases, "cases", "", "only these scenario `IDs` (a trailing * matches a prefix)")
	fs.StringVar(&c.LabelFilter, "label-filter", "", "a Ginkgo label `expression`, e.g. 'level:VIBES'")
	fs.StringVar(&a.skip, "skip-checks", "", "comma-separated check `IDs` to skip (reported as skipped)")
	fs.StringVar(&a.reportDir, "report-dir", "mm7harness-client-report", "write junit.xml, report.json, report.html and the raw exchanges into `DIR`")
	fs.StringVar(&a.schemaDir, "schema-dir", "", "judge SubmitReqs against the schema files in `DIR` instead of the embedded ones")
	fs.DurationVar(&c.ScenarioTimeout, "scenario-timeout", suites.DefaultScenarioTimeout, "stop a client still running after this long in one scenario (its retries must fit)")
	fs.DurationVar(&c.CallbackRetry, "report-retry-interval", 5*time.Second, "wait between retries of a delivery report the client's endpoint did not take (Vibes: 5m; two retries)")
	fs.DurationVar(&c.Hold, "hold", suites.DefaultHold, "how long the no-answer scenario holds a request the client does not give up")
	fs.DurationVar(&c.MaxDuration, "max-duration", 30*time.Minute, "stop starting scenarios after this long (the run is then INCOMPLETE)")
	fs.StringVar(&c.User, "user", "", "the account's user (default: one made up)")
	fs.StringVar(&c.Password, "password", "", "the account's password (default: one made up)")
	fs.StringVar(&c.ShortCode, "short-code", "63901", "the short code the account may send from")
	fs.BoolVar(&a.insecure, "tls-insecure", false, "do not verify the certificate of an https delivery-report URL (test services with self-signed certificates)")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress on standard error")
	fs.BoolVar(&a.list, "list", false, "print the check catalogue and exit")
	return a
}

// config completes the configuration from the flags and the command.
func (a *clientArgs) config(command []string, stderr io.Writer) (suites.ClientConfig, error) {
	cfg := a.cfg
	cfg.Command = command
	switch {
	case cfg.Flavour.IsZero():
		return cfg, errors.New("--flavour is required")
	case len(command) == 0 && cfg.Listen == "":
		return cfg, errors.New("give the client: -- COMMAND [ARGS…], or --listen ADDR")
	case len(command) > 0 && cfg.Listen != "":
		return cfg, errors.New("a command or --listen, not both")
	case (cfg.User == "") != (cfg.Password == ""):
		return cfg, errors.New("--user and --password go together")
	case cfg.Scenarios != 0 && cfg.Listen == "":
		return cfg, errors.New("--scenarios goes with --listen (a command runs every scenario selected by --cases)")
	case cfg.Scenarios < 0:
		return cfg, errors.New("--scenarios must be positive")
	case cfg.ScenarioTimeout <= 0 || cfg.Hold <= 0 || cfg.MaxDuration <= 0:
		return cfg, errors.New("--scenario-timeout, --hold and --max-duration must be positive")
	}
	j, err := a.resolve("certify-client", stderr)
	if err != nil {
		return cfg, err
	}
	cfg.Profile, cfg.Cases, cfg.SkipChecks, cfg.Schemas, cfg.Progress, cfg.TLS = j.profile, j.cases, j.skipChecks, j.schemas, j.progress, j.tls
	return cfg, nil
}

const clientUsage = `usage: mm7harness certify-client --flavour FLAVOUR [flags] -- COMMAND [ARGS…]
       mm7harness certify-client --flavour FLAVOUR --listen ADDR [--scenarios N] [flags]

Certifies an MT client: the mock Vibes gateway runs COMMAND once per scenario, with MM7_URL,
MM7_USER, MM7_PASSWORD, MM7_VERSION, MM7_RECIPIENT, MM7_SHORTCODE, MM7_SCENARIO and
MM7_DELIVERY_REPORT set; COMMAND sends one MMS to MM7_RECIPIENT and exits 0 when Vibes accepted it.
The gateway answers as each scenario says, and the checks judge every SubmitReq, what the client
does with each answer, and how its delivery-report endpoint answers.
Exit status: 0 CONFORMANT, 1 NOT CONFORMANT, 2 INCOMPLETE or a usage or harness error.`

func runCertifyClient(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("certify-client", stderr, clientUsage, nil)
	a := clientFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if a.list {
		printCatalogue(stdout)
		return 0
	}
	fail := usageError("certify-client", stderr)
	cfg, err := a.config(fs.Args(), stderr)
	if err != nil {
		return fail("%v", err)
	}
	cfg.Announce = stdout
	if err := suites.CheckReportDir(a.reportDir); err != nil {
		return fail("%v", err)
	}
	// An interrupt stops the client and still writes the report.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, err := suites.RunClient(ctx, cfg)
	if err != nil {
		return fail("%v", err)
	}
	return finish(out, a.reportDir, stdout, fail)
}
