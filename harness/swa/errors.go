package swa

import (
	"errors"
	"fmt"
)

// The kinds of failure; test with errors.Is.
var (
	ErrTooLarge          = errors.New("message larger than the limit")
	ErrTooManyParts      = errors.New("more parts than the limit")
	ErrTooDeep           = errors.New("multipart nested deeper than the limit")
	ErrHeaderTooLarge    = errors.New("part header larger than the limit")
	ErrBoundaryMismatch  = errors.New("body does not use the boundary the header declares")
	ErrNoBoundary        = errors.New("multipart content type without a boundary")
	ErrMalformedHeader   = errors.New("malformed MIME header")
	ErrContentType       = errors.New("unusable content type")
	ErrEncoding          = errors.New("undecodable content transfer encoding")
	ErrNoRoot            = errors.New("no SOAP root part")
	ErrUnresolved        = errors.New("reference to a part that is not in the message")
	ErrMalformedHTTP     = errors.New("malformed HTTP message")
	ErrContentLength     = errors.New("Content-Length disagrees with the body")
	ErrUnsupportedFormat = errors.New("unrecognised input")
)

// Error is a failure at a place in the message: Part is the part's path
// ("2.1" is the first part inside the second part; "" the message itself).
type Error struct {
	Kind error
	Part string
	Msg  string
}

func (e *Error) Error() string {
	where := ""
	if e.Part != "" {
		where = "part " + e.Part + ": "
	}
	if e.Msg == "" {
		return "swa: " + where + e.Kind.Error()
	}
	return "swa: " + where + e.Msg
}

func (e *Error) Unwrap() error { return e.Kind }

// Limit reports whether the error is a limit passed (size, parts,
// nesting, header size) rather than a body that does not read.
func (e *Error) Limit() bool {
	switch e.Kind {
	case ErrTooLarge, ErrTooManyParts, ErrTooDeep, ErrHeaderTooLarge:
		return true
	}
	return false
}

func newErr(kind error, part, format string, args ...any) *Error {
	return &Error{Kind: kind, Part: part, Msg: fmt.Sprintf(format, args...)}
}
