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
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/suites"
)

// certify's exit statuses (DESIGN.md, "The CLI contract").
const (
	exitConformant  = 0
	exitNotConform  = 1
	exitUnreachable = 3
)

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func runCertify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("certify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "", "the MM7 endpoint `URL` to certify (required)")
	version := fs.String("mm7-version", "", "the flavour the account uses: 5.5.0 or 6.8.0 (required)")
	profile := fs.String("profile", "vibes", "`vibes` (what Vibes accepts: a blank 200 passes) or strict (3GPP: a schema-valid SOAP answer)")
	ops := fs.String("ops", "deliver,delivery-report", "the `operations` the endpoint serves: deliver, delivery-report, read-reply")
	cases := fs.String("cases", "", "only these corpus case `IDs` (a trailing * matches a prefix)")
	labels := fs.String("label-filter", "", "a Ginkgo label `expression`, e.g. 'level:MUST && op:deliver'")
	skip := fs.String("skip-checks", "", "comma-separated check `IDs` to skip (reported as skipped)")
	reportDir := fs.String("report-dir", "mm7harness-report", "write junit.xml, report.json and report.html into `DIR`")
	schemaDir := fs.String("schema-dir", "", "judge answers against the schema files in `DIR` (e.g. 3GPP's) instead of the embedded ones")
	budget := fs.Duration("latency-budget", mockvibes.VibesTimeout, "answers must come within this (Vibes: 2s)")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for any answer")
	concurrency := fs.Int("concurrency", 16, "messages sent at once by the concurrency check")
	negatives := fs.Bool("negatives", true, "also play the negative corpus cases (robustness)")
	list := fs.Bool("list", false, "print the check catalogue and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mm7harness certify --endpoint URL --mm7-version 5.5.0|6.8.0 [flags]")
		fmt.Fprintln(stderr, "\nPlays the corpus against the endpoint as Vibes would and checks every answer.")
		fmt.Fprintln(stderr, "Exit status: 0 conformant, 1 a check failed, 2 usage or harness error, 3 endpoint unreachable.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLEVEL\tREQUIREMENT\tSOURCE")
		for _, c := range check.Catalogue() {
			req := c.Requirement
			if c.StrictOnly {
				req += " (strict profile)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Level, req, c.Source)
		}
		tw.Flush()
		return 0
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mm7harness certify: "+format+"\n", a...)
		return exitUsage
	}
	if *endpoint == "" || *version == "" {
		return fail("--endpoint and --mm7-version are required")
	}
	v, err := mm7.ParseVersion(*version)
	if err != nil {
		return fail("%v", err)
	}
	cfg := suites.Config{Endpoint: *endpoint, Version: v, Profile: check.Profile(*profile), Cases: splitList(*cases),
		LabelFilter: *labels, SkipChecks: splitList(*skip), Budget: *budget, Timeout: *timeout, Concurrency: *concurrency, Negatives: *negatives}
	if cfg.Profile != check.ProfileVibes && cfg.Profile != check.ProfileStrict {
		return fail("--profile %q: want vibes or strict", *profile)
	}
	for _, o := range splitList(*ops) {
		k := corpus.Kind(o)
		if k != corpus.KindDeliver && k != corpus.KindDeliveryReport && k != corpus.KindReadReply {
			return fail("--ops %q: want deliver, delivery-report or read-reply", o)
		}
		cfg.Ops = append(cfg.Ops, k)
	}
	for _, id := range cfg.SkipChecks {
		if _, ok := check.Get(id); !ok {
			return fail("--skip-checks: no check %q (mm7harness certify --list)", id)
		}
	}
	if *schemaDir != "" {
		if cfg.Schemas, err = xsd.LoadDir(*schemaDir); err != nil {
			return fail("--schema-dir: %v", err)
		}
	}
	out, err := suites.Run(cfg)
	if errors.Is(err, suites.ErrUnreachable) {
		fmt.Fprintf(stderr, "mm7harness certify: %v\n", err)
		return exitUnreachable
	}
	if err != nil {
		return fail("%v", err)
	}
	if err := out.Write(*reportDir); err != nil {
		return fail("writing reports: %v", err)
	}
	printSummary(stdout, out, *reportDir)
	if !out.Conformant() {
		return exitNotConform
	}
	return exitConformant
}

// printSummary is the table at the end: one line per check.
func printSummary(w io.Writer, out *suites.Outcome, dir string) {
	type row struct{ passed, failed, skipped int }
	rows := map[string]*row{}
	for _, c := range out.Checks {
		r := rows[c.Check]
		if r == nil {
			r = &row{}
			rows[c.Check] = r
		}
		switch c.State {
		case "passed":
			r.passed++
		case "failed":
			r.failed++
		default:
			r.skipped++
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tLEVEL\tPASSED\tFAILED\tSKIPPED")
	for _, c := range check.Catalogue() {
		if r := rows[c.ID]; r != nil {
			mark := ""
			if r.failed > 0 {
				mark = "  <-- FAILED"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d%s\n", c.ID, c.Level, r.passed, r.failed, r.skipped, mark)
		}
	}
	tw.Flush()
	verdict := "CONFORMANT"
	if !out.Conformant() {
		verdict = "NOT CONFORMANT (failed: " + strings.Join(out.FailedIDs(), ", ") + ")"
	}
	fmt.Fprintf(w, "\nMM7 %s, profile %s, %s: %s\n%d passed, %d failed, %d skipped in %v\nreport: %s/report.html (junit.xml, report.json beside it)\n",
		out.Flavour, out.Profile, out.Endpoint, verdict, out.Passed, out.Failed, out.Skipped, out.Duration.Round(time.Millisecond), dir)
}
