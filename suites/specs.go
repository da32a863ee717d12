package suites

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/mm7harness/mm7harness/harness/check"
)

// entryName names the report entry each spec leaves with its result.
const entryName = "mm7harness-result"

// declare builds the spec tree from the probes: Describe a case, It a
// check, labelled with the check's ID, level, operation, group and the
// flavour. Every exchange is made before the specs run; a spec judges
// the record and leaves its result as a report entry.
func (r *run) declare() {
	flavour := r.cfg.Flavour.Name
	for _, p := range r.probes {
		Describe(fmt.Sprintf("%s %s", p.kind, p.id), Label("case:"+p.id), func() {
			for _, ck := range p.checks {
				It(ck.ID+": "+ck.Requirement, Label(ck.Labels(p.op(), flavour)...), func() {
					r.spec(p, ck)
				})
			}
		})
	}
	ReportAfterSuite("mm7harness", func(rep types.Report) { r.report = rep })
}

// spec runs one check as a spec: the result goes into the report, a
// failure fails the spec, and what was not judged is skipped with the
// reason — never a pass.
func (r *run) spec(p *probe, ck *check.Check) {
	res := &CheckResult{Case: p.id, Group: p.group, Check: ck.ID, Level: string(ck.Level), Op: p.op()}
	if r.skipChecks[ck.ID] {
		res.Verdict, res.Reason = verdictSkipped, "skipped by --skip-checks"
	} else {
		res = r.judge(p, ck)
	}
	AddReportEntry(entryName, res, ReportEntryVisibilityNever)
	switch res.Verdict {
	case verdictSkipped, verdictNotRun:
		Skip(res.Reason)
	case string(check.NA):
		Skip("not applicable: " + res.Actual)
	}
	Expect(res.Verdict).NotTo(Equal(string(check.Fail)), "[%s] expected %s / actual %s", ck.ID, res.Expected, res.Actual)
}

// collect gives every check of every probe its result: the one its spec
// left, or skipped when the label filter left the spec out.
func (r *run) collect() []*CheckResult {
	got := map[[2]string]*CheckResult{}
	for _, s := range r.report.SpecReports {
		for _, e := range s.ReportEntries {
			if res, ok := e.Value.GetRawValue().(*CheckResult); ok && e.Name == entryName {
				if s.State.Is(types.SpecStateFailureStates) && res.Verdict != string(check.Fail) {
					// The spec failed for a reason of its own (a panic in
					// Gomega, an interrupt): the harness did not judge.
					res.Verdict, res.Reason = verdictNotRun, "harness error: "+s.Failure.Message
				}
				got[[2]string{res.Case, res.Check}] = res
			}
		}
	}
	var out []*CheckResult
	for _, p := range r.probes {
		for _, ck := range p.checks {
			res := got[[2]string{p.id, ck.ID}]
			switch {
			case res != nil:
			case r.sel.runs(p, ck):
				// Selected, yet its spec left no result: it did not run
				// (the suite was interrupted), so nothing was judged.
				res = &CheckResult{Case: p.id, Group: p.group, Check: ck.ID, Level: string(ck.Level), Op: p.op(),
					Verdict: verdictNotRun, Reason: "the spec did not run"}
			default:
				res = &CheckResult{Case: p.id, Group: p.group, Check: ck.ID, Level: string(ck.Level), Op: p.op(),
					Verdict: verdictSkipped, Reason: "not selected (label filter)"}
			}
			out = append(out, res)
		}
	}
	return out
}
