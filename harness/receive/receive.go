// Package receive reads an MM7 request the one way every part of the
// harness reads one: its body through MIME (package swa), the SOAP
// envelope (mm7) and the schema (xsd), to the decoded message — or to the
// first failure, typed by the layer it happened at, with the MM7 status
// and HTTP status a receiver answers it with. The reference receiver, the
// mock gateway, the corpus builder, validate and the suites all read
// requests through it, each with its own options (what it serves, how
// lenient it is), so that what one accepts the others do not read
// differently.
package receive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Options say how a request is read: the receiver's limits and policy.
type Options struct {
	// Limits bound the MIME body; MaxBytes is the body limit.
	Limits swa.Limits
	// Reserve is asked before the body's buffer grows (swa.ReadOptions).
	Reserve func(n int64) error
	// Expect is the flavour the receiver is configured for (zero: either).
	Expect mm7.Flavour
	// Schemas validate the SOAP part; nil skips the schema layer.
	Schemas *xsd.Schemas
	// Release, when set, is the one release whose schema the message must
	// be valid against (its namespace included): an account's flavour.
	Release mm7.Release
	// Serves lists the operations the receiver takes; another one fails
	// as unsupported-operation (4003). Empty takes any.
	Serves []mm7.Kind
	// Lenient reads what the RFCs let a reader read but a careful receiver
	// refuses: a body sent with another or no Content-Type (sniffed), a
	// multipart without its close delimiter, base64 with stray characters.
	Lenient bool
	// AcceptUnterminated takes a multipart without its close delimiter
	// without being lenient about the rest.
	AcceptUnterminated bool
	// Forgive lets through the schema errors a documented Vibes quirk
	// the decoder tolerated fully explains (the 5.5.0 element table, the
	// Java -0500 dates): Vibes retries what it gets no 2xx for.
	Forgive bool
	// Diagnose reads past a boundary mismatch and undecodable parts, for
	// tools that report every problem (swa.ReadOptions.Diagnose).
	Diagnose bool
}

// Request is what was read of a request, as far as the reading got.
type Request struct {
	// HTTP is the request's framing when it was read from stored bytes
	// (ReadHTTP).
	HTTP        *swa.HTTPMessage
	ContentType string
	// Sniffed: the Content-Type was not MM7's, and the body was read by
	// what it looks like (Options.Lenient).
	Sniffed bool
	MIME    *swa.Message
	// Envelope is the decoded SOAP (nil when decoding failed early).
	Envelope *mm7.Envelope
	// Schema is the schema verdict, all of it (nil without Schemas, or
	// when the SOAP part is not in a charset that reads).
	Schema *xsd.Result
	// SOAP is the SOAP part in UTF-8, as the schemas read it.
	SOAP []byte
	// Unresolved: the message's content reference names no part.
	Unresolved bool
}

// Message is the decoded MM7 message, nil when there is none.
func (r *Request) Message() mm7.Message {
	if r == nil || r.Envelope == nil {
		return nil
	}
	return r.Envelope.Message
}

// TransactionID is the request's TransactionID as far as it was read.
func (r *Request) TransactionID() string {
	if r == nil || r.Envelope == nil {
		return ""
	}
	return r.Envelope.TransactionID
}

// MM7Version is the MM7Version the request carries.
func (r *Request) MM7Version() string { return strings.TrimSpace(mm7.MM7VersionOf(r.Message())) }

// Deviations are what was tolerated at every layer, in order.
func (r *Request) Deviations() []mm7.Deviation {
	if r == nil {
		return nil
	}
	var out []mm7.Deviation
	if r.HTTP != nil {
		out = append(out, r.HTTP.Deviations...)
	}
	if r.MIME != nil {
		out = append(out, r.MIME.Deviations...)
	}
	if r.Envelope != nil {
		out = append(out, r.Envelope.Deviations...)
	}
	return out
}

// Read reads a request body of the given Content-Type (size is its
// declared length, -1 or 0 when unknown). On failure it returns a
// *Failure, and the Request holds what was read before it.
func Read(contentType string, body io.Reader, size int64, o Options) (*Request, error) {
	req := &Request{ContentType: contentType}
	limits := o.Limits
	if limits.MaxBytes > 0 && size > limits.MaxBytes {
		return req, &Failure{Layer: LayerHTTP, Reason: "too-large", HTTP: http.StatusRequestEntityTooLarge,
			Msg: fmt.Sprintf("a body of %d bytes; the limit is %d", size, limits.MaxBytes)}
	}
	media, _, _ := mime.ParseMediaType(contentType)
	if media = strings.ToLower(media); !strings.HasPrefix(media, "multipart/") && media != "text/xml" {
		sniffed := ""
		if o.Lenient {
			sniffed, body = sniff(body)
		}
		if sniffed == "" {
			return req, &Failure{Layer: LayerHTTP, Reason: "content-type", HTTP: http.StatusUnsupportedMediaType,
				Msg: fmt.Sprintf("Content-Type %q: MM7 travels as multipart/related or text/xml", contentType)}
		}
		req.ContentType, req.Sniffed = sniffed, true
	}
	msg, err := swa.Read(req.ContentType, body, swa.ReadOptions{Limits: limits, SizeHint: size, Reserve: o.Reserve,
		LenientBase64: o.Lenient, Diagnose: o.Diagnose})
	if err != nil {
		return req, readFailure(err)
	}
	req.MIME = msg
	if mm7.Has(msg.Deviations, swa.DevUnterminated) && !o.Lenient && !o.AcceptUnterminated {
		// A multipart without its close delimiter was most likely cut off on
		// the way; refusing it makes Vibes resend it whole, where accepting
		// could store a truncated attachment.
		return req, &Failure{Layer: LayerMIME, Reason: "unterminated", Status: mm7.StatusMessageFormatCorrupt, HTTP: http.StatusInternalServerError,
			Msg: "the multipart has no close delimiter: the message looks truncated"}
	}
	return req, req.soap(o)
}

// ReadHTTP reads a whole stored HTTP request (a corpus file, a recorded
// exchange): a POST whose Content-Length tells the truth, its body read
// as Read does.
func ReadHTTP(raw []byte, o Options) (*Request, error) {
	h, err := swa.ReadHTTP(raw)
	if err != nil {
		return &Request{}, &Failure{Layer: LayerHTTP, Reason: "malformed", HTTP: http.StatusBadRequest, Err: err}
	}
	if h.Method != http.MethodPost {
		return &Request{HTTP: h}, &Failure{Layer: LayerHTTP, Reason: "method", HTTP: http.StatusMethodNotAllowed, Msg: h.Method + ": MM7 requests are POSTed"}
	}
	if err := h.CheckContentLength(); err != nil {
		return &Request{HTTP: h}, &Failure{Layer: LayerHTTP, Reason: "content-length", HTTP: http.StatusBadRequest, Err: err}
	}
	req, err := Read(h.ContentType(), bytes.NewReader(h.Body), int64(len(h.Body)), o)
	req.HTTP = h
	return req, err
}

// soap reads the SOAP part: the schema verdict (all of it, for those who
// report it), then the envelope, then the rules of the receiver.
func (req *Request) soap(o Options) error {
	msg := req.MIME
	// The SOAP part is parsed once: the validator's parse is what the
	// envelope is decoded from (without schemas, or when libxml2 could not
	// build a tree, the decoder parses the bytes itself).
	var parsed mm7.Parsed
	if norm, _, err := mm7.NormalizeCharset(msg.SOAP(), msg.Charset()); err == nil {
		req.SOAP = norm
		switch {
		case o.Schemas != nil && len(msg.SOAP()) <= mm7.DefaultMaxSOAPBytes:
			req.Schema, parsed = o.Schemas.ValidateParsed(norm, o.Release)
		case o.Schemas != nil:
			// The decoder refuses it before reading it: no parse to keep.
			req.Schema = o.Schemas.ValidateAs(norm, o.Release)
		}
	}
	env, err := mm7.DecodeOptions{Charset: msg.Charset(), Expect: o.Expect}.DecodeParsed(msg.SOAP(), parsed)
	req.Envelope = env
	var de *mm7.DecodeError
	switch {
	case errors.As(err, &de):
		return &Failure{Layer: LayerSOAP, Reason: string(de.Reason), Status: de.Reason.Status(), HTTP: http.StatusInternalServerError, Msg: de.Msg, Err: err}
	case err != nil:
		return &Failure{Layer: LayerSOAP, Reason: "unreadable", Status: mm7.StatusMessageFormatCorrupt, HTTP: http.StatusInternalServerError, Err: err}
	case mm7.Has(env.Deviations, mm7.DevUnknownMandatoryHeader):
		// SOAP 1.1 section 4.2.3: a header entry the receiver does not
		// understand and must, faults the whole message, without detail.
		return &Failure{Layer: LayerSOAP, Reason: "mustunderstand", Status: mm7.StatusValidationError, HTTP: http.StatusInternalServerError,
			FaultCode: "MustUnderstand", Msg: "a mandatory header entry is not understood"}
	case len(o.Serves) > 0 && !served(o.Serves, env.Message.Kind()):
		return &Failure{Layer: LayerMM7, Reason: "unsupported-operation", Status: mm7.StatusUnsupportedOperation, HTTP: http.StatusInternalServerError,
			Msg: fmt.Sprintf("%s is not an operation this receiver serves", env.Message.Kind())}
	}
	if req.Schema != nil {
		if errs := verdict(req.Schema, env.Deviations, o.Forgive); len(errs) > 0 {
			return &Failure{Layer: LayerSchema, Status: schemaStatus(errs), HTTP: http.StatusInternalServerError, Msg: errs[0].Error(), Schema: errs}
		}
	}
	if href := contentHref(env.Message); href != "" {
		if _, err := msg.Resolve(href); err != nil {
			req.Unresolved = true
		}
	}
	return nil
}

func served(kinds []mm7.Kind, k mm7.Kind) bool {
	for _, s := range kinds {
		if s == k {
			return true
		}
	}
	return false
}

// readFailure says why a body could not be read into MIME parts: it never
// arrived whole (408), it passed a limit (413 for the size, 2000 for the
// structure), or it is not MIME that reads (2007).
func readFailure(err error) *Failure {
	var tooBig *http.MaxBytesError
	var se *swa.Error
	switch {
	case errors.As(err, &tooBig) || errors.Is(err, swa.ErrTooLarge):
		return &Failure{Layer: LayerHTTP, Reason: "too-large", HTTP: http.StatusRequestEntityTooLarge, Err: err}
	case incomplete(err):
		return &Failure{Layer: LayerHTTP, Reason: "incomplete", HTTP: http.StatusRequestTimeout, Err: err}
	case errors.As(err, &se):
		// A limit passed is the client's error (2000); a body that is not
		// MIME that reads is a corrupt message (2007).
		status := mm7.StatusMessageFormatCorrupt
		if se.Limit() {
			status = mm7.StatusClientError
		}
		return &Failure{Layer: LayerMIME, Reason: MIMEReason(err), Status: status, HTTP: http.StatusInternalServerError, Err: err}
	case badFraming(err):
		return &Failure{Layer: LayerHTTP, Reason: "framing", HTTP: http.StatusBadRequest, Err: err}
	}
	// The body's reader failed otherwise (a caller's Reserve refusing):
	// the caller knows what its error means.
	return &Failure{Layer: LayerHTTP, Reason: "read", HTTP: http.StatusInternalServerError, Err: err}
}

// badFraming reports whether the body's chunked framing could not be
// read (net/http's chunked reader says "chunk" in every such error): the
// client's mistake, a 400, never a server error.
func badFraming(err error) bool { return strings.Contains(err.Error(), "chunk") }

// incomplete reports whether reading the body failed because it did not
// arrive: a timeout or a connection that ended early.
func incomplete(err error) bool {
	var ne net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// contentHref is the content reference of the message kinds that have one.
func contentHref(m mm7.Message) string {
	switch m := m.(type) {
	case *mm7.DeliverReq:
		if m.Content != nil {
			return m.Content.Href
		}
	case *mm7.SubmitReq:
		if m.Content != nil {
			return m.Content.Href
		}
	}
	return ""
}
