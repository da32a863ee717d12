package suites

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Outcome is the result of a run: what report.json holds.
type Outcome struct {
	Endpoint  string         `json:"endpoint"`
	Flavour   string         `json:"mm7_version"`
	Profile   string         `json:"profile"`
	Started   time.Time      `json:"started"`
	Duration  time.Duration  `json:"duration_ns"`
	Passed    int            `json:"passed"`
	Failed    int            `json:"failed"`
	Skipped   int            `json:"skipped"`
	Checks    []*CheckResult `json:"checks"`
	Exchanges []*Exchange    `json:"exchanges"`

	ginkgo types.Report
}

// Conformant reports whether every check that ran passed.
func (r *Outcome) Conformant() bool { return r.Failed == 0 && r.Passed > 0 }

// FailedIDs lists the IDs of the checks that failed, once each.
func (r *Outcome) FailedIDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range r.Checks {
		if c.State == "failed" && !seen[c.Check] {
			seen[c.Check] = true
			out = append(out, c.Check)
		}
	}
	return out
}

var ginkgoReport types.Report

var _ = ginkgo.ReportAfterSuite("collect", func(r types.Report) { ginkgoReport = r })

// ginkgoT is the testing T Ginkgo needs outside go test.
type ginkgoT struct{ failed bool }

func (t *ginkgoT) Fail() { t.failed = true }

// Run certifies the endpoint. It can run once per process (a Ginkgo rule);
// progress goes to stderr.
func Run(cfg Config) (*Outcome, error) {
	if active != nil {
		return nil, fmt.Errorf("suites: a process runs the certification once")
	}
	cfg.defaults()
	if cfg.Schemas == nil {
		s, err := xsd.Embedded()
		if err != nil {
			return nil, err
		}
		cfg.Schemas = s
	}
	if !cfg.Schemas.Has(cfg.Version.Release) {
		return nil, fmt.Errorf("suites: the schemas have no %s", cfg.Version.Release)
	}
	if err := reachable(cfg.Endpoint); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, results: map[string]*CheckResult{}}
	if err := r.select_(); err != nil {
		return nil, err
	}
	active = r

	gomega.RegisterFailHandler(ginkgo.Fail)
	suite, rep := ginkgo.GinkgoConfiguration()
	suite.LabelFilter = cfg.LabelFilter
	suite.RandomizeAllSpecs = true
	suite.FailOnPending = true
	suite.FailOnEmpty = true
	if cfg.Seed != 0 {
		suite.RandomSeed = cfg.Seed
	}
	rep.Succinct = true
	rep.NoColor = !isTerminal(os.Stderr)

	// Ginkgo writes its progress to standard output; this command keeps
	// standard output for its summary, so send Ginkgo's to standard error.
	restore := redirectStdout()
	start := time.Now()
	ginkgo.RunSpecs(&ginkgoT{}, fmt.Sprintf("MM7 %s certification of %s", cfg.Version.Name, cfg.Endpoint), suite, rep)
	restore()

	out := &Outcome{Endpoint: cfg.Endpoint, Flavour: cfg.Version.Name, Profile: string(cfg.Profile), Started: start,
		Duration: time.Since(start), Exchanges: r.exchanges, ginkgo: ginkgoReport}
	out.Checks = r.merge(ginkgoReport)
	for _, c := range out.Checks {
		switch c.State {
		case "passed":
			out.Passed++
		case "failed":
			out.Failed++
		default:
			out.Skipped++
		}
	}
	return out, nil
}

// merge gives every spec of Ginkgo's report its check result: the one
// recorded when it ran, or a skipped one when it was not selected.
func (r *run) merge(g types.Report) []*CheckResult {
	var out []*CheckResult
	for _, s := range g.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		id, caseID := "", ""
		for _, l := range s.ContainerHierarchyLabels {
			for _, x := range l {
				if v, ok := strings.CutPrefix(x, "case:"); ok {
					caseID = v
				}
			}
		}
		for _, l := range s.LeafNodeLabels {
			if v, ok := strings.CutPrefix(l, "id:"); ok {
				id = v
			}
		}
		if id == "concurrency-all-answered" {
			caseID = "concurrency"
		}
		res, ok := r.results[caseID+"|"+id]
		if !ok {
			ck, _ := check.Get(id)
			res = &CheckResult{Case: caseID, Check: id, State: "skipped", Reason: "not selected (label filter)"}
			if ck != nil {
				res.Level = string(ck.Level)
			}
		}
		switch s.State {
		case types.SpecStateFailed, types.SpecStatePanicked, types.SpecStateTimedout, types.SpecStateAborted:
			if res.State != "failed" {
				res.State, res.Actual = "failed", s.Failure.Message
			}
		}
		out = append(out, res)
	}
	return out
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// redirectStdout points file descriptor 1 at standard error until the
// returned function is called.
func redirectStdout() func() {
	saved, err := syscall.Dup(1)
	if err != nil {
		return func() {}
	}
	if err := syscall.Dup3(2, 1, 0); err != nil {
		syscall.Close(saved)
		return func() {}
	}
	return func() {
		syscall.Dup3(saved, 1, 0)
		syscall.Close(saved)
	}
}
