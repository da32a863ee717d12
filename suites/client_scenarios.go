package suites

import (
	"fmt"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// A client's certification is a list of scenarios: in each, the client
// sends one MMS, and the gateway answers as the scenario says — at once,
// with a final refusal, with a temporary failure before it relents, or
// slowly. The recipient number says which scenario a message belongs to:
// its last three digits but one number the scenario, and the last digit
// chooses the final delivery report (README, "The mock Vibes").

// scenario is one gateway behaviour and what a client should do with it.
type scenario struct {
	ID    string
	Class string // check.ClassSuccess, …
	// Reaction is what the gateway does to the first attempt (and, for a
	// permanent refusal, to every attempt).
	Reaction       mockvibes.Reaction
	DeliveryReport bool // what the client is asked to request
	// Final is the recipient's last digit: the final delivery report.
	Final byte
	Desc  string
	// Index is the scenario's place in the whole list: its recipient's
	// number, the same whichever scenarios a run selects.
	Index int
}

// slowAnswer is how long the slow scenario's answer takes.
const slowAnswer = 1500 * time.Millisecond

// permanentStatuses are Vibes' synchronous refusals a client must not
// retry (its status-code appendix).
var permanentStatuses = []mm7.StatusCode{mm7.StatusAddressError, mm7.VibesParsingError, mm7.VibesUnexpectedRequest,
	mm7.VibesTransactionIDNotSet, mm7.VibesCarrierCodeNotValid, mm7.VibesValidationError, mm7.VibesGenericError,
	mm7.StatusMultipleAddressesNotSupported, mm7.VibesMultipleAttachments, mm7.StatusImproperIdentification,
	mm7.StatusUnsupportedVersion, mm7.VibesShortCodeNotAuthorized}

// clientScenarios lists the scenarios in the order they run; hold is how
// long the no-answer scenario holds a request.
func clientScenarios(hold time.Duration) []*scenario {
	out := []*scenario{
		{ID: "success-dlr", Class: check.ClassSuccess, DeliveryReport: true, Final: '0',
			Desc: "accepted at once; delivery reports Forwarded, then Retrieved"},
		{ID: "success-no-dlr", Class: check.ClassSuccess, DeliveryReport: false, Final: '1',
			Desc: "accepted at once, no delivery report asked for; the delivered-to-carrier status only"},
	}
	for _, code := range permanentStatuses {
		text := code.VibesText()
		if text == "" {
			text = code.Text()
		}
		out = append(out, &scenario{ID: fmt.Sprintf("permanent-%d", int(code)), Class: check.ClassPermanent, Final: '2',
			Reaction: mockvibes.Reaction{Status: code, Text: text},
			Desc:     fmt.Sprintf("refused with %d %s, every time (not retryable)", int(code), text)})
	}
	temporary := []struct {
		id    string
		react mockvibes.Reaction
		final byte
		desc  string
	}{
		{"temporary-3000", mockvibes.Reaction{Status: mm7.StatusServerError, Text: "Request processing error"}, '6', "3000 Request processing error"},
		{"temporary-4005", mockvibes.Reaction{Status: mm7.VibesPlatformCapacity, Text: "Platform reached capacity - retry in a few minutes"}, '7', "4005 Platform reached capacity"},
		{"temporary-http-500", mockvibes.Reaction{HTTP: 500}, '8', "a bare HTTP 500"},
		{"temporary-http-503", mockvibes.Reaction{HTTP: 503}, '3', "a bare HTTP 503"},
		{"temporary-no-answer", mockvibes.Reaction{Hold: hold}, '4', fmt.Sprintf("no answer (the request is held up to %v)", hold)},
		{"temporary-reset", mockvibes.Reaction{Reset: true}, '5', "the connection reset"},
	}
	for _, t := range temporary {
		out = append(out, &scenario{ID: t.id, Class: check.ClassTemporary, Reaction: t.react, Final: t.final, DeliveryReport: true,
			Desc: t.desc + " to the first attempt; accepted when sent again"})
	}
	out = append(out, &scenario{ID: "slow-answer", Class: check.ClassSlow, Reaction: mockvibes.Reaction{Delay: slowAnswer},
		DeliveryReport: true, Final: '9', Desc: fmt.Sprintf("accepted, but the answer takes %v", slowAnswer)})
	for i, s := range out {
		s.Index = i
	}
	return out
}

// recipient is the scenario's recipient.
func (s *scenario) recipient() string { return fmt.Sprintf("+1312555%03d%c", s.Index, s.Final) }

// reaction is what the gateway does to the n-th attempt (from 0).
func (s *scenario) reaction(n int) mockvibes.Reaction {
	switch s.Class {
	case check.ClassPermanent, check.ClassSlow:
		return s.Reaction
	case check.ClassTemporary:
		if n == 0 {
			return s.Reaction
		}
	}
	return mockvibes.Reaction{}
}

// group is the report's case group of the scenario.
func (s *scenario) group() string {
	switch s.Class {
	case check.ClassPermanent:
		return groupPermanent
	case check.ClassTemporary:
		return groupTemporary
	}
	return groupAccepted
}

// sameNumber reports whether two ways of writing a number name the same
// line: the last ten digits decide (E.164, 11- and 10-digit forms).
func sameNumber(a, b string) bool {
	digits := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		return s[max(0, len(s)-10):]
	}
	return a != "" && digits(a) == digits(b)
}
