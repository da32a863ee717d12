package suites

import (
	"bytes"
	"fmt"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// Verdicts of a check result besides check's own: a check the user did
// not select, and one the harness could not run.
const (
	verdictSkipped = "skipped"
	verdictNotRun  = "not-run"
)

// CheckResult is one check on one case.
type CheckResult struct {
	Case  string `json:"case"`
	Group string `json:"group"`
	Check string `json:"check"`
	Level string `json:"level"`
	Op    string `json:"op"`
	// Verdict is pass, fail, warn, info or n/a as graded for the profile;
	// skipped when the user did not select the check; not-run when the
	// harness could not run it (its own limits or errors).
	Verdict  string `json:"verdict"`
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Reason   string `json:"reason,omitempty"` // why skipped or not run
	// Exchanges are the Seq numbers of the exchanges judged.
	Exchanges []int `json:"exchanges,omitempty"`
}

// judge decides one check of one probe from the plan's exchanges.
func (r *run) judge(p *probe, ck *check.Check) (res *CheckResult) {
	res = &CheckResult{Case: p.id, Group: p.group, Check: ck.ID, Level: string(ck.Level), Op: p.op()}
	defer func() {
		if e := recover(); e != nil {
			res.Verdict, res.Reason = verdictNotRun, fmt.Sprintf("harness error: %v", e)
		}
	}()
	if p.eval != nil {
		if ns := r.plan.skip[p]; ns != nil {
			res.setNotSent(ns)
			return res
		}
		for _, ex := range r.plan.sent[p] {
			res.Exchanges = append(res.Exchanges, ex.Seq)
		}
		out := p.eval(ck)
		res.Verdict, res.Expected, res.Actual = string(ck.Grade(out, r.cfg.Profile)), out.Expected, out.Actual
		return res
	}
	exs := r.plan.sent[p]
	if exs == nil {
		ns := r.plan.skip[p]
		if ns == nil {
			ns = &notSent{why: "not sent", harness: true}
		}
		res.setNotSent(ns)
		return res
	}
	for _, ex := range exs {
		if ex.Seq > 0 {
			res.Exchanges = append(res.Exchanges, ex.Seq)
		}
	}
	if ns := firstNotSent(p, ck, exs); ns != nil {
		res.setNotSent(ns)
		return res
	}
	out := r.evaluate(p, ck, exs)
	res.Verdict, res.Expected, res.Actual = string(ck.Grade(out, r.cfg.Profile)), out.Expected, out.Actual
	return res
}

func (res *CheckResult) setNotSent(ns *notSent) {
	res.Verdict, res.Actual = string(check.NA), ns.why
	if ns.harness {
		res.Verdict, res.Actual, res.Reason = verdictNotRun, "", ns.why
	}
}

// firstNotSent is why an exchange the check judges was not made.
func firstNotSent(p *probe, ck *check.Check, exs []*Exchange) *notSent {
	judged := exs
	if p.kind == probeNegative {
		// A check judges the bad input or the valid message after it,
		// and only that one need have been sent.
		if ck.JudgeAfter != nil {
			judged = exs[1:]
		} else {
			judged = exs[:1]
		}
	}
	for _, ex := range judged {
		if ex.notSent != nil {
			return ex.notSent
		}
	}
	return nil
}

// evaluate hands a probe's exchanges to the check's judge for what the
// probe sends.
func (r *run) evaluate(p *probe, ck *check.Check, exs []*Exchange) check.Result {
	switch {
	case p.kind == probeRetry && ck.JudgeResend != nil:
		return ck.JudgeResend(exs[0].answer, exs[1].answer)
	case p.kind == probeConcurrency && ck.JudgeLoad != nil:
		answers := make([]check.Answer, len(exs))
		for i, ex := range exs {
			answers[i] = ex.answer
		}
		return ck.JudgeLoad(answers, r.baseline())
	case p.kind == probeNegative && ck.JudgeAfter != nil:
		return ck.JudgeAfter(exs[1].answer, r.baseline())
	case p.kind == probeNegative && ck.JudgeBad != nil:
		return ck.JudgeBad(exs[0].answer, expectation(p.c.Expect))
	case p.kind != probeMessage:
		panic(noJudge(p, ck))
	}
	ex := exs[0]
	if p.c != nil && p.c.Expect.Outcome == corpus.Tolerate {
		if ck.JudgeQuirk != nil {
			return ck.JudgeQuirk(ex.answer, p.c.Expect.Clause, p.c.Expect.Risk)
		}
		if ex.answer.Status != 0 && !check.Accepted(ex.answer) {
			return check.Result{Verdict: check.NA, Actual: "the endpoint refused this Vibes-documented quirk (see vibes-quirk-accepted)"}
		}
	}
	if ck.Judge == nil {
		panic(noJudge(p, ck))
	}
	return ck.Judge(r.input(ex))
}

// noJudge says a check was put on a probe it has no judge for: the
// harness's error (judge reports it as not run), which the suites' own
// tests rule out.
func noJudge(p *probe, ck *check.Check) string {
	return fmt.Sprintf("no judge for %s on a %s probe", ck.ID, p.kind)
}

// expectation turns a case's expectation into what the checks take.
func expectation(e corpus.Expect) check.Expectation {
	return check.Expectation{Reject: e.Outcome == corpus.Reject, Clause: e.Clause, Silence: e.Allows(corpus.ReactTimeout), Statuses: e.MM7Status}
}

// baseline is the answer to the good case (the message sent after bad
// input, and for retries and load) sent on its own, before any bad input.
func (r *run) baseline() check.Answer {
	if b := r.plan.baseline; b != nil && b.notSent == nil {
		return b.answer
	}
	// It was not sent: take the message as acknowledged, so that what
	// follows bad input is judged on its own.
	return check.Answer{Status: 200}
}

// input is what the answer checks judge: the request as sent and the
// answer.
func (r *run) input(ex *Exchange) *check.Input {
	in := &check.Input{Flavour: r.cfg.Flavour, Profile: r.cfg.Profile, Budget: r.cfg.Budget, Schemas: r.cfg.Schemas,
		Answer: ex.answer, TransactionID: ex.TransactionID}
	in.Request, in.RequestRel, in.RequestMM7 = requestFacts(ex.request)
	return in
}

// requestFacts reads what a request was: its kind, namespace and
// MM7Version, as far as it reads. Bad input reads too: the facts come
// from whatever layer the reading reached, so a hostile request is still
// judged as the message it tried to be.
func requestFacts(raw []byte) (mm7.Kind, mm7.Release, string) {
	h, err := swa.ReadHTTP(raw)
	if err != nil {
		return "", "", ""
	}
	req, _ := receive.Read(h.ContentType(), bytes.NewReader(h.Body), int64(len(h.Body)),
		receive.Options{Diagnose: true, Lenient: true})
	if req.Message() == nil {
		return "", "", ""
	}
	return req.Message().Kind(), req.Envelope.Release, req.MM7Version()
}
