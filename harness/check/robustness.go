package check

import (
	"fmt"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// The checks of how an endpoint behaves with bad input. A negative case
// says what it means: "reject" cases must not be acknowledged (the clause
// they rest on sets the level), "survive" cases may be accepted or refused
// — an endpoint's limits and leniency are its own policy — but every bad
// input gets a reaction in time, and the endpoint still serves the next
// valid message.
var robustnessChecks = []*Check{
	{ID: "robust-not-accepted", Level: MUST, Group: GroupRobustness, Source: "the clause each reject case names (XML 1.0, SOAP 1.1, RFC 2046, TS 23.140 and its schema)",
		Requirement: "not acknowledge a message that breaks a requirement: accepting it stores garbage", JudgeBad: NotAccepted},
	{ID: "robust-not-accepted-advised", Level: SHOULD, Group: GroupRobustness, Source: "TS 23.140 status codes 4002, 4003; RFC 2046 section 5.1.1 (the case names which)",
		Requirement: "refuse a message 3GPP offers a status for though nothing requires the refusal (an operation or version Vibes never sends, a truncated body)", JudgeBad: NotAccepted},
	{ID: "robust-answers", Level: SHOULD, Group: GroupRobustness, Source: "RFC 9110 section 15 (every request gets a response); Vibes: Receiving messages (answer fast)",
		Requirement: "react to bad input within the time limit: an HTTP answer or a closed connection, not silence", JudgeBad: ReactsInTime},
	{ID: "robust-status-code", Level: SHOULD, Group: GroupRobustness, Source: "TS 23.140 clause 8.7 status codes (2007, 4004, …)",
		Requirement: "refuse bad input with the MM7 status 3GPP has for it (information only)", JudgeBad: StatusCode},
	{ID: "robust-still-serves", Level: MUST, Group: GroupRobustness, Source: "Vibes: Receiving messages (retries); RFC 9112 section 9",
		Requirement: "still answer a valid message with 2xx after bad input", JudgeAfter: StillServes},
}

// The checks of how an endpoint behaves with valid messages sent as Vibes
// sends them besides one at a time: resent, at once, and the quirks of
// Vibes' documentation.
var behaviourChecks = []*Check{
	// Vibes resends the same message (same TransactionID) until it gets a 2xx.
	{ID: "retry-same-transaction-id", Level: VIBES, Group: GroupRetries, Source: "Vibes: Receiving messages (retry every 5 minutes, up to 5 times)",
		Requirement: "answer a resent TransactionID with success again", JudgeResend: RetryAccepted},
	{ID: "concurrency-all-answered", Level: SHOULD, Group: GroupConcurrency, Source: "Vibes: Receiving messages (store and forward, answer fast)",
		Requirement: "answer every one of several messages sent at once with 2xx", JudgeLoad: AllAnswered},
	{ID: "vibes-quirk-accepted", Level: SHOULD, Group: GroupQuirk, Source: "the Vibes page each quirk case names",
		Requirement: "accept what Vibes' documentation shows though the schema forbids it (refusing it is a warning, never a failure)", JudgeQuirk: QuirkAccepted},
}

// Expectation is what a negative case expects of an endpoint.
type Expectation struct {
	// Reject: the case must not be acknowledged; otherwise the endpoint
	// may accept or refuse it.
	Reject bool
	// Clause is what the expectation rests on.
	Clause string
	// Silence says whether no answer at all is a right reaction (the
	// endpoint rightly waits for bytes that never come). Closing the
	// connection without an answer always is one: it is how HTTP servers
	// refuse.
	Silence bool
	// Statuses are the MM7 statuses 3GPP has for refusing the case.
	Statuses []int
}

// Accepted reports whether Vibes would count an answer as acceptance of
// the message: a 2xx that is blank, unreadable, or carries a success
// status (Vibes looks at the HTTP status).
func Accepted(a Answer) bool {
	if a.Status/100 != 2 {
		return false
	}
	if len(a.Body) == 0 || a.Truncated {
		return true
	}
	env, _, err := decodeAnswer(a)
	if err != nil || env == nil {
		return true
	}
	if rsp := mm7.ResponseOf(env.Message); rsp != nil && rsp.Status.Code != 0 && !rsp.Status.Code.IsSuccess() {
		return false
	}
	if _, fault := env.Message.(*mm7.Fault); fault {
		return false
	}
	return true
}

// describe says what an answer was, for Actual.
func describe(a Answer) string {
	switch {
	case a.Timeout:
		return "no answer within the time limit"
	case a.Status == 0:
		return "no answer: " + a.Err
	}
	s := fmt.Sprintf("HTTP %d", a.Status)
	if c := statusOf(a); c != 0 {
		s += fmt.Sprintf(", StatusCode %d", c)
	}
	if Accepted(a) {
		s += " (accepted)"
	}
	return s
}

// statusOf is the MM7 StatusCode a SOAP answer carries (a Fault's detail
// included), 0 when none.
func statusOf(a Answer) mm7.StatusCode {
	if len(a.Body) == 0 || a.Truncated {
		return 0
	}
	env, _, err := decodeAnswer(a)
	if err != nil || env == nil {
		return 0
	}
	if f, ok := env.Message.(*mm7.Fault); ok {
		if d := mm7.ResponseOf(f.Detail); d != nil {
			return d.Status.Code
		}
		return 0
	}
	if rsp := mm7.ResponseOf(env.Message); rsp != nil {
		return rsp.Status.Code
	}
	return 0
}

// ReactsInTime judges robust-answers on a negative case's answer.
func ReactsInTime(bad Answer, e Expectation) Result {
	switch {
	case bad.Timeout && e.Silence:
		return pass("no answer while the request is incomplete, as it should be")
	case bad.Timeout:
		return fail("an answer or a closed connection", fmt.Sprintf("none within %v", bad.Latency.Round(timeUnit)))
	case bad.Status == 0 && bad.Got > 0:
		return fail("a readable HTTP answer or a closed connection", fmt.Sprintf("%d bytes that are no complete answer: %s", bad.Got, bad.Err))
	case bad.Status == 0:
		return pass("closed the connection (" + bad.Err + ")")
	}
	return pass(describe(bad))
}

// NotAccepted judges robust-not-accepted (or its advised twin) on a
// reject case's answer.
func NotAccepted(bad Answer, e Expectation) Result {
	switch {
	case bad.Timeout && e.Silence:
		return pass("no answer while the request is incomplete")
	case bad.Timeout:
		return na("no answer within the time limit (see robust-answers)")
	case bad.Status == 0 && bad.Got > 0:
		return pass("no readable answer, which Vibes cannot count as an acknowledgement (see robust-answers)")
	case bad.Status == 0:
		return pass("closed the connection without acknowledging it")
	case Accepted(bad):
		return fail("a refusal: not 2xx, or a Fault or error StatusCode ("+e.Clause+")", describe(bad))
	}
	return pass(describe(bad))
}

// StatusCode judges robust-status-code on a reject case's answer.
func StatusCode(bad Answer, e Expectation) Result {
	if len(e.Statuses) == 0 || bad.Status == 0 || Accepted(bad) {
		return na("no MM7 status to compare")
	}
	got := statusOf(bad)
	if got == 0 {
		return na(fmt.Sprintf("refused with HTTP %d and no MM7 status", bad.Status))
	}
	for _, s := range e.Statuses {
		if int(got) == s {
			return pass(got.String())
		}
	}
	return info(fmt.Sprintf("refused with %v; 3GPP has %v for it", got, e.Statuses))
}

// StillServes judges the answer to a valid message sent after bad input.
// before is the answer to the same message before any bad input came: if
// that was no acknowledgement either, this one says nothing of the bad
// input, and the transport checks have said it.
func StillServes(after, before Answer) Result {
	switch {
	case after.Status/100 == 2:
		return pass(fmt.Sprintf("HTTP %d", after.Status))
	case before.Status/100 != 2:
		return na("the endpoint did not acknowledge this message before any bad input either (" + describe(before) + "; see the transport checks)")
	}
	return fail("HTTP 2xx for a valid message", describe(after))
}

// RetryAccepted judges the answer to a resent message.
func RetryAccepted(first, again Answer) Result {
	if !Accepted(first) {
		return na("the first send was not accepted (" + describe(first) + ")")
	}
	if !Accepted(again) {
		return fail("success again for the same TransactionID", describe(again))
	}
	return pass("accepted twice")
}

// AllAnswered judges concurrency-all-answered; before as for StillServes.
func AllAnswered(answers []Answer, before Answer) Result {
	ok := 0
	var first string
	for _, a := range answers {
		if a.Status/100 == 2 {
			ok++
		} else if first == "" {
			first = describe(a)
		}
	}
	switch {
	case ok == len(answers):
		return pass(fmt.Sprintf("%d of %d", ok, len(answers)))
	case before.Status/100 != 2:
		return na("the endpoint did not acknowledge this message sent alone either (" + describe(before) + "; see the transport checks)")
	}
	return fail(fmt.Sprintf("%d answers with 2xx", len(answers)), fmt.Sprintf("%d (first other: %s)", ok, first))
}

// QuirkAccepted judges vibes-quirk-accepted: refusing a quirk that Vibes
// documents but the schema forbids is a warning that says what it risks.
func QuirkAccepted(a Answer, source, risk string) Result {
	switch {
	case a.Status == 0:
		return na("no answer (see the transport checks)")
	case Accepted(a):
		return pass("accepted")
	}
	return warn("acceptance: "+source, describe(a)+"; the risk: "+risk)
}
