package suites

import (
	"fmt"
	"os"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/mm7harness/mm7harness/harness/xsd"
)

// run is the state of the one run a process makes.
type run struct {
	cfg        Config
	probes     []*probe
	sel        *selection
	plan       *plan
	skipChecks map[string]bool
	report     types.Report
}

// ran guards Ginkgo's rule: a process runs the specs once.
var ran bool

// ginkgoT is the testing T Ginkgo needs outside go test.
type ginkgoT struct{ failed bool }

func (t *ginkgoT) Fail() { t.failed = true }

// Run certifies the endpoint. It can run once per process (a Ginkgo rule);
// progress goes to cfg.Progress and Ginkgo's to stderr.
func Run(cfg Config) (*Outcome, error) {
	if ran {
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
	sel, err := newSelection(&cfg)
	if err != nil {
		return nil, fmt.Errorf("suites: --label-filter: %w", err)
	}
	if err := reachable(cfg.Endpoint); err != nil {
		return nil, err
	}
	positives, negatives, err := selectCases(&cfg)
	if err != nil {
		return nil, err
	}
	ran = true
	r := &run{cfg: cfg, sel: sel, skipChecks: map[string]bool{}}
	for _, id := range cfg.SkipChecks {
		r.skipChecks[id] = true
	}
	r.probes = buildProbes(&r.cfg, positives, negatives)

	start := time.Now()
	r.plan = newPlan(&r.cfg)
	r.plan.run(r.probes, sel)

	r.declare()
	gomega.RegisterFailHandler(ginkgo.Fail)
	suite, rep := ginkgo.GinkgoConfiguration()
	suite.LabelFilter = cfg.LabelFilter
	// The label filter is the one way to select: what was sent was chosen
	// by it, and focus or skip flags (under go test) would leave specs of
	// sent exchanges unjudged.
	suite.FocusStrings, suite.SkipStrings, suite.FocusFiles, suite.SkipFiles = nil, nil, nil, nil
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
	ginkgo.RunSpecs(&ginkgoT{}, fmt.Sprintf("MM7 %s certification of %s", cfg.Version.Name, cfg.Endpoint), suite, rep)
	restore()

	out := newOutcome(&r.cfg, start, r.collect(), r.plan)
	return out, nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
