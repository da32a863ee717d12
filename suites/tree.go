package suites

import (
	"slices"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
)

// The certification is a list of probes, each one or a few exchanges
// with the endpoint and the checks that judge them. The same list decides
// what is sent (only what a selected check judges), builds the Ginkgo spec
// tree, and lists what the report shows, so the three cannot disagree.

// probeKind is what a probe sends.
type probeKind string

const (
	probeMessage     probeKind = "message"     // a valid message (or a tolerated quirk)
	probeNegative    probeKind = "negative"    // a negative case, then a valid message
	probeRetry       probeKind = "retry"       // a valid message, then the same bytes again
	probeConcurrency probeKind = "concurrency" // several valid messages at once
	probeScenario    probeKind = "scenario"    // an MT client's scenario (client_plan.go)
)

// probe is one container of specs.
type probe struct {
	kind   probeKind
	id     string       // the case ID, or "retries" / "concurrency"
	c      *corpus.Case // the case sent (the good case for retries and concurrency)
	group  string       // the report's case group
	checks []*check.Check
	// opName is the operation label when there is no case (an MT
	// client's scenario).
	opName string
	// eval judges a check on what the probe recorded, for probes whose
	// record is not a list of exchanges (an MT client's scenario).
	eval func(ck *check.Check) check.Result
}

// Case groups, as the report's matrix shows them.
const (
	groupMO         = "MO"
	groupDLR        = "delivery reports"
	groupReadReply  = "read replies"
	groupQuirks     = "quirks"
	groupRobustness = "robustness"
	groupBehaviour  = "retries and load"

	// An MT client's scenarios, and the delivery reports to it.
	groupAccepted  = "MT accepted"
	groupPermanent = "MT refused"
	groupTemporary = "MT temporary failures"
	groupClientDLR = "delivery reports to the client"
)

// GroupOrder is the order of the case groups in reports.
var GroupOrder = []string{groupMO, groupDLR, groupReadReply, groupQuirks, groupRobustness, groupBehaviour,
	groupAccepted, groupPermanent, groupTemporary, groupClientDLR}

func groupOf(c *corpus.Case) string {
	switch {
	case c.Origin == corpus.OriginNegative:
		return groupRobustness
	case c.Origin == corpus.OriginQuirk:
		return groupQuirks
	case c.Kind == corpus.KindDeliveryReport:
		return groupDLR
	case c.Kind == corpus.KindReadReply:
		return groupReadReply
	}
	return groupMO
}

// buildProbes lists the probes of a run. A check goes on the probes it
// has a judge for; which robustness checks a negative case gets depends
// on what the case expects.
func buildProbes(cfg *Config, positives, negatives []*corpus.Case) []*probe {
	var answer, quirk, resend, load []*check.Check
	for _, c := range check.Catalogue() {
		if c.Judge != nil && (!c.StrictOnly || cfg.Profile == check.ProfileStrict) {
			answer = append(answer, c)
		}
		if c.JudgeQuirk != nil {
			quirk = append(quirk, c)
		}
		if c.JudgeResend != nil {
			resend = append(resend, c)
		}
		if c.JudgeLoad != nil {
			load = append(load, c)
		}
	}
	var out []*probe
	for _, c := range positives {
		p := &probe{kind: probeMessage, id: c.ID, c: c, group: groupOf(c), checks: answer}
		if c.Expect.Outcome == corpus.Tolerate {
			p.checks = slices.Concat(quirk, answer)
		}
		out = append(out, p)
	}
	good := cfg.goodCase
	out = append(out,
		&probe{kind: probeRetry, id: "retries", c: good, group: groupBehaviour, checks: resend},
		&probe{kind: probeConcurrency, id: "concurrency", c: good, group: groupBehaviour, checks: load},
	)
	for _, c := range negatives {
		p := &probe{kind: probeNegative, id: c.ID, c: c, group: groupRobustness}
		if c.Expect.Outcome == corpus.Reject {
			if c.Expect.Level == corpus.LevelMust {
				p.checks = append(p.checks, check.MustGet("robust-not-accepted"))
			} else {
				p.checks = append(p.checks, check.MustGet("robust-not-accepted-advised"))
			}
			if len(c.Expect.MM7Status) > 0 {
				p.checks = append(p.checks, check.MustGet("robust-status-code"))
			}
		}
		p.checks = append(p.checks, check.MustGet("robust-answers"), check.MustGet("robust-still-serves"))
		out = append(out, p)
	}
	return out
}

// op is the operation label of a probe.
func (p *probe) op() string {
	if p.opName != "" {
		return p.opName
	}
	return string(p.c.Kind)
}

// labels are the Ginkgo labels of one spec: the container's and the
// check's.
func (p *probe) labels(ck *check.Check, flavour string) []string {
	return append([]string{"case:" + p.id}, ck.Labels(p.op(), flavour)...)
}

// selection decides which specs run: Ginkgo's label filter and
// --skip-checks, applied here as Ginkgo applies them, so that nothing is
// sent that no selected check judges.
type selection struct {
	filter  types.LabelFilter
	skip    []string
	flavour string
}

func newSelection(cfg *Config) (*selection, error) {
	f, err := types.ParseLabelFilter(cfg.LabelFilter)
	if err != nil {
		return nil, err
	}
	return &selection{filter: f, skip: cfg.SkipChecks, flavour: cfg.Flavour.Name}, nil
}

// runs reports whether the check's spec of p runs.
func (s *selection) runs(p *probe, ck *check.Check) bool {
	return s.filter(p.labels(ck, s.flavour)) && !slices.Contains(s.skip, ck.ID)
}

// any reports whether some check of p runs: only then is p sent.
func (s *selection) any(p *probe) bool {
	return slices.ContainsFunc(p.checks, func(ck *check.Check) bool { return s.runs(p, ck) })
}
