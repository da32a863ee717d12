package suites

import (
	"slices"
	"testing"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

// judges reports whether ck has the judge a probe of p's kind hands its
// exchanges to.
func judges(p *probe, ck *check.Check) bool {
	switch p.kind {
	case probeRetry:
		return ck.JudgeResend != nil
	case probeConcurrency:
		return ck.JudgeLoad != nil
	case probeNegative:
		return ck.JudgeBad != nil || ck.JudgeAfter != nil
	case probeScenario:
		return ck.JudgeSubmit != nil || ck.JudgeClient != nil
	}
	return ck.Judge != nil || p.c != nil && p.c.Expect.Outcome == corpus.Tolerate && ck.JudgeQuirk != nil
}

// probesOf lists the probes of a run of every kind: an endpoint's
// certification, and an MT client's (each scenario with a delivery report).
func probesOf(t *testing.T, v mm7.Flavour, profile check.Profile) []*probe {
	cfg := &Config{Flavour: v, Profile: profile, Negatives: true,
		Ops: []corpus.Kind{corpus.KindDeliver, corpus.KindDeliveryReport, corpus.KindReadReply}}
	cfg.defaults()
	positives, negatives, err := selectCases(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cc := &ClientConfig{Config: Config{Flavour: v, Profile: profile}, Command: []string{"true"}}
	cc.defaults()
	scenarios, err := selectScenarios(cc)
	if err != nil {
		t.Fatal(err)
	}
	cr := newClientRun(cc, scenarios, newPlan(&cc.Config))
	for _, sr := range cr.runs {
		sr.reports = []*Exchange{{}}
	}
	return slices.Concat(buildProbes(cfg, positives, negatives), cr.probes())
}

// Every check of the catalogue goes on some probe, under some profile and
// flavour with every operation and the negative cases, or in an MT
// client's certification; and every check on
// a probe has the judge that probe needs, so evaluate never meets a check
// it cannot judge. A check added to the catalogue without a way to be
// sent, or put on a probe that cannot judge it, fails here.
func TestEveryCheckIsProbed(t *testing.T) {
	used := map[string]bool{}
	for _, v := range mm7.Flavours() {
		for _, profile := range []check.Profile{check.ProfileVibes, check.ProfileStrict} {
			for _, p := range probesOf(t, v, profile) {
				if len(p.checks) == 0 {
					t.Errorf("%s %s, %s: probe %s has no check", v.Name, profile, p.kind, p.id)
				}
				for i, ck := range p.checks {
					used[ck.ID] = true
					if !judges(p, ck) {
						t.Errorf("%s %s: %s is on the %s probe %s, which it has no judge for", v.Name, profile, ck.ID, p.kind, p.id)
					}
					if slices.Index(p.checks, ck) != i {
						t.Errorf("%s %s: %s is twice on probe %s", v.Name, profile, ck.ID, p.id)
					}
					if c, ok := check.Get(ck.ID); !ok || c != ck {
						t.Errorf("%s %s: probe %s has %s, which is not the catalogue's", v.Name, profile, p.id, ck.ID)
					}
				}
			}
		}
	}
	for _, ck := range check.Catalogue() {
		if !used[ck.ID] {
			t.Errorf("%s is on no probe: no run ever judges it", ck.ID)
		}
	}
}
