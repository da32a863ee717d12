package suites

import (
	"fmt"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
)

// The spec tree is built when Run starts Ginkgo, from the run's config:
// Describe an operation and case, It a check, with labels carrying the
// check's ID, level, operation and flavour.
var _ = Describe("MM7 certification", func() {
	r := active
	if r == nil {
		return
	}
	flavour := r.cfg.Version.Name
	var answerChecks []*check.Check
	for _, c := range check.Catalogue() {
		if c.Group == check.GroupAnswer && (!c.StrictOnly || r.cfg.Profile == check.ProfileStrict) {
			answerChecks = append(answerChecks, c)
		}
	}

	for _, cs := range r.positives {
		cs := cs
		op := string(cs.Kind)
		// Ordered: every check judges the one exchange BeforeAll makes, so a
		// message is sent once, as Vibes would send it, not once per check.
		// ContinueOnFailure: every check reports, not just the first failing.
		Describe(op+" "+cs.ID, Ordered, ContinueOnFailure, Label("case:"+cs.ID), func() {
			var in *check.Input
			BeforeAll(func() { in, _ = r.send(cs, "message") })
			for _, ck := range answerChecks {
				ck := ck
				It(ck.ID+": "+ck.Requirement, Label(ck.Labels(op, flavour)...), func() {
					judge(r, cs.ID, op, ck, func() check.Result { return ck.Judge(in) })
				})
			}
		})
	}

	robust, _ := check.Get("robust-not-accepted")
	serves, _ := check.Get("robust-still-serves")
	for _, cs := range r.negatives {
		cs := cs
		op := string(cs.Kind)
		// Ordered: the valid message must follow the bad input it tests.
		Describe("robustness "+cs.ID, Ordered, ContinueOnFailure, Label("case:"+cs.ID), func() {
			var bad, after *check.Input
			BeforeAll(func() {
				bad, _ = r.send(cs, "negative")
				after, _ = r.send(r.goodCase(), "after-negative")
			})
			if cs.Expect.Outcome == corpus.Reject {
				It(robust.ID+": "+robust.Requirement+" ("+cs.Expect.Failure+")", Label(robust.Labels(op, flavour)...), func() {
					judge(r, cs.ID, op, robust, func() check.Result { return check.NotAccepted(bad.Answer) })
				})
			}
			It(serves.ID+": "+serves.Requirement, Label(serves.Labels(op, flavour)...), func() {
				judge(r, cs.ID, op, serves, func() check.Result { return check.StillServes(after.Answer) })
			})
		})
	}

	retry, _ := check.Get("retry-same-transaction-id")
	good := r.goodCase()
	// Ordered: the resend must repeat the first send's exact bytes.
	Describe("retries "+good.ID, Ordered, Label("case:"+good.ID), func() {
		var first, again *check.Input
		BeforeAll(func() {
			var raw []byte
			first, raw = r.send(good, "retry")
			again = r.sendRaw(good, raw, "retry")
		})
		It(retry.ID+": "+retry.Requirement, Label(retry.Labels(string(good.Kind), flavour)...), func() {
			judge(r, good.ID, string(good.Kind), retry, func() check.Result { return check.RetryAccepted(first.Answer, again.Answer) })
		})
	})

	conc, _ := check.Get("concurrency-all-answered")
	Describe("concurrency", Ordered, Label("case:"+good.ID), func() {
		answers := make([]*check.Input, r.cfg.Concurrency)
		BeforeAll(func() {
			var wg sync.WaitGroup
			for i := range answers {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					answers[i], _ = r.send(r.positives[i%len(r.positives)], "concurrency")
				}(i)
			}
			wg.Wait()
		})
		It(conc.ID+": "+conc.Requirement, Label(conc.Labels(string(good.Kind), flavour)...), func() {
			judge(r, "concurrency", string(good.Kind), conc, func() check.Result {
				ok := 0
				for _, a := range answers {
					if a.Answer.Status/100 == 2 {
						ok++
					}
				}
				res := check.Result{Pass: ok == len(answers), Expected: fmt.Sprintf("%d answers with 2xx", len(answers)), Actual: fmt.Sprintf("%d", ok)}
				return res
			})
		})
	})
})

// judge runs one check, records its outcome for the reports, and asserts.
func judge(r *run, caseID, op string, ck *check.Check, eval func() check.Result) {
	res := &CheckResult{Case: caseID, Check: ck.ID, Level: string(ck.Level), Op: op}
	if r.skipped(ck.ID) {
		res.State, res.Reason = "skipped", "skipped by --skip-checks"
		r.record(res)
		Skip(res.Reason)
	}
	out := eval()
	res.Expected, res.Actual = out.Expected, out.Actual
	switch {
	case out.NotApplicable:
		res.State, res.Reason = "skipped", out.Actual
		r.record(res)
		Skip("not applicable: " + out.Actual)
	case out.Pass:
		res.State = "passed"
	default:
		res.State = "failed"
	}
	r.record(res)
	Expect(out.Pass).To(BeTrue(), "[%s] %s", ck.ID, out.Message())
}
