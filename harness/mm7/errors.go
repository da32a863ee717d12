package mm7

import "fmt"

// Reason names why a document could not be decoded. Reasons are stable IDs,
// like deviation IDs; each maps to the MM7 status a receiver answers with.
type Reason string

// Decode failures, with the status each maps to.
const (
	// The bytes are not in the charset they claim, or the charset is unknown.
	ReasonCharset Reason = "charset" // 2007
	// Not well-formed XML.
	ReasonMalformed Reason = "xml-malformed" // 2007
	// A document type declaration: SOAP 1.1 section 3 forbids it, and it is
	// how entity-expansion and external-entity attacks arrive.
	ReasonDTD Reason = "xml-dtd" // 2007
	// The document element is not a SOAP 1.1 Envelope, or the envelope has
	// no Body.
	ReasonNotEnvelope Reason = "not-soap-envelope" // 4004
	// The Body holds no element, or more than one.
	ReasonBodyShape Reason = "body-shape" // 4004
	// No TransactionID in the Header, or an empty one, or several.
	ReasonTransactionID Reason = "transaction-id" // 4004
	// The body element is not in any MM7 namespace.
	ReasonNamespace Reason = "namespace-unknown" // 4004
	// An MM7 namespace of a release the harness does not read (e.g. REL-7).
	ReasonRelease Reason = "release-unsupported" // 4002
	// An MM7 message the harness does not model (CancelReq, ReplaceReq, …),
	// or a name the schemas do not declare.
	ReasonOperation Reason = "operation-unsupported" // 4003
	// The message element's content could not be read into its type (e.g. a
	// StatusCode that is not a number).
	ReasonContent Reason = "content-invalid" // 4004
	// The document is larger than the decoder's limit.
	ReasonTooLarge Reason = "too-large" // 2000
)

var reasonStatus = map[Reason]StatusCode{
	ReasonCharset:       StatusMessageFormatCorrupt,
	ReasonMalformed:     StatusMessageFormatCorrupt,
	ReasonDTD:           StatusMessageFormatCorrupt,
	ReasonNotEnvelope:   StatusValidationError,
	ReasonBodyShape:     StatusValidationError,
	ReasonTransactionID: StatusValidationError,
	ReasonNamespace:     StatusValidationError,
	ReasonRelease:       StatusUnsupportedVersion,
	ReasonOperation:     StatusUnsupportedOperation,
	ReasonContent:       StatusValidationError,
	ReasonTooLarge:      StatusClientError,
}

// Status is the MM7 status code a receiver answers a document failing for
// reason r with.
func (r Reason) Status() StatusCode {
	if c, ok := reasonStatus[r]; ok {
		return c
	}
	return StatusClientError
}

// DecodeError says why a document could not be decoded, where, and which
// MM7 status answers it.
type DecodeError struct {
	Reason Reason
	Status StatusCode
	Line   int // 1-based; 0 when unknown
	Column int
	Msg    string
	Err    error // the underlying error, if any
}

func newDecodeError(r Reason, line, col int, format string, args ...any) *DecodeError {
	return &DecodeError{Reason: r, Status: r.Status(), Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (e *DecodeError) Error() string {
	pos := ""
	if e.Line > 0 {
		pos = fmt.Sprintf("%d:%d: ", e.Line, e.Column)
	}
	return fmt.Sprintf("mm7: %s%s: %s", pos, e.Reason, e.Msg)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// StatusError is the error as a receiver puts it on the wire.
func (e *DecodeError) StatusError() *StatusError {
	return &StatusError{Code: e.Status, Text: e.Status.Text(), Details: e.Error()}
}
