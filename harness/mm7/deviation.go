package mm7

import "fmt"

// DeviationID names one way a message departs from the strict protocol
// while still being readable. IDs are stable: reports, the corpus manifest
// and users' configuration refer to them.
type DeviationID string

// The deviations the decoder records.
const (
	// The XML declaration names an encoding other than the one the bytes are
	// in (the MIME charset, or what the bytes show). Every Vibes example
	// declares utf-16 over UTF-8 bytes.
	DevEncodingMismatch DeviationID = "xml-encoding-mismatch"
	// The document starts with a byte-order mark.
	DevByteOrderMark DeviationID = "xml-byte-order-mark"
	// The message uses the MM7 namespace of a release other than the
	// flavour's (e.g. REL-6-MM7-1-2 read as 6.8.0).
	DevNamespaceOtherRelease DeviationID = "namespace-other-release"
	// The message is in the other flavour's namespace than the one expected
	// (Vibes' 5.5.0 example uses the REL-6-MM7-1-4 namespace).
	DevNamespaceNotFlavour DeviationID = "namespace-not-flavour"
	// MM7Version is not the flavour's value (5.3.0 for 5.5.0, 6.8.0 for 6.8.0).
	DevMM7Version DeviationID = "mm7version-not-flavour"
	// The TransactionID is in a different namespace from the body element.
	DevTransactionIDNamespace DeviationID = "transaction-id-namespace"
	// The TransactionID lacks mustUnderstand="1", which Vibes always sends.
	DevTransactionIDMustUnderstand DeviationID = "transaction-id-mustunderstand"
	// The TransactionID value has surrounding whitespace, which was trimmed.
	DevTransactionIDSpace DeviationID = "transaction-id-whitespace"
	// A header entry other than TransactionID asks to be understood.
	DevUnknownMandatoryHeader DeviationID = "soap-header-mustunderstand-unknown"
	// A date is not an xs:dateTime but could be read (e.g. Vibes' documented
	// "yyyy-MM-dd'T'HH:mm:ssZ" gives a -0500 offset without the colon).
	DevDateTimeLexical DeviationID = "datetime-lexical"
	// A DeliverReq names its sender as SenderIdentification/SenderAddress, as
	// Vibes' 5.5.0 element table describes, instead of Sender.
	DevDeliverSenderIdentification DeviationID = "deliverreq-sender-identification"
)

// Deviation is one departure found while decoding, with where it was seen.
type Deviation struct {
	ID     DeviationID
	Line   int // 1-based; 0 when the deviation concerns the whole document
	Detail string
}

func (d Deviation) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", d.ID, d.Line, d.Detail)
	}
	return fmt.Sprintf("%s: %s", d.ID, d.Detail)
}

// Has reports whether list holds a deviation with id.
func Has(list []Deviation, id DeviationID) bool {
	for _, d := range list {
		if d.ID == id {
			return true
		}
	}
	return false
}
