package suites

import (
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// Write writes junit.xml, report.json and report.html into dir, and the
// requests of failed cases as replayable files under dir/exchanges.
func (r *Outcome) Write(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "exchanges"), 0o755); err != nil {
		return err
	}
	junit := filepath.Join(dir, "junit.xml")
	if err := reporters.GenerateJUnitReport(r.ginkgo, junit); err != nil {
		return err
	}
	if err := plainTimes(junit); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), b, 0o644); err != nil {
		return err
	}
	view := r.view(dir)
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		return err
	}
	defer f.Close()
	return page.Execute(f, view)
}

type caseView struct {
	ID        string
	Verdict   string
	Checks    []*CheckResult
	Exchanges []exchangeView
	Replay    string
	Curl      string
}

type exchangeView struct {
	Purpose, Request, Response, Note string
	Status                           int
}

type pageView struct {
	*Outcome
	Verdict string
	Cases   []caseView
	Catalog []*check.Check
}

const maxShown = 12 << 10

func shown(b []byte) string {
	if len(b) > maxShown {
		return string(b[:maxShown]) + fmt.Sprintf("\n… (%d more bytes)", len(b)-maxShown)
	}
	return string(b)
}

func (r *Outcome) view(dir string) pageView {
	v := pageView{Outcome: r, Verdict: "NOT CONFORMANT", Catalog: check.Catalogue()}
	if r.Conformant() {
		v.Verdict = "CONFORMANT"
	}
	byCase := map[string]*caseView{}
	var order []string
	for _, c := range r.Checks {
		cv := byCase[c.Case]
		if cv == nil {
			cv = &caseView{ID: c.Case, Verdict: "passed"}
			byCase[c.Case] = cv
			order = append(order, c.Case)
		}
		cv.Checks = append(cv.Checks, c)
		if c.State == "failed" {
			cv.Verdict = "failed"
		}
	}
	for i, ex := range r.Exchanges {
		cv := byCase[ex.Case]
		if cv == nil || cv.Verdict != "failed" {
			continue
		}
		file := filepath.Join("exchanges", fmt.Sprintf("%03d-%s.request.http", i+1, ex.Case))
		_ = os.WriteFile(filepath.Join(dir, file), ex.Request, 0o644)
		note := ""
		if ex.Status == 0 {
			note = "no answer: " + ex.Err
		}
		cv.Exchanges = append(cv.Exchanges, exchangeView{Purpose: ex.Purpose, Request: shown(ex.Request), Response: shown(ex.Response), Status: ex.Status, Note: note})
		if cv.Replay == "" {
			cv.Replay = fmt.Sprintf("mm7harness replay %s --endpoint %s", filepath.Join(dir, file), r.Endpoint)
			if h, err := swa.ReadHTTP(ex.Request); err == nil {
				body := filepath.Join("exchanges", fmt.Sprintf("%03d-%s.body", i+1, ex.Case))
				_ = os.WriteFile(filepath.Join(dir, body), h.Body, 0o644)
				cv.Curl = fmt.Sprintf("curl -sS -A 'Java/1.6.0_65' -H %s --data-binary @%s %s",
					shellQuote("Content-Type: "+h.ContentType()), filepath.Join(dir, body), r.Endpoint)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		return byCase[order[i]].Verdict == "failed" && byCase[order[j]].Verdict != "failed"
	})
	for _, id := range order {
		v.Cases = append(v.Cases, *byCase[id])
	}
	return v
}

var timeAttr = regexp.MustCompile(`time="([^"]*)"`)

// plainTimes rewrites the time attributes Ginkgo writes in exponent form
// ("2.1792e-05") as decimals, which is what JUnit readers (and xs:decimal)
// take.
func plainTimes(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b = timeAttr.ReplaceAllFunc(b, func(m []byte) []byte {
		v, err := strconv.ParseFloat(string(timeAttr.FindSubmatch(m)[1]), 64)
		if err != nil {
			return m
		}
		return []byte(`time="` + strconv.FormatFloat(v, 'f', 6, 64) + `"`)
	})
	return os.WriteFile(path, b, 0o644)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>mm7harness certification: {{.Verdict}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1 .passed,.verdict.CONFORMANT{color:#176c2b}.verdict{font-weight:bold}
.verdict.NOT{color:#b3261e}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
.state-passed{background:#e6f4ea}.state-failed{background:#fce8e6}.state-skipped{background:#f1f3f4;color:#666}
details{margin:.5em 0}summary{cursor:pointer}pre{background:#f8f8f8;padding:.6em;overflow:auto;max-height:30em;white-space:pre-wrap}
code{background:#f1f3f4;padding:0 .3em}
</style></head><body>
<h1>MM7 {{.Flavour}} certification: <span class="verdict {{.Verdict}}" id="verdict">{{.Verdict}}</span></h1>
<p>Endpoint <code>{{.Endpoint}}</code>, profile <code>{{.Profile}}</code>, started {{.Started.Format "2006-01-02 15:04:05 MST"}}.</p>
<table id="summary"><tr><th>passed</th><th>failed</th><th>skipped</th></tr>
<tr><td class="state-passed">{{.Passed}}</td><td class="state-failed">{{.Failed}}</td><td class="state-skipped">{{.Skipped}}</td></tr></table>
<h2>Cases</h2>
{{range .Cases}}<details {{if eq .Verdict "failed"}}open{{end}} class="case state-{{.Verdict}}" id="case-{{.ID}}">
<summary><strong>{{.ID}}</strong>: {{.Verdict}}</summary>
<table><tr><th>check</th><th>level</th><th>verdict</th><th>expected</th><th>actual</th></tr>
{{range .Checks}}<tr class="state-{{.State}}"><td><code>{{.Check}}</code></td><td>{{.Level}}</td><td>{{.State}}</td><td>{{.Expected}}</td><td>{{.Actual}}{{if .Reason}} ({{.Reason}}){{end}}</td></tr>
{{end}}</table>
{{if .Replay}}<p>Reproduce: <code>{{.Replay}}</code><br>or: <code>{{.Curl}}</code></p>{{end}}
{{range .Exchanges}}<details><summary>{{.Purpose}}: HTTP {{.Status}} {{.Note}}</summary>
<h4>Request</h4><pre>{{.Request}}</pre><h4>Response</h4><pre>{{.Response}}</pre></details>
{{end}}</details>
{{end}}
<h2>The checks</h2>
<table><tr><th>ID</th><th>level</th><th>requirement</th><th>source</th></tr>
{{range .Catalog}}<tr><td><code>{{.ID}}</code></td><td>{{.Level}}</td><td>{{.Requirement}}</td><td>{{.Source}}</td></tr>
{{end}}</table>
</body></html>
`))
