package check

import (
	"fmt"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// The checks of how an endpoint behaves beyond one valid message.

func init() {
	register(
		// Vibes retries what it does not get a 2xx for: an endpoint that
		// accepts broken input loses it silently, one that accepts garbage
		// hides defects. The corpus manifest names what a correct endpoint does.
		&Check{ID: "robust-not-accepted", Level: MUST, Group: GroupRobustness, Source: "TS 23.140 clause 8.7 status codes (2007, 4004, …); corpus manifest",
			Requirement: "not accept a message the corpus marks as one to reject"},
		&Check{ID: "robust-still-serves", Level: MUST, Group: GroupRobustness, Source: "Vibes: Receiving messages (retries); corpus manifest",
			Requirement: "still answer a valid message with 2xx after bad input"},
		// Vibes resends the same message (same TransactionID) until it gets a 2xx.
		&Check{ID: "retry-same-transaction-id", Level: VIBES, Group: GroupRetries, Source: "Vibes: Receiving messages (retry every 5 minutes, up to 5 times)",
			Requirement: "answer a resent TransactionID with success again"},
		&Check{ID: "concurrency-all-answered", Level: SHOULD, Group: GroupConcurrency, Source: "Vibes: Receiving messages (store and forward, answer fast)",
			Requirement: "answer every one of several messages sent at once with 2xx"},
	)
}

// Accepted reports whether Vibes would count an answer as acceptance of
// the message: a 2xx that is blank or carries a success status.
func Accepted(a Answer) bool {
	if a.Status/100 != 2 {
		return false
	}
	if len(a.Body) == 0 {
		return true
	}
	env, err := mm7.Decode(a.Body, "")
	if err != nil || env == nil {
		return true // a 2xx is what Vibes looks at
	}
	if rsp := mm7.ResponseOf(env.Message); rsp != nil && rsp.Status.Code != 0 && !rsp.Status.Code.IsSuccess() {
		return false
	}
	if _, fault := env.Message.(*mm7.Fault); fault {
		return false
	}
	return true
}

// NotAccepted judges a negative case's answer.
func NotAccepted(a Answer) Result {
	if a.Status == 0 {
		return pass("no answer (" + a.Err + ")")
	}
	if Accepted(a) {
		return fail("a rejection: non-2xx, or a Fault or error StatusCode", fmt.Sprintf("HTTP %d accepting it", a.Status))
	}
	return pass(fmt.Sprintf("HTTP %d", a.Status))
}

// StillServes judges the answer to a valid message sent after bad input.
func StillServes(a Answer) Result {
	if a.Status/100 == 2 {
		return pass(fmt.Sprintf("HTTP %d", a.Status))
	}
	if a.Status == 0 {
		return fail("HTTP 2xx", "no answer: "+a.Err)
	}
	return fail("HTTP 2xx", fmt.Sprintf("HTTP %d", a.Status))
}

// RetryAccepted judges the answer to a resent message.
func RetryAccepted(first, again Answer) Result {
	if !Accepted(first) {
		return na("the first send was not accepted")
	}
	if !Accepted(again) {
		return fail("success again for the same TransactionID", fmt.Sprintf("HTTP %d", again.Status))
	}
	return pass("accepted twice")
}
