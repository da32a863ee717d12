package mm7

import (
	"errors"
	"fmt"
	"strconv"
)

// StatusCode is the Status/StatusCode of an MM7 response (TS 23.140 clause
// 8.7.x "Status code" tables; XSD type xs:positiveInteger). The first digit
// is its class.
type StatusCode int

// Status codes of TS 23.140 (Release 5, and Release 6 where marked).
const (
	StatusSuccess                       StatusCode = 1000
	StatusPartialSuccess                StatusCode = 1100
	StatusClientError                   StatusCode = 2000
	StatusOperationRestricted           StatusCode = 2001
	StatusAddressError                  StatusCode = 2002
	StatusAddressNotFound               StatusCode = 2003
	StatusContentRefused                StatusCode = 2004
	StatusMessageIDNotFound             StatusCode = 2005
	StatusLinkedIDNotFound              StatusCode = 2006
	StatusMessageFormatCorrupt          StatusCode = 2007
	StatusApplicationIDNotFound         StatusCode = 2008 // Rel-6
	StatusReplyApplicationIDNotFound    StatusCode = 2009 // Rel-6
	StatusServerError                   StatusCode = 3000
	StatusNotPossible                   StatusCode = 3001
	StatusMessageRejected               StatusCode = 3002
	StatusMultipleAddressesNotSupported StatusCode = 3003
	StatusApplicationAddressingNotSupp  StatusCode = 3004 // Rel-6
	StatusGeneralServiceError           StatusCode = 4000
	StatusImproperIdentification        StatusCode = 4001
	StatusUnsupportedVersion            StatusCode = 4002
	StatusUnsupportedOperation          StatusCode = 4003
	StatusValidationError               StatusCode = 4004
	StatusServiceError                  StatusCode = 4005
	StatusServiceUnavailable            StatusCode = 4006
	StatusServiceDenied                 StatusCode = 4007
	StatusApplicationDenied             StatusCode = 4008 // Rel-6
)

// Codes Vibes defines for its submit interface (Vibes "status codes"
// appendix). 2500-2999 and 3500 do not exist in 3GPP; Vibes also gives 4005
// and 4007 meanings of its own (see VibesText).
const (
	VibesParsingError           StatusCode = 2500
	VibesUnexpectedRequest      StatusCode = 2501
	VibesTransactionIDNotSet    StatusCode = 2502
	VibesCarrierCodeNotValid    StatusCode = 2503
	VibesValidationError        StatusCode = 2504
	VibesGenericError           StatusCode = 2999
	VibesMultipleAttachments    StatusCode = 3500
	VibesPlatformCapacity       StatusCode = 4005
	VibesShortCodeNotAuthorized StatusCode = 4007
)

// Class is a status code's first digit.
type Class int

// The classes of TS 23.140.
const (
	ClassUnknown Class = iota
	ClassSuccess       // 1xxx
	ClassClient        // 2xxx: the requester did something wrong
	ClassServer        // 3xxx: the receiver failed on a valid-looking request
	ClassService       // 4xxx: service restrictions
)

func (c Class) String() string {
	switch c {
	case ClassSuccess:
		return "success"
	case ClassClient:
		return "client error"
	case ClassServer:
		return "server error"
	case ClassService:
		return "service error"
	}
	return "unknown"
}

// Class returns the code's class; ClassUnknown outside 1000-4999.
func (c StatusCode) Class() Class {
	if c < 1000 || c > 4999 {
		return ClassUnknown
	}
	return Class(c / 1000)
}

// IsSuccess reports whether c is in the success class.
func (c StatusCode) IsSuccess() bool { return c.Class() == ClassSuccess }

type statusInfo struct {
	text      string // 3GPP text, "" where 3GPP does not define the code
	vibes     string // Vibes' text where Vibes uses the code, "" otherwise
	retryable bool   // Vibes: the request may be resent later
	rel6      bool   // added in Release 6
}

var statusTable = map[StatusCode]statusInfo{
	1000: {text: "Success", vibes: "Success"},
	1100: {text: "Partial success"},
	2000: {text: "Client error"},
	2001: {text: "Operation restricted"},
	2002: {text: "Address Error", vibes: "Address error"},
	2003: {text: "Address Not Found"},
	2004: {text: "Multimedia content refused"},
	2005: {text: "Message ID Not found"},
	2006: {text: "LinkedID not found"},
	2007: {text: "Message format corrupt"},
	2008: {text: "Application ID not found", rel6: true},
	2009: {text: "Reply Application ID not found", rel6: true},
	2500: {vibes: "Parsing error"},
	2501: {vibes: "Unexpected request"},
	2502: {vibes: "TransactionId not set"},
	2503: {vibes: "Carrier Code not valid"},
	2504: {vibes: "Validation error"},
	2999: {vibes: "Generic error"},
	3000: {text: "Server Error", vibes: "Request processing error", retryable: true},
	3001: {text: "Not Possible"},
	3002: {text: "Message rejected"},
	3003: {text: "Multiple addresses not supported", vibes: "Multiple recipients error"},
	3004: {text: "Application Addressing not supported", rel6: true},
	3500: {vibes: "Multiple attachments error"},
	4000: {text: "General service error"},
	4001: {text: "Improper identification", vibes: "Authentication error"},
	4002: {text: "Unsupported version", vibes: "Unsupported version"},
	4003: {text: "Unsupported operation"},
	4004: {text: "Validation error"},
	4005: {text: "Service error", vibes: "Platform reached capacity", retryable: true},
	4006: {text: "Service unavailable"},
	4007: {text: "Service denied", vibes: "User not authorized to send from short code"},
	4008: {text: "Application denied", rel6: true},
}

// Known reports whether 3GPP or Vibes defines c.
func (c StatusCode) Known() bool { _, ok := statusTable[c]; return ok }

// Is3GPP reports whether TS 23.140 defines c.
func (c StatusCode) Is3GPP() bool { return statusTable[c].text != "" }

// Text is the 3GPP status text for c, or Vibes' where only Vibes defines the
// code. For an unknown code it is the text of its class's generic code
// (x000), which is how TS 23.140 lets a receiver read an unknown code.
func (c StatusCode) Text() string {
	if info, ok := statusTable[c]; ok {
		if info.text != "" {
			return info.text
		}
		return info.vibes
	}
	if cl := c.Class(); cl != ClassUnknown {
		return statusTable[StatusCode(cl)*1000].text
	}
	return "Unknown status"
}

// VibesText is what Vibes means by c on its submit interface, or "" where
// Vibes does not use the code.
func (c StatusCode) VibesText() string { return statusTable[c].vibes }

// VibesRetryable reports whether Vibes documents c as temporary (3000, 4005).
func (c StatusCode) VibesRetryable() bool { return statusTable[c].retryable }

func (c StatusCode) String() string { return strconv.Itoa(int(c)) + " " + c.Text() }

// StatusError is an MM7 failure as it travels on the wire: the code, its
// StatusText and optional Details. A receiver returns it; the encoder writes
// it unchanged into a Status element.
type StatusError struct {
	Code    StatusCode
	Text    string
	Details string
}

// NewStatusError makes a StatusError with c's standard text and the given
// details.
func NewStatusError(c StatusCode, format string, args ...any) *StatusError {
	return &StatusError{Code: c, Text: c.Text(), Details: fmt.Sprintf(format, args...)}
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("mm7: status %d %s", int(e.Code), e.Text)
	if e.Details != "" {
		s += ": " + e.Details
	}
	return s
}

// StatusCoder is an error that knows the MM7 status answering it. The
// errors of this package and of the MIME layer implement it.
type StatusCoder interface {
	error
	MM7Status() StatusCode
}

// MM7Status implements StatusCoder.
func (e *StatusError) MM7Status() StatusCode { return e.Code }

// MM7Status implements StatusCoder.
func (e *DecodeError) MM7Status() StatusCode { return e.Status }

// StatusOf returns the MM7 status code carried by err: the code of the
// first StatusCoder in its chain, 1000 for nil, and 2000 (client error)
// otherwise.
func StatusOf(err error) StatusCode {
	if err == nil {
		return StatusSuccess
	}
	var sc StatusCoder
	if errors.As(err, &sc) {
		return sc.MM7Status()
	}
	return StatusClientError
}
