package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/swa"
)

func runCorpus(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: mm7harness corpus list [flags] | corpus show [--raw] ID")
		return exitUsage
	}
	switch args[0] {
	case "list":
		return corpusList(args[1:], stdout, stderr)
	case "show":
		return corpusShow(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "mm7harness corpus: unknown subcommand %q (want list or show)\n", args[0])
	return exitUsage
}

func corpusList(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("corpus list", stderr, "", nil)
	var f corpus.Filter
	var kind, origin, outcome string
	flavourFlag(fs, &f.Flavour, "only cases of this `FLAVOUR`")
	fs.StringVar(&kind, "kind", "", "only cases of `KIND`: deliver, delivery-report, submit, read-reply")
	fs.StringVar(&origin, "origin", "", "only cases of `ORIGIN`: seed, vibes-doc, synthesized, quirk, negative")
	fs.StringVar(&outcome, "outcome", "", "only cases a correct endpoint gives `OUTCOME`: accept, reject, survive")
	format := fs.String("format", "text", "output `FORMAT`: text or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	f.Kind, f.Origin, f.Outcome = corpus.Kind(kind), corpus.Origin(origin), corpus.Outcome(outcome)
	cases := corpus.Select(f)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(cases); err != nil {
			return exitUsage
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFLAVOUR\tKIND\tORIGIN\tEXPECT\tSIZE")
	for _, c := range cases {
		expect := string(c.Expect.Outcome)
		if c.Expect.Failure != "" {
			expect += " (" + c.Expect.Failure + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Flavour, c.Kind, c.Origin, expect, humanSize(c.Size))
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d cases\n", len(cases))
	return 0
}

func corpusShow(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("corpus show", stderr, "", nil)
	raw := fs.Bool("raw", false, "print the request's exact bytes instead")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: mm7harness corpus show [--raw] ID")
		return exitUsage
	}
	c, err := corpus.Get(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "mm7harness corpus show: %v\n", err)
		return exitUsage
	}
	if *raw {
		r, _, err := c.Open()
		if err == nil {
			_, err = io.Copy(stdout, r)
		}
		if err != nil {
			fmt.Fprintf(stderr, "mm7harness corpus show: %v\n", err)
			return exitUsage
		}
		return 0
	}
	describeCase(stdout, c)
	if b, err := c.Raw(); err == nil { // a generated case has no stored bytes to dissect
		dissect(stdout, b)
	}
	return 0
}

// describeCase prints what the manifest says of c.
func describeCase(stdout io.Writer, c *corpus.Case) {
	fmt.Fprintf(stdout, "%s (%s, %s, %s)\n%s\n\n", c.ID, c.Flavour, c.Kind, c.Origin, c.Description)
	fmt.Fprintf(stdout, "expect:     %s", c.Expect.Outcome)
	if c.Expect.Failure != "" {
		fmt.Fprintf(stdout, ", because %s", c.Expect.Failure)
	}
	if len(c.Expect.MM7Status) > 0 {
		fmt.Fprintf(stdout, "; MM7 status %v", c.Expect.MM7Status)
	}
	if len(c.Expect.HTTP) > 0 {
		fmt.Fprintf(stdout, "; HTTP %s", strings.Join(c.Expect.HTTP, " or "))
	}
	fmt.Fprintln(stdout)
	devs := make([]string, len(c.Deviations))
	for i, d := range c.Deviations {
		devs[i] = string(d)
	}
	fmt.Fprintf(stdout, "deviations: %s\n", orNone(strings.Join(devs, ", ")))
	fmt.Fprintf(stdout, "schema:     valid=%v\n", c.SchemaValid)
	where := "corpus/" + c.File
	if c.Generator != "" {
		where = "streamed by generator " + c.Generator
	}
	fmt.Fprintf(stdout, "request:    %s, %s (%d bytes), sha256 %s\n", where, humanSize(c.Size), c.Size, c.SHA256)
	if c.TransactionID != "" {
		fmt.Fprintf(stdout, "stamped:    TransactionID %s and %d date(s) are replaced on every send\n", c.TransactionID, len(c.Dates))
	}
	if c.RawOnly {
		fmt.Fprintln(stdout, "raw only:   sent as raw bytes (net/http cannot send it as it is)")
	}
}

// dissect prints a stored request's head and MIME parts.
func dissect(stdout io.Writer, b []byte) {
	h, err := swa.ReadHTTP(b)
	if err != nil {
		fmt.Fprintf(stdout, "\n(not readable as HTTP: %v)\n", err)
		return
	}
	fmt.Fprintf(stdout, "\n%s %s %s\n", h.Method, h.Target, h.Proto)
	for _, f := range h.Header {
		fmt.Fprintf(stdout, "  %s: %s\n", f.Name, truncateString(f.Value, 120))
	}
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{Diagnose: true})
	if err != nil {
		fmt.Fprintf(stdout, "\nbody: %s, not readable as MIME: %v\n", humanSize(int64(len(h.Body))), err)
		return
	}
	fmt.Fprintf(stdout, "\nparts (%s body):\n", humanSize(int64(len(h.Body))))
	if m.Root == m.Top {
		fmt.Fprintf(stdout, "  -    %s, %s  (SOAP root)\n", m.Top.MediaType, humanSize(int64(len(m.Top.Body))))
	}
	m.Walk(func(p *swa.Part) {
		line := fmt.Sprintf("  %-4s %s%s", p.Path, strings.Repeat("  ", strings.Count(p.Path, ".")), p.MediaType)
		if p.Encoding != "" {
			line += " " + p.Encoding
		}
		if !p.IsMultipart() {
			line += ", " + humanSize(int64(len(p.Body)))
		}
		if p.ContentID != "" {
			line += ", id " + truncateString(p.ContentID, 60)
		}
		if p.ContentLocation != "" {
			line += ", location " + p.ContentLocation
		}
		if p == m.Root {
			line += "  (SOAP root)"
		}
		fmt.Fprintln(stdout, line)
	})
	for _, e := range m.Problems {
		fmt.Fprintf(stdout, "  problem: %v\n", e)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func truncateString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
