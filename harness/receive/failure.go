package receive

import (
	"errors"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Layer is where in a request a failure is.
type Layer string

// The layers, outermost first.
const (
	LayerHTTP   Layer = "http"   // the HTTP request: method, Content-Type, size, arrival
	LayerMIME   Layer = "mime"   // the MIME body (RFC 2045, 2046, 2387)
	LayerSOAP   Layer = "soap"   // the XML and SOAP 1.1 envelope, the TransactionID
	LayerMM7    Layer = "mm7"    // the MM7 operation
	LayerSchema Layer = "schema" // the release's schema
)

// Failure is why a request cannot be taken: the layer, a stable reason,
// and how a receiver answers it — HTTP alone (Status 0), or a SOAP Fault
// carrying Status.
type Failure struct {
	Layer  Layer
	Reason string // stable within the layer; "" for the schema layer
	// Status is the MM7 status of the Fault; 0 when the answer is HTTP only.
	Status mm7.StatusCode
	HTTP   int
	// FaultCode is the SOAP faultcode when it is not Client or Server
	// (MustUnderstand, SOAP 1.1 section 4.2.3).
	FaultCode string
	Msg       string
	Err       error
	// Schema holds the schema errors of a schema failure.
	Schema []xsd.Error
}

// ID names the failure as the corpus manifest does: "layer:reason", or
// "schema".
func (f *Failure) ID() string {
	if f.Reason == "" {
		return string(f.Layer)
	}
	return string(f.Layer) + ":" + f.Reason
}

func (f *Failure) Error() string {
	msg := f.Msg
	if msg == "" && f.Err != nil {
		msg = f.Err.Error()
	}
	return "receive: " + f.ID() + ": " + strings.TrimPrefix(msg, "swa: ")
}

func (f *Failure) Unwrap() error { return f.Err }

// Fault reports whether a receiver answers the failure with a SOAP Fault
// (it does unless the request never made it past HTTP).
func (f *Failure) Fault() bool { return f.Status != 0 }

// FailureOf returns err's *Failure, or nil.
func FailureOf(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return nil
}

var mimeReasons = []struct {
	err  error
	name string
}{
	{swa.ErrTooLarge, "too-large"}, {swa.ErrTooManyParts, "too-many-parts"}, {swa.ErrTooDeep, "too-deep"},
	{swa.ErrHeaderTooLarge, "header-too-large"}, {swa.ErrBoundaryMismatch, "boundary-mismatch"},
	{swa.ErrNoBoundary, "no-boundary"}, {swa.ErrMalformedHeader, "malformed-header"},
	{swa.ErrContentType, "content-type"}, {swa.ErrEncoding, "encoding"}, {swa.ErrNoRoot, "no-root"},
}

// MIMEReason names a swa error as the manifest does.
func MIMEReason(err error) string {
	for _, r := range mimeReasons {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "other"
}
