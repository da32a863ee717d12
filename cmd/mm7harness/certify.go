package main

import (
	"crypto/tls"
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

// certify's exit statuses (README, "Exit status, time and size"); an INCOMPLETE
// run exits with exitUsage (2), as a harness error does.
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
	profile := fs.String("profile", "vibes", "`vibes` (what Vibes accepts: a blank 200 passes, SHOULD failures warn) or strict (3GPP: a schema-valid SOAP answer, SHOULD failures fail)")
	ops := fs.String("ops", "deliver,delivery-report", "the `operations` the endpoint serves: deliver, delivery-report, read-reply")
	cases := fs.String("cases", "", "only these corpus case `IDs` (a trailing * matches a prefix)")
	labels := fs.String("label-filter", "", "a Ginkgo label `expression`, e.g. 'level:MUST && op:deliver'")
	skip := fs.String("skip-checks", "", "comma-separated check `IDs` to skip (reported as skipped)")
	reportDir := fs.String("report-dir", "mm7harness-report", "write junit.xml, report.json, report.html and the raw exchanges into `DIR`")
	schemaDir := fs.String("schema-dir", "", "judge answers against the schema files in `DIR` (e.g. 3GPP's) instead of the embedded ones")
	budget := fs.Duration("latency-budget", mockvibes.VibesTimeout, "answers to valid messages must come within this (Vibes: 2s); each is cut off at the budget plus a grace")
	badInput := fs.Duration("bad-input-timeout", suites.DefaultBadInputTimeout, "how long to wait for the reaction to a negative case")
	maxDuration := fs.Duration("max-duration", suites.DefaultMaxDuration, "stop sending after this long and report what was judged (the run is then INCOMPLETE)")
	maxAnswer := fs.Int("max-answer", suites.DefaultMaxAnswer, "read at most this many `bytes` of an answer's body; a longer one fails envelope-well-formed")
	_ = fs.Duration("timeout", 0, "deprecated and ignored: exchanges are cut off at --latency-budget plus a grace (valid messages) or --bad-input-timeout (negative cases)")
	insecure := fs.Bool("tls-insecure", false, "do not verify an https endpoint's certificate (test endpoints with self-signed certificates)")
	concurrency := fs.Int("concurrency", 16, "messages sent at once by the concurrency check")
	negatives := fs.Bool("negatives", true, "also play the negative corpus cases (robustness)")
	quiet := fs.Bool("quiet", false, "no progress on standard error: neither the line per exchange nor the Ginkgo console output")
	list := fs.Bool("list", false, "print the check catalogue and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mm7harness certify --endpoint URL --mm7-version 5.5.0|6.8.0 [flags]")
		fmt.Fprintln(stderr, "\nPlays the corpus against the endpoint as Vibes would and checks every answer.")
		fmt.Fprintln(stderr, "Exit status: 0 CONFORMANT, 1 NOT CONFORMANT (a check failed), 2 INCOMPLETE (a MUST check could not be")
		fmt.Fprintln(stderr, "run) or a usage or harness error, 3 endpoint unreachable.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *list {
		printCatalogue(stdout)
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
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "timeout" {
			fmt.Fprintln(stderr, "mm7harness certify: --timeout is deprecated and ignored; see --latency-budget and --bad-input-timeout")
		}
	})
	cfg := suites.Config{Endpoint: *endpoint, Version: v, Profile: check.Profile(*profile), Cases: splitList(*cases),
		LabelFilter: *labels, SkipChecks: splitList(*skip), Budget: *budget, BadInputTimeout: *badInput, MaxDuration: *maxDuration,
		MaxAnswer: *maxAnswer, Concurrency: *concurrency, Negatives: *negatives}
	if !*quiet {
		cfg.Progress = stderr
	}
	if *insecure {
		cfg.TLS = &tls.Config{InsecureSkipVerify: true}
	}
	if cfg.Profile != check.ProfileVibes && cfg.Profile != check.ProfileStrict {
		return fail("--profile %q: want vibes or strict", *profile)
	}
	if *budget <= 0 || *badInput <= 0 || *maxDuration <= 0 || *maxAnswer <= 0 {
		return fail("--latency-budget, --bad-input-timeout, --max-duration and --max-answer must be positive")
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
	// Nothing is sent before the reports are known to be writable.
	if err := suites.CheckReportDir(*reportDir); err != nil {
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
	if err := out.Write(*reportDir); err != nil {
		return fail("writing reports: %v", err)
	}
	printSummary(stdout, out, *reportDir)
	switch out.Verdict {
	case suites.Conformant:
		return exitConformant
	case suites.NotConformant:
		return exitNotConform
	}
	return exitUsage
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
