package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/suites"
)

// certify's exit statuses (README, "Exit status, time and size"); an INCOMPLETE
// run exits with exitUsage (2), as a harness error does.
const (
	exitConformant  = 0
	exitNotConform  = 1
	exitUnreachable = 3
)

// certifyArgs are certify's flags: those of suites.Config bound to it,
// and the ones read into it once parsed.
type certifyArgs struct {
	judging
	cfg     suites.Config
	ops     string
	timeout bool
}

func certifyFlags(fs *flag.FlagSet) *certifyArgs {
	a := &certifyArgs{}
	c := &a.cfg
	fs.StringVar(&c.Endpoint, "endpoint", "", "the MM7 endpoint `URL` to certify (required)")
	flavourFlag(fs, &c.Flavour, "the `FLAVOUR` the account uses (required)")
	fs.StringVar(&a.profile, "profile", "vibes", "`vibes` (what Vibes accepts: a blank 200 passes, SHOULD failures warn) or strict (3GPP: a schema-valid SOAP answer, SHOULD failures fail)")
	fs.StringVar(&a.ops, "ops", "deliver,delivery-report", "the `operations` the endpoint serves: deliver, delivery-report, read-reply")
	fs.StringVar(&a.cases, "cases", "", "only these corpus case `IDs` (a trailing * matches a prefix)")
	fs.StringVar(&c.LabelFilter, "label-filter", "", "a Ginkgo label `expression`, e.g. 'level:MUST && op:deliver'")
	fs.StringVar(&a.skip, "skip-checks", "", "comma-separated check `IDs` to skip (reported as skipped)")
	fs.StringVar(&a.reportDir, "report-dir", "mm7harness-report", "write junit.xml, report.json, report.html and the raw exchanges into `DIR`")
	fs.StringVar(&a.schemaDir, "schema-dir", "", "judge answers against the schema files in `DIR` (e.g. 3GPP's) instead of the embedded ones")
	fs.DurationVar(&c.Budget, "latency-budget", mockvibes.VibesTimeout, "answers to valid messages must come within this (Vibes: 2s); each is cut off at the budget plus a grace")
	fs.DurationVar(&c.BadInputTimeout, "bad-input-timeout", suites.DefaultBadInputTimeout, "how long to wait for the reaction to a negative case")
	fs.DurationVar(&c.MaxDuration, "max-duration", suites.DefaultMaxDuration, "stop sending after this long and report what was judged (the run is then INCOMPLETE)")
	fs.IntVar(&c.MaxAnswer, "max-answer", suites.DefaultMaxAnswer, "read at most this many `bytes` of an answer's body; a longer one fails envelope-well-formed")
	fs.Func("timeout", "deprecated and ignored (a `duration`): exchanges are cut off at --latency-budget plus a grace (valid messages) or --bad-input-timeout (negative cases)",
		func(s string) error { a.timeout = true; _, err := time.ParseDuration(s); return err })
	fs.BoolVar(&a.insecure, "tls-insecure", false, "do not verify an https endpoint's certificate (test endpoints with self-signed certificates)")
	fs.IntVar(&c.Concurrency, "concurrency", 16, "messages sent at once by the concurrency check")
	fs.BoolVar(&c.Negatives, "negatives", true, "also play the negative corpus cases (robustness)")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress on standard error: neither the line per exchange nor the Ginkgo console output")
	fs.BoolVar(&a.list, "list", false, "print the check catalogue and exit")
	return a
}

// config completes the suites' configuration from the flags read into a,
// or says which flag is wrong.
func (a *certifyArgs) config(stderr io.Writer) (suites.Config, error) {
	cfg := a.cfg
	if cfg.Endpoint == "" || cfg.Flavour.IsZero() {
		return cfg, errors.New("--endpoint and --flavour are required")
	}
	if cfg.Budget <= 0 || cfg.BadInputTimeout <= 0 || cfg.MaxDuration <= 0 || cfg.MaxAnswer <= 0 {
		return cfg, errors.New("--latency-budget, --bad-input-timeout, --max-duration and --max-answer must be positive")
	}
	j, err := a.resolve("certify", stderr)
	if err != nil {
		return cfg, err
	}
	cfg.Profile, cfg.Cases, cfg.SkipChecks, cfg.Schemas, cfg.Progress, cfg.TLS = j.profile, j.cases, j.skipChecks, j.schemas, j.progress, j.tls
	for _, o := range splitList(a.ops) {
		k := corpus.Kind(o)
		if k != corpus.KindDeliver && k != corpus.KindDeliveryReport && k != corpus.KindReadReply {
			return cfg, fmt.Errorf("--ops %q: want deliver, delivery-report or read-reply", o)
		}
		cfg.Ops = append(cfg.Ops, k)
	}
	return cfg, nil
}

const certifyUsage = `usage: mm7harness certify --endpoint URL --flavour FLAVOUR [flags]

Plays the corpus against the endpoint as Vibes would and checks every answer.
Exit status: 0 CONFORMANT, 1 NOT CONFORMANT (a check failed), 2 INCOMPLETE (a MUST check could not be
run) or a usage or harness error, 3 endpoint unreachable.`

func runCertify(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("certify", stderr, certifyUsage, nil)
	a := certifyFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if a.list {
		printCatalogue(stdout)
		return 0
	}
	fail := usageError("certify", stderr)
	if a.timeout {
		fmt.Fprintln(stderr, "mm7harness certify: --timeout is deprecated and ignored; see --latency-budget and --bad-input-timeout")
	}
	cfg, err := a.config(stderr)
	if err != nil {
		return fail("%v", err)
	}
	// Nothing is sent before the reports are known to be writable.
	if err := suites.CheckReportDir(a.reportDir); err != nil {
		return fail("%v", err)
	}
	out, err := suites.Run(cfg)
	if errors.Is(err, suites.ErrUnreachable) {
		fmt.Fprintf(stderr, "mm7harness certify: %v\n", err)
		return exitUnreachable
	}
	if err != nil {
		return fail("%v", err)
	}
	return finish(out, a.reportDir, stdout, fail)
}

func printCatalogue(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tREQUIREMENT\tSOURCE")
	for _, c := range check.Catalogue() {
		req := c.Requirement
		if c.StrictOnly {
			req += " (strict profile)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Level, req, c.Source)
	}
	tw.Flush()
}

// printSummary is the table at the end: one line per check, a column per
// verdict.
func printSummary(w io.Writer, out *suites.Outcome, dir string) {
	rows := map[string]map[string]int{}
	for _, c := range out.Checks {
		if rows[c.Check] == nil {
			rows[c.Check] = map[string]int{}
		}
		rows[c.Check][c.Verdict]++
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "CHECK\tLEVEL")
	for _, v := range suites.Verdicts {
		fmt.Fprintf(tw, "\t%s", strings.ToUpper(v))
	}
	fmt.Fprintln(tw)
	for _, c := range check.Catalogue() {
		r := rows[c.ID]
		if r == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s", c.ID, c.Level)
		for _, v := range suites.Verdicts {
			fmt.Fprintf(tw, "\t%d", r[v])
		}
		switch {
		case r["fail"] > 0:
			fmt.Fprint(tw, "\t<-- FAILED")
		case r["not-run"] > 0:
			fmt.Fprint(tw, "\t<-- NOT RUN")
		case r["warn"] > 0:
			fmt.Fprint(tw, "\t<-- warning")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	verdict := out.Verdict
	switch {
	case out.Verdict == suites.NotConformant:
		verdict += " (failed: " + strings.Join(out.FailedIDs(), ", ") + ")"
	case len(out.WarnedIDs()) > 0:
		verdict += " (warnings: " + strings.Join(out.WarnedIDs(), ", ") + ")"
	}
	var counts []string
	for _, v := range suites.Verdicts {
		if n := out.Counts[v]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, v))
		}
	}
	fmt.Fprintf(w, "\nMM7 %s, profile %s, %s: %s\n%s in %v\n", out.Flavour, out.Profile, out.Endpoint, verdict,
		strings.Join(counts, ", "), out.Duration.Round(time.Millisecond))
	if out.Stopped != "" {
		fmt.Fprintf(w, "stopped early: %s\n", out.Stopped)
	}
	if out.Unselected > 0 {
		fmt.Fprintf(w, "for the selected checks only: %d MUST or VIBES check results were not selected\n", out.Unselected)
	}
	fmt.Fprintf(w, "report: %s/report.html (junit.xml, report.json and exchanges/ beside it)\n", dir)
}
