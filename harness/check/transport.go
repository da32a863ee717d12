package check

import (
	"fmt"
	"strings"
	"time"
)

// timeUnit is the precision latencies are shown with.
const timeUnit = 100 * time.Microsecond

// The checks of the HTTP answer to a valid message. The first asks
// whether there is an answer at all; every other check says n/a when
// there is none, so that one defect fails one check.
var transportChecks = []*Check{
	// RFC 9112 section 8: a message that ends before its framing says is
	// incomplete. Vibes counts only a 2xx as delivered, and a connection
	// closed without an answer is retried.
	{ID: "transport-answer", Level: VIBES, Group: GroupAnswer, Source: "RFC 9112 section 8 (incomplete messages); Vibes: Receiving messages (retries)",
		Requirement: "send a complete HTTP answer, not a reset, an early close or a body that stops short", Judge: hasAnswer},
	// Vibes, "Receiving messages": "Any HTTP 2xx counts as delivered";
	// anything else is retried every 5 minutes, up to 5 times.
	{ID: "transport-status-2xx", Level: VIBES, Group: GroupAnswer, Source: "Vibes: Receiving messages (must-acknowledge rule)",
		Requirement: "answer a valid message with HTTP 2xx", Judge: status2xx},
	// Vibes' callback wiki: callbacks time out after 2 seconds.
	{ID: "transport-latency", Level: VIBES, Group: GroupAnswer, Source: "Vibes: callback services (2 s timeout)",
		Requirement: "answer within the latency budget (Vibes: 2 s)", Judge: latency},
	// SOAP 1.1 section 6.1.1: SOAP HTTP messages are text/xml.
	{ID: "transport-content-type", Level: MUST, Group: GroupAnswer, Source: "SOAP 1.1 section 6.1.1",
		Requirement: "send a SOAP answer as text/xml", Judge: contentType},
	// RFC 9112 section 9.3: HTTP/1.1 connections persist by default; Vibes'
	// Java client sends keep-alive.
	{ID: "transport-keep-alive", Level: SHOULD, Group: GroupAnswer, Source: "RFC 9112 section 9.3; seed capture (Connection: keep-alive)",
		Requirement: "keep the connection open after answering", Judge: keepAlive, JudgeResend: KeptAlive},
}

func hasAnswer(in *Input) Result {
	a := in.Answer
	switch {
	case a.Timeout:
		return na("no complete answer within the time limit (see transport-latency)")
	case a.Status == 0:
		return fail("a complete HTTP answer", a.Err)
	case len(a.Interim) > 0:
		return pass(fmt.Sprintf("HTTP %d, after interim %v (skipped, as RFC 9110 section 15.2 says)", a.Status, a.Interim))
	}
	return pass(fmt.Sprintf("HTTP %d", a.Status))
}

// answered is the precondition of every check that looks at the answer.
func answered(in *Input) (Result, bool) {
	if in.Answer.Status == 0 {
		why := "no answer"
		if in.Answer.Err != "" {
			why += ": " + in.Answer.Err
		}
		return na(why), false
	}
	return Result{}, true
}

func status2xx(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	if in.Answer.Status/100 != 2 {
		return fail("HTTP 2xx", fmt.Sprintf("HTTP %d", in.Answer.Status))
	}
	return pass(fmt.Sprintf("HTTP %d", in.Answer.Status))
}

func latency(in *Input) Result {
	if in.Answer.Timeout {
		return fail("an answer within "+in.Budget.String(), fmt.Sprintf("none within %v: %s", in.Answer.Latency.Round(timeUnit), in.Answer.Err))
	}
	if r, ok := answered(in); !ok {
		return r
	}
	if in.Answer.Latency > in.Budget {
		return fail("an answer within "+in.Budget.String(), in.Answer.Latency.Round(timeUnit).String())
	}
	return pass(in.Answer.Latency.Round(timeUnit).String())
}

// success is the precondition of the checks of a success answer's body.
func success(in *Input) (Result, bool) {
	if r, ok := answered(in); !ok {
		return r, false
	}
	if in.Answer.Status/100 != 2 {
		return na(fmt.Sprintf("HTTP %d is not an acknowledgement (see transport-status-2xx)", in.Answer.Status)), false
	}
	if in.Blank() {
		return na("a blank 2xx body: no SOAP answer to judge (Vibes accepts it; the strict profile does not)"), false
	}
	return Result{}, true
}

func contentType(in *Input) Result {
	if r, ok := success(in); !ok {
		return r
	}
	ct := in.Answer.Header.Get("Content-Type")
	media := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	if media == "text/xml" || media == "multipart/related" && strings.Contains(strings.ToLower(ct), "text/xml") {
		return pass(ct)
	}
	return fail(`one of "text/xml", "multipart/related; type=text/xml"`, fmt.Sprintf("%q", ct))
}

func keepAlive(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	switch {
	case in.Answer.Truncated:
		return na("the harness closed the connection itself (the answer passed its size limit)")
	case strings.Contains(strings.ToLower(in.Answer.Header.Get("Connection")), "close"):
		return fail("the connection kept open", "Connection: close")
	case in.Answer.Closed:
		return fail("the connection kept open", "an answer delimited by closing the connection")
	}
	return pass("no sign of closing: no Connection: close, a framed body")
}

// KeptAlive judges transport-keep-alive on a message and its resend on
// the same connection, as RFC 9112 section 9.3 has it: the one place the
// harness reuses a connection, and so has evidence.
func KeptAlive(first, again Answer) Result {
	switch {
	case first.Status == 0 || again.Status == 0 && !again.Stale:
		return na("no answer to send the next message after (see the transport checks)")
	case first.Truncated:
		return na("the harness closed the connection itself (the answer passed its size limit)")
	case first.Closed:
		return na("the first answer said the connection ends (see transport-keep-alive on each message)")
	case again.Stale:
		return fail("the connection kept open for the next message",
			"closed after the first answer without saying so (no Connection: close); the message had to go again on a new connection")
	case again.Reused:
		return pass("the resend went on the same connection")
	}
	return na("the resend went on a new connection")
}
