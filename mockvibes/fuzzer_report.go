package mockvibes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/mockvibes/mutate"
)

// FuzzReport is what a fuzz run did and found.
type FuzzReport struct {
	Endpoint    string `json:"endpoint"`
	Flavour     string `json:"flavour"`
	RandSeed    uint64 `json:"seed"`
	Seeds       int    `json:"seeds"`
	Concurrency int    `json:"concurrency"`
	ProbeEvery  int    `json:"probe_every"`
	ProbeNote   string `json:"probe"`
	// SequenceSHA256 hashes the mutants in the order they were drawn,
	// before the fresh TransactionID and dates were stamped: two runs
	// with the same seed and corpus show the same hash for the same
	// count.
	SequenceSHA256 string        `json:"sequence_sha256"`
	Started        time.Time     `json:"started"`
	Elapsed        time.Duration `json:"elapsed_ns"`
	Mutants        int           `json:"mutants"`
	Probes         int           `json:"probes"`
	PerSecond      float64       `json:"mutants_per_second"`
	Stopped        string        `json:"stopped,omitempty"`
	Findings       []*Finding    `json:"findings"`
	// ByKind counts the findings (after deduplication) of each kind.
	ByKind map[string]int `json:"by_kind"`
	// Unexamined counts raw findings past the per-kind cap, not kept.
	Unexamined int `json:"unexamined,omitempty"`
}

func (r *FuzzReport) tally() {
	r.ByKind = map[string]int{}
	for _, f := range r.Findings {
		r.ByKind[f.Kind]++
	}
}

// Worst reports whether any finding is at least as severe as failOn
// ("error" or "info").
func (r *FuzzReport) Worst(failOn string) bool {
	for _, f := range r.Findings {
		if f.Severity == SeverityError || failOn == SeverityInfo {
			return true
		}
	}
	return false
}

// Summary is the run in a few lines, for a terminal.
func (r *FuzzReport) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MM7 %s, %s: %d mutants in %v (%.0f/s), %d probes, seed %d\n", r.Flavour, r.Endpoint, r.Mutants,
		r.Elapsed.Round(time.Millisecond), r.PerSecond, r.Probes, r.RandSeed)
	if r.Stopped != "" {
		fmt.Fprintf(&b, "stopped early: %s\n", r.Stopped)
	}
	if len(r.Findings) == 0 {
		b.WriteString("no findings\n")
		return b.String()
	}
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&b, "%-22s %-5s %d\n", k, Severity(k), r.ByKind[k])
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s: %s on %s — %s\n", f.Kind, mutate.Describe(f.Steps), f.Seed, f.Detail)
	}
	return b.String()
}

// Write writes report.json, report.html and the findings' files into dir.
func (r *FuzzReport) Write(dir string) error {
	fdir := filepath.Join(dir, "findings")
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return err
	}
	for i, f := range r.Findings {
		base := fmt.Sprintf("%02d-%s", i+1, f.Kind)
		f.File = filepath.ToSlash(filepath.Join("findings", base+".http"))
		if err := os.WriteFile(filepath.Join(dir, f.File), f.request, 0o644); err != nil {
			return err
		}
		if len(f.response) > 0 {
			f.AnswerFile = filepath.ToSlash(filepath.Join("findings", base+".answer.http"))
			if err := os.WriteFile(filepath.Join(dir, f.AnswerFile), f.response, 0o644); err != nil {
				return err
			}
		}
		f.Replay = fmt.Sprintf("mm7harness replay %s --endpoint %s", f.File, r.Endpoint)
		body := filepath.ToSlash(filepath.Join("findings", base+".body"))
		if head, b, ok := bytes.Cut(f.request, []byte("\r\n\r\n")); ok {
			if err := os.WriteFile(filepath.Join(dir, body), b, 0o644); err != nil {
				return err
			}
			f.Curl = curlLine(r.Endpoint, head, body, mutate.Framing(f.Steps))
		}
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	var h bytes.Buffer
	if err := fuzzHTML.Execute(&h, r); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.html"), h.Bytes(), 0o644)
}

// curlLine resends a finding's body with its headers; curl frames the
// body itself, so a framing mutant is only byte-exact through replay.
func curlLine(endpoint string, head []byte, body string, framing bool) string {
	var b strings.Builder
	b.WriteString("curl -sS -X POST " + shellQuote(endpoint))
	for _, l := range strings.Split(string(head), "\r\n")[1:] {
		name, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "", "host", "content-length", "transfer-encoding", "connection":
			continue
		}
		if strings.ContainsAny(l, "\r\n") || !strings.Contains(l, ":") {
			continue
		}
		b.WriteString(" -H " + shellQuote(l))
	}
	b.WriteString(" --data-binary @" + body)
	if framing {
		b.WriteString("   # curl frames the body itself: replay sends the mutant's framing byte for byte")
	}
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var fuzzHTML = template.Must(template.New("fuzz").Funcs(template.FuncMap{
	"describe": mutate.Describe,
	"kinds":    func() any { return FindingKinds },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MM7 fuzz report: {{.Endpoint}}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.error{color:#a00}.info{color:#555}code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}</style></head>
<body><h1>Fuzzing {{.Endpoint}}</h1>
<p>MM7 {{.Flavour}}, seed {{.RandSeed}}: {{.Mutants}} mutants of {{.Seeds}} seeds in {{.Elapsed}} ({{printf "%.0f" .PerSecond}}/s),
{{.Probes}} probes, {{.Concurrency}} connection(s). {{.ProbeNote}}.<br>Sequence SHA-256 <code>{{.SequenceSHA256}}</code></p>
{{with .Stopped}}<p class="error">Stopped early: {{.}}</p>{{end}}
<h2>Findings</h2>
{{if not .Findings}}<p>None.</p>{{else}}<table><tr><th>kind</th><th>severity</th><th>operations</th><th>seed</th><th>what happened</th><th>seen</th></tr>
{{range .Findings}}<tr><td>{{.Kind}}</td><td class="{{.Severity}}">{{.Severity}}</td><td>{{describe .Steps}}{{if .Minimised}} (minimised){{end}}</td><td>{{.Seed}}</td>
<td>{{.Detail}}{{with .Note}}<br><em>{{.}}</em>{{end}}<br><code>{{.Replay}}</code><br><code>{{.Curl}}</code></td><td>{{.Occurrences}}</td></tr>
{{end}}</table>{{end}}
<h2>What the kinds mean</h2><table>{{range kinds}}<tr><td>{{.Kind}}</td><td class="{{.Severity}}">{{.Severity}}</td><td>{{.Means}}</td></tr>{{end}}</table>
</body></html>
`))
