package mm7

import (
	"strings"
	"time"
)

// DateTime is an xs:dateTime as carried on the wire. It keeps the lexical
// form, so a decoded message re-encodes to what was read; Time parses it,
// accepting the forms real gateways send besides the XSD one.
type DateTime string

// NewDateTime formats t as an xs:dateTime (RFC 3339, fractional seconds only
// when present).
func NewDateTime(t time.Time) DateTime { return DateTime(t.Format(time.RFC3339Nano)) }

// Valid reports whether d is in the lexical space of xs:dateTime:
// -?YYYY+-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)?. Trailing whitespace is
// collapsed by XSD; leading whitespace is refused by libxml2, so it is
// refused here too.
func (d DateTime) Valid() bool {
	s := strings.TrimRight(string(d), " \t\r\n")
	s = strings.TrimPrefix(s, "-")
	digits := func(n int) bool {
		if len(s) < n {
			return false
		}
		for i := 0; i < n; i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		s = s[n:]
		return true
	}
	lit := func(c byte) bool {
		if len(s) == 0 || s[0] != c {
			return false
		}
		s = s[1:]
		return true
	}
	if !digits(4) {
		return false
	}
	for len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
		s = s[1:] // years beyond 9999
	}
	if !(lit('-') && digits(2) && lit('-') && digits(2) && lit('T') && digits(2) && lit(':') && digits(2) && lit(':') && digits(2)) {
		return false
	}
	if lit('.') {
		if !digits(1) {
			return false
		}
		for len(s) > 0 && s[0] >= '0' && s[0] <= '9' {
			s = s[1:]
		}
	}
	switch {
	case s == "", s == "Z":
		return true
	case s[0] == '+' || s[0] == '-':
		s = s[1:]
		return digits(2) && lit(':') && digits(2) && s == ""
	}
	return false
}

// lenientLayouts are the forms Time accepts, XSD's first. Vibes documents
// DLR dates with Java's "yyyy-MM-dd'T'HH:mm:ssZ", which writes -0500.
var lenientLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-0700",
}

// Time parses d leniently. A value without a zone is read as UTC.
func (d DateTime) Time() (time.Time, error) {
	s := strings.TrimSpace(string(d))
	var first error
	for _, layout := range lenientLayouts {
		t, err := time.Parse(layout, s)
		if err == nil {
			return t, nil
		}
		if first == nil {
			first = err
		}
	}
	return time.Time{}, first
}

// DateOrDuration is XSD relativeOrAbsoluteDateType: an xs:dateTime or an
// xs:duration such as P10D.
type DateOrDuration string

// Priority of a message.
type Priority string

// Priorities.
const (
	PriorityNormal Priority = "Normal"
	PriorityHigh   Priority = "High"
	PriorityLow    Priority = "Low"
)

// MessageClass of a submitted message.
type MessageClass string

// Message classes.
const (
	ClassPersonal      MessageClass = "Personal"
	ClassInformational MessageClass = "Informational"
	ClassAdvertisement MessageClass = "Advertisement"
	ClassAuto          MessageClass = "Auto"
)

// ChargedParty says who pays.
type ChargedParty string

// Charged parties; ThirdParty exists from REL-6-MM7-1-2.
const (
	ChargedSender     ChargedParty = "Sender"
	ChargedRecipient  ChargedParty = "Recipient"
	ChargedBoth       ChargedParty = "Both"
	ChargedNeither    ChargedParty = "Neither"
	ChargedThirdParty ChargedParty = "ThirdParty"
)

// MMStatus is the delivery status in a DeliveryReportReq
// (mmDeliveryStatusType).
type MMStatus string

// Delivery statuses. Vibes sends the first five.
const (
	MMStatusRetrieved     MMStatus = "Retrieved"
	MMStatusRejected      MMStatus = "Rejected"
	MMStatusIndeterminate MMStatus = "Indeterminate"
	MMStatusExpired       MMStatus = "Expired"
	MMStatusForwarded     MMStatus = "Forwarded"
	// Release 6 additions (REL-6-MM7-1-1 onward).
	MMStatusUnrecognised            MMStatus = "Unrecognised"
	MMStatusDeferred                MMStatus = "Deferred"
	MMStatusDeliveryConditionNotMet MMStatus = "DeliveryConditionNotMet"
)

// MMStatuses lists the delivery statuses a release allows.
func MMStatuses(r Release) []MMStatus {
	out := []MMStatus{MMStatusExpired, MMStatusRetrieved, MMStatusRejected, MMStatusIndeterminate, MMStatusForwarded}
	if r.Major() == 6 {
		out = append(out, MMStatusUnrecognised, MMStatusDeferred, MMStatusDeliveryConditionNotMet)
	}
	return out
}

// ReadStatus is the status in a ReadReplyReq (mmReadStatusType).
type ReadStatus string

// Read statuses.
const (
	ReadStatusIndeterminate ReadStatus = "Indeterminate"
	ReadStatusRead          ReadStatus = "Read"
	ReadStatusDeleted       ReadStatus = "Deleted"
)

// MMStatusExtension details a Rejected report (Release 6).
type MMStatusExtension string

// Status extensions.
const (
	RejectionByMMSRecipient MMStatusExtension = "RejectionByMMSRecipient"
	RejectionByOtherRS      MMStatusExtension = "RejectionByOtherRS"
)

// ContentClass of submitted content (REL-6-MM7-1-4).
type ContentClass string

// enumerations lists, per value type, the values the REL-6-MM7-1-4 schema
// allows; rel5Excluded lists those REL-5-MM7-1-2 lacks.
var enumerations = map[string][]string{
	"Priority":          {"Normal", "High", "Low"},
	"MessageClass":      {"Personal", "Informational", "Advertisement", "Auto"},
	"ChargedParty":      {"Sender", "Recipient", "Both", "Neither", "ThirdParty"},
	"MMStatus":          {"Expired", "Retrieved", "Rejected", "Indeterminate", "Forwarded", "Unrecognised", "Deferred", "DeliveryConditionNotMet"},
	"ReadStatus":        {"Indeterminate", "Read", "Deleted"},
	"MMStatusExtension": {"RejectionByMMSRecipient", "RejectionByOtherRS"},
	"ContentClass":      {"text", "image-basic", "image-rich", "video-basic", "video-rich", "megapixel", "content-basic", "content-rich"},
}

var rel5Excluded = map[string]bool{
	"ThirdParty": true, "Unrecognised": true, "Deferred": true, "DeliveryConditionNotMet": true,
}

// allowedValue reports whether v is a value of the enumeration named typ
// under release r.
func allowedValue(typ, v string, r Release) bool {
	for _, a := range enumerations[typ] {
		if a == v {
			return r.Major() == 6 || !rel5Excluded[v]
		}
	}
	return false
}
