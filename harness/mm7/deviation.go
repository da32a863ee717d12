package mm7

import "github.com/mm7harness/mm7harness/harness/deviation"

// DeviationID names one way a message departs from the strict protocol
// while still being readable (package deviation).
type DeviationID = deviation.ID

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

// Deviation is one departure found while reading, with where it was seen.
type Deviation = deviation.Deviation

// Has reports whether list holds a deviation with id.
func Has(list []Deviation, id DeviationID) bool { return deviation.Has(list, id) }
