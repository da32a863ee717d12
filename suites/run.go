package suites

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/term"
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

// ran guards Ginkgo's rule: a process runs the specs once (RunSpecs
// exits the process when called again). It is the package's one mutable
// variable, so that a second Run returns an error instead.
var ran bool

// ginkgoT is the testing T Ginkgo needs outside go test.
type ginkgoT struct{ failed bool }

func (t *ginkgoT) Fail() { t.failed = true }

// Run certifies the endpoint. It can run once per process (a Ginkgo rule).
// Progress, the harness's and Ginkgo's, goes to cfg.Progress; Run writes
// nothing to standard output.
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
	if !cfg.Schemas.Has(cfg.Flavour.Release) {
		return nil, fmt.Errorf("suites: the schemas have no %s", cfg.Flavour.Release)
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

	r.runSpecs(fmt.Sprintf("MM7 %s certification of %s", cfg.Flavour.Name, cfg.Endpoint))
	out := newOutcome(&r.cfg, start, r.collect(), r.plan)
	return out, nil
}

// runSpecs declares the specs of the probes and runs them with Ginkgo:
// each judges what was recorded and leaves its result in the report.
func (r *run) runSpecs(title string) {
	r.declare()
	gomega.RegisterFailHandler(ginkgo.Fail)
	suite, rep := ginkgo.GinkgoConfiguration()
	suite.LabelFilter = r.cfg.LabelFilter
	// The label filter is the one way to select: what was sent was chosen
	// by it, and focus or skip flags (under go test) would leave specs of
	// sent exchanges unjudged.
	suite.FocusStrings, suite.SkipStrings, suite.FocusFiles, suite.SkipFiles = nil, nil, nil, nil
	suite.RandomizeAllSpecs = true
	suite.FailOnPending = true
	suite.FailOnEmpty = true
	if r.cfg.Seed != 0 {
		suite.RandomSeed = r.cfg.Seed
	}
	rep.Succinct = true
	rep.NoColor = !term.Is(r.cfg.Progress)

	// Ginkgo has no option for where its console reporter writes: it
	// writes to formatter.ColorableStdOut, which RunSpecs reads when it
	// starts. Standard output is the command's summary, so point that at
	// the progress writer for the run, and back after.
	stdout := formatter.ColorableStdOut
	formatter.ColorableStdOut = ginkgoOutput(r.cfg.Progress)
	defer func() { formatter.ColorableStdOut = stdout }()
	ginkgo.RunSpecs(&ginkgoT{}, title, suite, rep)
}

// ginkgoOutput is where Ginkgo's console output goes for progress w:
// nowhere for none, and standard error through Ginkgo's own writer for it,
// which renders colours on a Windows console.
func ginkgoOutput(w io.Writer) io.Writer {
	switch w {
	case nil:
		return io.Discard
	case os.Stderr:
		return formatter.ColorableStdErr
	}
	return w
}
