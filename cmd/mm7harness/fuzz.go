package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/term"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/mockvibes/mutate"
	"github.com/mm7harness/mm7harness/suites"
)

const fuzzUsage = `usage: mm7harness fuzz --endpoint URL --flavour FLAVOUR (--count N | --duration D) [flags]

Sends structure-aware mutants of the corpus (and of --seeds files) to the endpoint:
HTTP framing and headers, MIME boundaries, parts and encodings, the SOAP document,
bytes. Each finding is confirmed, minimised to the operations that matter, and
written as a request file with a replay and a curl line.
Exit status: 0 no finding of severity --fail-on or worse, 1 findings, 2 usage or
harness error, 3 endpoint unreachable at the start.`

type fuzzArgs struct {
	f                          *mockvibes.Fuzzer
	seedsDir, reportDir        string
	failOn, layers             string
	insecure, quiet, listKinds bool
}

func fuzzFlags(fs *flag.FlagSet) *fuzzArgs {
	a := &fuzzArgs{f: &mockvibes.Fuzzer{}}
	f := a.f
	fs.StringVar(&f.Endpoint, "endpoint", "", "the MM7 endpoint `URL` to fuzz (required)")
	flavourFlag(fs, &f.Flavour, "the `FLAVOUR` whose corpus seeds the mutants (required)")
	fs.IntVar(&f.Count, "count", 0, "send this many mutants")
	fs.DurationVar(&f.Duration, "duration", 0, "send mutants for this long")
	fs.Uint64Var(&f.RandSeed, "seed", 1, "the random seed: the same seed, corpus and count send the same mutants")
	fs.IntVar(&f.Concurrency, "concurrency", 1, "connections sending at once")
	fs.Float64Var(&f.Rate, "rate", 0, "at most this many mutants per second (0: as fast as the endpoint answers)")
	fs.DurationVar(&f.Timeout, "timeout", 10*time.Second, "an exchange with no answer after this long is a hang")
	fs.IntVar(&f.ProbeEvery, "probe-every", 10, "send a valid message after every `K` mutants on a connection (poisoned state, liveness)")
	fs.DurationVar(&f.RestartWait, "restart-wait", 10*time.Second, "after a crash, wait this long for the endpoint to come back before the run stops")
	fs.DurationVar(&f.MinimiseTime, "minimise-time", 30*time.Second, "time to confirm and minimise each finding")
	fs.BoolVar(&f.NoGarbageOracle, "no-garbage-oracle", false, "do not read acknowledged mutants as MM7 (no acknowledged-garbage findings): most of the fuzzer's own work against an endpoint that acknowledges everything")
	fs.IntVar(&f.MaxSteps, "max-ops", 3, "the most mutation operations in one mutant")
	fs.StringVar(&a.layers, "layers", "", "only operations of these `layers`: http, mime, xml, bytes (default all)")
	fs.StringVar(&a.seedsDir, "seeds", "", "also mutate the captured requests (*.http) in `DIR`")
	fs.StringVar(&a.reportDir, "report-dir", "mm7harness-fuzz", "write report.json, report.html and findings/ into `DIR`")
	fs.StringVar(&a.failOn, "fail-on", mockvibes.SeverityError, "exit 1 on findings of this severity or worse: error (crash, hang, poisoned state, a 500 without a Fault, a malformed or invalid answer) or info (also acknowledged garbage)")
	fs.BoolVar(&a.insecure, "tls-insecure", false, "do not verify an https endpoint's certificate")
	fs.BoolVar(&a.quiet, "quiet", false, "no progress line on standard error")
	fs.BoolVar(&a.listKinds, "list", false, "print the mutation operations and the finding kinds, and exit")
	return a
}

func (a *fuzzArgs) fuzzer() (*mockvibes.Fuzzer, error) {
	f := a.f
	switch {
	case f.Endpoint == "" || f.Flavour.IsZero():
		return nil, errors.New("--endpoint and --flavour are required")
	case f.Count <= 0 && f.Duration <= 0:
		return nil, errors.New("give --count or --duration")
	case f.Count < 0 || f.Duration < 0 || f.Concurrency < 1 || f.Rate < 0 || f.Timeout <= 0 || f.ProbeEvery < 1 || f.MaxSteps < 1:
		return nil, errors.New("--count, --duration, --rate must not be negative; --concurrency, --timeout, --probe-every, --max-ops must be positive")
	case a.failOn != mockvibes.SeverityError && a.failOn != mockvibes.SeverityInfo:
		return nil, fmt.Errorf("--fail-on %q: want error or info", a.failOn)
	}
	for _, l := range splitList(a.layers) {
		if !slices.Contains([]mutate.Layer{mutate.LayerHTTP, mutate.LayerMIME, mutate.LayerXML, mutate.LayerBytes}, mutate.Layer(l)) {
			return nil, fmt.Errorf("--layers %q: want http, mime, xml or bytes", l)
		}
		f.Only = append(f.Only, mutate.Layer(l))
	}
	seeds, err := mockvibes.CorpusSeeds(f.Flavour)
	if err != nil {
		return nil, err
	}
	if a.seedsDir != "" {
		files, err := filepath.Glob(filepath.Join(a.seedsDir, "*.http"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("--seeds %s: no .http files", a.seedsDir)
		}
		sort.Strings(files)
		for _, p := range files {
			raw, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			seeds = append(seeds, mockvibes.FileSeed(filepath.Base(p), raw))
		}
	}
	f.Seeds = seeds
	if f.Schemas, err = xsd.Embedded(); err != nil {
		return nil, err
	}
	if a.insecure {
		f.TLS = &tls.Config{InsecureSkipVerify: true}
	}
	return f, nil
}

func runFuzz(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fuzz", stderr, fuzzUsage, nil)
	a := fuzzFlags(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if a.listKinds {
		printFuzzCatalogue(stdout)
		return 0
	}
	fail := usageError("fuzz", stderr)
	f, err := a.fuzzer()
	if err != nil {
		return fail("%v", err)
	}
	if err := suites.CheckReportDir(a.reportDir); err != nil {
		return fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !a.quiet && term.Is(stderr) {
		f.Progress = func(sent, findings int) {
			if sent%50 == 0 {
				fmt.Fprintf(stderr, "\r%d mutants, %d findings", sent, findings)
			}
		}
	}
	rep, err := f.Run(ctx)
	if f.Progress != nil {
		fmt.Fprintln(stderr)
	}
	if errors.Is(err, mockvibes.ErrUnreachable) {
		fmt.Fprintf(stderr, "mm7harness fuzz: %s: %v\n", a.f.Endpoint, err)
		return exitUnreachable
	}
	if err != nil {
		return fail("%v", err)
	}
	if err := rep.Write(a.reportDir); err != nil {
		return fail("writing the report: %v", err)
	}
	fmt.Fprint(stdout, rep.Summary())
	fmt.Fprintf(stdout, "report: %s\n", filepath.Join(a.reportDir, "report.html"))
	if rep.Worst(a.failOn) {
		return 1
	}
	return 0
}

func printFuzzCatalogue(w io.Writer) {
	fmt.Fprintln(w, "OPERATION                     LAYER  DESCRIPTION")
	for _, op := range mutate.Ops() {
		fmt.Fprintf(w, "%-29s %-6s %s\n", op.Name, op.Layer, op.Desc)
	}
	fmt.Fprintln(w, "\nFINDING                SEVERITY  MEANS")
	for _, k := range mockvibes.FindingKinds {
		fmt.Fprintf(w, "%-22s %-9s %s\n", k.Kind, k.Severity, k.Means)
	}
}
