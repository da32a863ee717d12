package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mm7harness/mm7harness/harness/inspect"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schemaDir := fs.String("schema-dir", "", "validate against the schema files in `DIR` (e.g. 3GPP's) instead of the embedded ones")
	version := fs.String("mm7-version", "", "require this flavour: 5.5.0 or 6.8.0 (default: either)")
	format := fs.String("format", "text", "output `FORMAT`: text or json")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mm7harness validate [flags] FILE...")
		fmt.Fprintln(stderr, "\nChecks raw HTTP requests or responses, bare MIME bodies, or SOAP XML, layer by layer:")
		fmt.Fprintln(stderr, "framing (HTTP, MIME), XML, schema (the chosen or detected release), then TS 23.140's rules.")
		fmt.Fprintln(stderr, "A schema-valid message the harness does not model is valid, with a note.")
		fmt.Fprintln(stderr, "Exit status: 0 all valid, 1 some invalid at some layer, 2 usage error.")
		fmt.Fprintln(stderr, "\nflags:")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "mm7harness validate: no files given")
		fs.Usage()
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "mm7harness validate: --format %q: want text or json\n", *format)
		return exitUsage
	}
	var opts inspect.Options
	if *version != "" {
		v, err := mm7.ParseVersion(*version)
		if err != nil {
			fmt.Fprintf(stderr, "mm7harness validate: %v\n", err)
			return exitUsage
		}
		opts.Expect = v
	}
	if *schemaDir != "" {
		s, err := xsd.LoadDir(*schemaDir)
		if err != nil {
			fmt.Fprintf(stderr, "mm7harness validate: --schema-dir: %v\n", err)
			return exitUsage
		}
		opts.Schemas = s
	}
	var reports []*inspect.Report
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "mm7harness validate: %v\n", err)
			return exitUsage
		}
		reports = append(reports, inspect.Inspect(name, data, opts))
	}
	invalid := 0
	for _, r := range reports {
		if !r.Valid() {
			invalid++
		}
	}
	if *format == "json" {
		type out struct {
			*inspect.Report
			Valid bool `json:"valid"`
		}
		list := make([]out, len(reports))
		for i, r := range reports {
			list[i] = out{r, r.Valid()}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return exitUsage
		}
	} else {
		for _, r := range reports {
			printReport(stdout, r)
		}
		if len(reports) > 1 {
			fmt.Fprintf(stdout, "%d files: %d valid, %d invalid\n", len(reports), len(reports)-invalid, invalid)
		}
	}
	if invalid > 0 {
		return 1
	}
	return 0
}

func printReport(w io.Writer, r *inspect.Report) {
	verdict := "valid"
	if !r.Valid() {
		verdict = "INVALID"
	}
	what := string(r.Format)
	if r.StartLine != "" {
		what += " " + r.StartLine
	}
	switch {
	case r.Blank:
		what += "; blank body (Vibes accepts a blank 2xx for DeliverRsp and DeliveryReportRsp)"
	case r.Kind != "":
		what += "; " + string(r.Kind)
		if r.Version != "" {
			what += fmt.Sprintf(", MM7 %s (%s)", r.Version, r.Release)
		}
		if r.TransactionID != "" {
			what += ", TransactionID " + r.TransactionID
		}
	}
	fmt.Fprintf(w, "%s: %s: %s\n", r.File, verdict, what)
	for _, d := range r.Deviations {
		where := ""
		if d.Line > 0 {
			where = fmt.Sprintf("%s:%d: ", r.File, d.Line)
		}
		fmt.Fprintf(w, "  deviation %s: %s%s\n", d.ID, where, d.Detail)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	for _, p := range r.Problems {
		pos := r.File
		if p.Line > 0 {
			pos = fmt.Sprintf("%s:%d:%d", r.File, p.Line, p.Column)
		}
		msg := p.Message
		if p.Path != "" {
			msg = p.Path + ": " + msg
		}
		fmt.Fprintf(w, "  %s: %s: %s\n", pos, p.Stage, msg)
	}
}
