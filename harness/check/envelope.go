package check

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// The checks of the SOAP envelope of a success answer.
var envelopeChecks = []*Check{
	// TS 23.140 8.7: every MM7 request has a response message.
	{ID: "answer-is-soap", Level: MUST, Group: GroupAnswer, StrictOnly: true, Source: "TS 23.140 clause 8.7.4 (MM7_deliver.RES)",
		Requirement: "answer with a SOAP response, not a blank body", Judge: isSOAP},
	{ID: "envelope-well-formed", Level: MUST, Group: GroupAnswer, Source: "XML 1.0; RFC 7303 (charset)",
		Requirement: "send a well-formed XML document in its declared charset", Judge: wellFormed},
	{ID: "envelope-soap11", Level: MUST, Group: GroupAnswer, Source: "SOAP 1.1 section 4.1",
		Requirement: "send a SOAP 1.1 Envelope with a Body", Judge: soap11},
	{ID: "envelope-one-body-element", Level: MUST, Group: GroupAnswer, Source: "TS 23.140 clause 8.7 (one MM7 message per Body)",
		Requirement: "carry exactly one element in the SOAP Body", Judge: oneBody},
}

func isSOAP(in *Input) Result {
	if r, ok := answered(in); !ok {
		return r
	}
	if in.Answer.Status/100 != 2 {
		return na(fmt.Sprintf("HTTP %d is not an acknowledgement (see transport-status-2xx)", in.Answer.Status))
	}
	if in.Blank() {
		return fail("a SOAP response", "a blank body")
	}
	return pass("a body")
}

// decodeFailed reports whether the answer's decode failed for one of the
// reasons.
func decodeFailed(in *Input, reasons ...mm7.Reason) (*mm7.DecodeError, bool) {
	_, err := in.decode()
	var de *mm7.DecodeError
	if !errors.As(err, &de) {
		return nil, false
	}
	for _, r := range reasons {
		if de.Reason == r {
			return de, true
		}
	}
	return de, false
}

var notXML = []mm7.Reason{mm7.ReasonMalformed, mm7.ReasonCharset, mm7.ReasonDTD, mm7.ReasonTooLarge}

func wellFormed(in *Input) Result {
	if r, ok := success(in); !ok {
		return r
	}
	if in.Answer.Truncated {
		return fail(fmt.Sprintf("an answer of at most %d bytes (a DeliverRsp is a few hundred)", in.Answer.Limit),
			fmt.Sprintf("more than %d bytes; the harness read no further", in.Answer.Limit))
	}
	if de, ok := decodeFailed(in, notXML...); ok {
		return fail("well-formed XML", strings.TrimPrefix(de.Error(), "mm7: "))
	}
	return pass("well-formed")
}

// readable is the precondition of the checks that need the XML.
func readable(in *Input) (Result, bool) {
	if r, ok := success(in); !ok {
		return r, false
	}
	if in.Answer.Truncated {
		return na("not read in full (see envelope-well-formed)"), false
	}
	if _, bad := decodeFailed(in, notXML...); bad {
		return na("not well-formed (see envelope-well-formed)"), false
	}
	return Result{}, true
}

func soap11(in *Input) Result {
	if r, ok := readable(in); !ok {
		return r
	}
	if de, ok := decodeFailed(in, mm7.ReasonNotEnvelope); ok {
		return fail("a SOAP 1.1 Envelope with a Body", de.Msg)
	}
	return pass("SOAP 1.1 Envelope")
}

func oneBody(in *Input) Result {
	if r, ok := readable(in); !ok {
		return r
	}
	if _, ok := decodeFailed(in, mm7.ReasonNotEnvelope); ok {
		return na("not a SOAP envelope (see envelope-soap11)")
	}
	if de, ok := decodeFailed(in, mm7.ReasonBodyShape); ok {
		return fail("one element in the Body", de.Msg)
	}
	return pass("one element")
}

// NotXML reports whether a ReadAnswer error says the answer is not
// well-formed XML in its declared charset (envelope-well-formed's
// failure), rather than XML that is not an MM7 envelope.
func NotXML(err error) bool {
	var de *mm7.DecodeError
	return errors.As(err, &de) && slices.Contains(notXML, de.Reason)
}
