package reference

import (
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// The receiver validates every request against its release's schema, but
// must not refuse what Vibes really sends (the must-acknowledge rule: Vibes
// retries anything it does not get a 2xx for). Schema errors that a
// deviation the decoder already tolerated fully explains are therefore
// forgiven; any other schema error is a 4004.

// forgiven reports whether e is explained by one of the tolerated
// deviations devs.
func forgiven(e xsd.Error, devs []mm7.Deviation) bool {
	step := e.Path[strings.LastIndexByte(e.Path, '/')+1:]
	if i := strings.IndexByte(step, ':'); i >= 0 {
		step = step[i+1:]
	}
	for _, d := range devs {
		switch d.ID {
		case mm7.DevDateTimeLexical:
			// Vibes' documented Java date pattern: only the value's type fails.
			if strings.Contains(e.Message, "xs:dateTime") && (step == "Date" || step == "TimeStamp") {
				return true
			}
		case mm7.DevDeliverSenderIdentification:
			// Vibes' 5.5.0 element table: SenderIdentification where the
			// schema wants Sender (libxml2 reports it at the element, or as
			// Sender missing at DeliverReq).
			if step == "SenderIdentification" || (step == "DeliverReq" && strings.Contains(e.Message, "Sender")) {
				return true
			}
		}
	}
	// A release the embedded schemas do not have (e.g. REL-6-MM7-1-2) is
	// read leniently: the decoder understood it, there is nothing to check
	// it against.
	return e.Stage == xsd.StageNamespace && strings.Contains(e.Message, "no schema for MM7 namespace")
}

// schemaVerdict returns the schema errors that are not forgiven.
func schemaVerdict(res *xsd.Result, devs []mm7.Deviation) []xsd.Error {
	var out []xsd.Error
	for _, e := range res.Errors {
		if !forgiven(e, devs) {
			out = append(out, e)
		}
	}
	return out
}

// schemaStatus is the status for a schema failure: 4002 when the failure is
// an MM7Version the release does not allow, 4004 otherwise.
func schemaStatus(errs []xsd.Error) mm7.StatusCode {
	for _, e := range errs {
		if strings.HasSuffix(e.Path, "MM7Version") {
			return mm7.StatusUnsupportedVersion
		}
	}
	return mm7.StatusValidationError
}

// faultCode is the SOAP 1.1 faultcode for an MM7 status: the server's
// fault for 3xxx (its own failure), the client's for everything else.
func faultCode(c mm7.StatusCode) string {
	if c.Class() == mm7.ClassServer {
		return "Server"
	}
	return "Client"
}
