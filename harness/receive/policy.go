package receive

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// verdict returns the schema errors that stand: with forgive, those a
// deviation the decoder tolerated fully explains are let through. A
// receiver must not refuse what Vibes really sends (the must-acknowledge
// rule: Vibes retries anything it does not get a 2xx for).
func verdict(res *xsd.Result, devs []mm7.Deviation, forgive bool) []xsd.Error {
	var out []xsd.Error
	for _, e := range res.Errors {
		if !forgive || !forgiven(e, devs) {
			out = append(out, e)
		}
	}
	return out
}

// forgiven reports whether e is explained by one of the tolerated
// deviations devs.
func forgiven(e xsd.Error, devs []mm7.Deviation) bool {
	step := e.Element()
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

// schemaStatus is the status for a schema failure: 4002 when the failure
// is an MM7Version the release does not allow, 4004 otherwise.
func schemaStatus(errs []xsd.Error) mm7.StatusCode {
	for _, e := range errs {
		if strings.HasSuffix(e.Path, "MM7Version") {
			return mm7.StatusUnsupportedVersion
		}
	}
	return mm7.StatusValidationError
}

// sniff looks at the start of a body that came with another Content-Type
// than MM7's: XML is taken as text/xml, a body opening with a MIME
// delimiter as multipart/related with that boundary. It returns "" when
// the body is neither, and the body to read from in any case.
func sniff(body io.Reader) (string, io.Reader) {
	br := bufio.NewReaderSize(body, 4096)
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("<")):
		return "text/xml", br
	case bytes.HasPrefix(head, []byte("--")):
		line, _, _ := bytes.Cut(head[2:], []byte("\n"))
		boundary := string(bytes.TrimRight(line, " \t\r"))
		if boundary != "" && len(boundary) <= 70 && !strings.ContainsAny(boundary, "\"\\") {
			return `multipart/related; boundary="` + boundary + `"`, br
		}
	}
	return "", br
}
