package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/mm7harness/mm7harness/harness/inspect"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

const validateUsage = `usage: mm7harness validate [flags] FILE...

Checks raw HTTP requests or responses, bare MIME bodies, or SOAP XML, layer by layer:
framing (HTTP, MIME), XML, schema (the chosen or detected release), then TS 23.140's rules.
A schema-valid message the harness does not model is valid, with a note.
Exit status: 0 all valid, 1 some invalid at some layer, 2 usage error.`

func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr, validateUsage, nil)
	var opts inspect.Options
	schemaDir := fs.String("schema-dir", "", "validate against the schema files in `DIR` (e.g. 3GPP's) instead of the embedded ones")
	flavourFlag(fs, &opts.Expect, "require this `FLAVOUR` (default: either)")
	format := fs.String("format", "text", "output `FORMAT`: text or json")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fail := usageError("validate", stderr)
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "mm7harness validate: no files given")
		fs.Usage()
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		return fail("--format %q: want text or json", *format)
	}
	if *schemaDir != "" {
		s, err := xsd.LoadDir(*schemaDir)
		if err != nil {
			return fail("--schema-dir: %v", err)
		}
		opts.Schemas = s
	}
	var reports []*inspect.Report
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			return fail("%v", err)
		}
		reports = append(reports, inspect.Inspect(name, data, opts))
	}
	invalid := 0
	for _, r := range reports {
		if !r.Valid() {
			invalid++
		}
	}
	if err := writeReports(stdout, reports, *format, invalid); err != nil {
		return exitUsage
	}
	if invalid > 0 {
		return 1
	}
	return 0
}

// writeReports prints the reports as text, or as a JSON list.
func writeReports(w io.Writer, reports []*inspect.Report, format string, invalid int) error {
	if format == "json" {
		type out struct {
			*inspect.Report
			Valid bool `json:"valid"`
		}
		list := make([]out, len(reports))
		for i, r := range reports {
			list[i] = out{r, r.Valid()}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	for _, r := range reports {
		printReport(w, r)
	}
	if len(reports) > 1 {
		fmt.Fprintf(w, "%d files: %d valid, %d invalid\n", len(reports), len(reports)-invalid, invalid)
	}
	return nil
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
		if r.Flavour != "" {
			what += fmt.Sprintf(", MM7 %s (%s)", r.Flavour, r.Release)
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
