package suites

import (
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mm7harness/mm7harness/harness/check"
)

// report.html reads at a glance: the verdict, a matrix of checks × case
// groups coloured by the worst verdict in each cell (failures first),
// then every case that did not pass with expected/actual, its raw
// exchanges and how to reproduce it, then every case grouped and sorted.

// severity orders verdicts, worst first.
var severity = map[string]int{string(check.Fail): 0, verdictNotRun: 1, string(check.Warn): 2, string(check.Info): 3,
	string(check.Pass): 4, string(check.NA): 5, verdictSkipped: 6}

// Verdicts lists the verdicts in the order reports show them.
var Verdicts = []string{string(check.Pass), string(check.Fail), string(check.Warn), string(check.Info), string(check.NA), verdictSkipped, verdictNotRun}

func worse(a, b string) string {
	if b == "" {
		return a
	}
	if a == "" || severity[b] < severity[a] {
		return b
	}
	return a
}

type cellView struct {
	Worst  string
	Counts string // "3 pass, 1 fail"
}

type rowView struct {
	Check *check.Check
	Worst string
	Cells []cellView
}

type caseView struct {
	ID, Group, Worst string
	Attention        bool // shown in full under "Needs attention"
	Checks           []*CheckResult
	Exchanges        []exchangeView
	Replay, Curl     string
	Description      string
	// Output is what an MT client printed in the scenario.
	Output string
}

type exchangeView struct {
	Seq                        int
	Purpose, Summary           string
	Request, Response          string
	RequestFile, ResponseFile  string
	RequestBytes, ResponseSize int64
}

type groupView struct {
	Name  string
	Cases []caseView
}

type pageView struct {
	*Outcome
	Class     string
	Groups    []string
	Matrix    []rowView
	Attention []caseView
	All       []groupView
	Catalog   []*check.Check
	Summary   string
}

const maxShown = 12 << 10

// shown is a raw message as the page shows it: valid UTF-8 text, cut.
func shown(b []byte) string {
	s := b
	more := 0
	if len(s) > maxShown {
		s, more = s[:maxShown], len(b)-maxShown
	}
	out := strings.ToValidUTF8(string(s), "\uFFFD")
	if !utf8.ValidString(out) {
		out = fmt.Sprintf("(%d bytes, not text)", len(s))
	}
	if more > 0 {
		out += fmt.Sprintf("\n… (%d more bytes in the file)", more)
	}
	return out
}

func (o *Outcome) view(dir string) pageView {
	v := pageView{Outcome: o, Class: strings.ReplaceAll(strings.ToLower(o.Verdict), " ", "-"), Catalog: check.Catalogue()}
	var parts []string
	for _, k := range Verdicts {
		if n := o.Counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	v.Summary = strings.Join(parts, ", ")
	present := map[string]bool{}
	for _, c := range o.Checks {
		present[c.Group] = true
	}
	for _, g := range GroupOrder {
		if present[g] {
			v.Groups = append(v.Groups, g)
		}
	}
	v.Matrix = o.matrix(v.Groups)
	v.Attention, v.All = o.cases(dir, v.Groups)
	return v
}

// matrix is a row per check and a cell per group, worst rows first.
func (o *Outcome) matrix(groups []string) []rowView {
	type tally map[string]int
	cells := map[string]map[string]tally{}
	for _, c := range o.Checks {
		if cells[c.Check] == nil {
			cells[c.Check] = map[string]tally{}
		}
		if cells[c.Check][c.Group] == nil {
			cells[c.Check][c.Group] = tally{}
		}
		cells[c.Check][c.Group][c.Verdict]++
	}
	var rows []rowView
	for _, ck := range check.Catalogue() {
		row := rowView{Check: ck}
		if cells[ck.ID] == nil {
			continue
		}
		for _, g := range groups {
			t := cells[ck.ID][g]
			cv := cellView{}
			var ps []string
			for _, k := range Verdicts {
				if t[k] > 0 {
					cv.Worst = worse(cv.Worst, k)
					ps = append(ps, fmt.Sprintf("%d %s", t[k], k))
				}
			}
			cv.Counts = strings.Join(ps, ", ")
			row.Worst = worse(row.Worst, cv.Worst)
			row.Cells = append(row.Cells, cv)
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool { return severity[rows[i].Worst] < severity[rows[j].Worst] })
	return rows
}

// cases are the cases that need attention (worst first, with their
// exchanges and how to reproduce them), and every case by group.
func (o *Outcome) cases(dir string, groups []string) (attention []caseView, all []groupView) {
	byCase := map[string]*caseView{}
	var order []string
	for _, c := range o.Checks {
		cv := byCase[c.Case]
		if cv == nil {
			cv = &caseView{ID: c.Case, Group: c.Group}
			byCase[c.Case] = cv
			order = append(order, c.Case)
		}
		cv.Checks = append(cv.Checks, c)
		cv.Worst = worse(cv.Worst, c.Verdict)
	}
	for _, ex := range o.Exchanges {
		cv := byCase[probeIDOf(ex)]
		if cv == nil {
			cv = byCase[ex.Case]
		}
		if cv == nil || severity[cv.Worst] > severity[string(check.Warn)] {
			continue
		}
		cv.Exchanges = append(cv.Exchanges, exchangeView{Seq: ex.Seq, Purpose: ex.Purpose, Summary: ex.summary(),
			Request: shown(ex.request), Response: shown(ex.response), RequestFile: ex.RequestFile, ResponseFile: ex.ResponseFile,
			RequestBytes: ex.RequestBytes, ResponseSize: int64(ex.ResponseBytes)})
		if cv.Replay == "" && (ex.Purpose == "message" || ex.Purpose == "negative" || ex.Purpose == "retry" || o.Command != "") {
			cv.Replay, cv.Curl = o.reproduce(dir, ex)
		}
	}
	for _, sc := range o.Scenarios {
		if cv := byCase[sc.ID]; cv != nil {
			cv.Output = sc.Output
		}
	}
	sort.Strings(order)
	for _, id := range order {
		if cv := byCase[id]; severity[cv.Worst] <= severity[string(check.Warn)] {
			cv.Attention = true
			attention = append(attention, *cv)
		}
	}
	sort.SliceStable(attention, func(i, j int) bool { return severity[attention[i].Worst] < severity[attention[j].Worst] })
	for _, g := range groups {
		gv := groupView{Name: g}
		for _, id := range order {
			if byCase[id].Group == g {
				gv.Cases = append(gv.Cases, *byCase[id])
			}
		}
		all = append(all, gv)
	}
	return attention, all
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms": func(d time.Duration) string { return d.Round(time.Millisecond).String() },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>mm7harness certification: {{.Verdict}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:90em}
.verdict{font-weight:bold}.verdict.conformant{color:#176c2b}.verdict.not-conformant{color:#b3261e}.verdict.incomplete{color:#8a5300}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.v-pass{background:#e6f4ea}.v-fail{background:#fce8e6}.v-warn{background:#fef7e0}.v-info{background:#e8f0fe}
.v-n\/a,.v-skipped{background:#f1f3f4;color:#666}.v-not-run{background:#fde7d7}
details{margin:.5em 0}summary{cursor:pointer}pre{background:#f8f8f8;padding:.6em;overflow:auto;max-height:30em;white-space:pre-wrap}
code{background:#f1f3f4;padding:0 .3em}.note{color:#555}
</style></head><body>
<h1>MM7 {{.Flavour}} certification: <span class="verdict {{.Class}}" id="verdict">{{.Verdict}}</span></h1>
<p>{{if .Command}}MT client <code>{{.Command}}</code>{{else}}Endpoint <code>{{.Endpoint}}</code>{{end}}, profile <code>{{.Profile}}</code>, started {{.Started.Format "2006-01-02 15:04:05 MST"}}, took {{ms .Duration}}.
{{if .Command}}The mock Vibes gateway ran {{len .Scenarios}} scenarios against the client; its delivery-report endpoint had {{ms .Budget}} to answer each report.{{else}}Latency budget {{ms .Budget}} (answers cut off at {{ms .Budget}} + {{ms .Grace}}; bad input at {{ms .BadInputTimeout}}); answers read up to {{.MaxAnswer}} bytes.{{end}}</p>
<p id="counts">{{.Summary}}</p>
{{if .Stopped}}<p class="note" id="stopped"><strong>Stopped early:</strong> {{.Stopped}}.</p>{{end}}
<p class="note">pass: met; fail: not met (a failed MUST or VIBES check, or under the strict profile a SHOULD); warn: a risk, not a failure;
info: worth knowing; n/a: could not be judged here, with the reason; skipped: not selected; not-run: the harness could not run it.</p>

<h2>Checks × case groups</h2>
<table id="matrix"><tr><th>check</th><th>level</th>{{range .Groups}}<th>{{.}}</th>{{end}}</tr>
{{range .Matrix}}<tr><td><code>{{.Check.ID}}</code></td><td>{{.Check.Level}}</td>{{range .Cells}}<td class="v-{{.Worst}}">{{.Counts}}</td>{{end}}</tr>
{{end}}</table>

{{if .Attention}}<h2>Needs attention</h2>
{{range .Attention}}<details open class="case v-{{.Worst}}" id="case-{{.ID}}">
<summary><strong>{{.ID}}</strong> ({{.Group}}): {{.Worst}}</summary>
<table><tr><th>check</th><th>level</th><th>verdict</th><th>expected</th><th>actual</th></tr>
{{range .Checks}}<tr class="v-{{.Verdict}}"><td><code>{{.Check}}</code></td><td>{{.Level}}</td><td>{{.Verdict}}</td><td>{{.Expected}}</td><td>{{.Actual}}{{if .Reason}} ({{.Reason}}){{end}}</td></tr>
{{end}}</table>
{{if .Replay}}<p>Reproduce: <code>{{.Replay}}</code>{{if .Curl}}<br>or: <code>{{.Curl}}</code>{{end}}</p>{{end}}
{{if .Output}}<details><summary>the client's output</summary><pre>{{.Output}}</pre></details>{{end}}
{{range .Exchanges}}<details><summary>#{{.Seq}} {{.Purpose}}: {{.Summary}}</summary>
<h4>Request ({{.RequestBytes}} bytes{{if .RequestFile}}, <code>{{.RequestFile}}</code>{{end}})</h4><pre>{{.Request}}</pre>
<h4>Response ({{.ResponseSize}} bytes{{if .ResponseFile}}, <code>{{.ResponseFile}}</code>{{end}})</h4><pre>{{.Response}}</pre></details>
{{end}}</details>
{{end}}{{end}}

<h2>Every case</h2>
{{range .All}}<details class="group"><summary><strong>{{.Name}}</strong> ({{len .Cases}} cases)</summary>
<table><tr><th>case</th><th>verdicts</th></tr>
{{range .Cases}}<tr class="v-{{.Worst}}"><td>{{if .Attention}}<a href="#case-{{.ID}}">{{.ID}}</a>{{else}}{{.ID}}{{end}}</td><td>{{range .Checks}}<span class="v-{{.Verdict}}" title="{{.Actual}}">{{.Check}}: {{.Verdict}}</span> {{end}}</td></tr>
{{end}}</table></details>
{{end}}

<h2>The checks</h2>
<table><tr><th>ID</th><th>level</th><th>requirement</th><th>source</th></tr>
{{range .Catalog}}<tr><td><code>{{.ID}}</code></td><td>{{.Level}}</td><td>{{.Requirement}}{{if .StrictOnly}} (strict profile){{end}}</td><td>{{.Source}}</td></tr>
{{end}}</table>
</body></html>
`))
