package corpus

import "github.com/mm7harness/mm7harness/harness/mm7"

// Kind is the MM7 operation a case exercises.
type Kind string

// The kinds.
const (
	KindDeliver        Kind = "deliver"         // DeliverReq: an MO from Vibes
	KindDeliveryReport Kind = "delivery-report" // DeliveryReportReq: a DLR from Vibes
	KindSubmit         Kind = "submit"          // SubmitReq: an MT from the customer to Vibes
	KindReadReply      Kind = "read-reply"      // ReadReplyReq
)

// Kinds lists every kind.
var Kinds = []Kind{KindDeliver, KindDeliveryReport, KindSubmit, KindReadReply}

// Origin says where a case comes from.
type Origin string

// The origins.
const (
	OriginSeed        Origin = "seed"        // the Vibes page the project started from, made whole
	OriginVibesDoc    Origin = "vibes-doc"   // shaped as Vibes' documentation describes
	OriginSynthesized Origin = "synthesized" // made here to cover what Vibes can pass through
	OriginQuirk       Origin = "quirk"       // a real-traffic oddity a receiver must accept
	OriginNegative    Origin = "negative"    // malformed input an endpoint must survive
)

// Outcome is what a correct endpoint does with a case.
type Outcome string

// The outcomes.
const (
	// Accept: a 2xx answer, with a success StatusCode or a blank body.
	Accept Outcome = "accept"
	// Reject: not an acknowledgement. Accepting it stores garbage or
	// breaks a requirement; Expect.Clause names which, Expect.Level how
	// binding it is.
	Reject Outcome = "reject"
	// Survive: the protocol leaves the choice to the receiver (a limit, a
	// lenient reading): accepting and refusing are both right, as long as
	// the endpoint reacts in time and still serves the next request.
	Survive Outcome = "survive"
	// Tolerate: Vibes' documentation shows it, though the schema forbids
	// it. Accepting it is the safe choice; refusing it is right by the
	// schema and risky with Vibes (Expect.Risk says why): a warning, never
	// a failure.
	Tolerate Outcome = "tolerate"
)

// Levels of a Reject: how binding the requirement it rests on is.
const (
	LevelMust   = "MUST"   // a 3GPP, SOAP, XML or RFC requirement
	LevelShould = "SHOULD" // good practice: 3GPP offers a status for it, nothing requires the refusal
)

// Reactions a rejection may use besides HTTP statuses (Expect.HTTP).
const (
	ReactClose   = "close"   // the endpoint closes the connection without answering
	ReactTimeout = "timeout" // silence: the endpoint rightly waits for bytes that never come
)

// Expect is the outcome a correct endpoint gives.
type Expect struct {
	Outcome Outcome `json:"outcome"`
	// Level is how binding a Reject is (LevelMust or LevelShould).
	Level string `json:"level,omitempty"`
	// Clause is the requirement a Reject rests on, the reason a Survive
	// leaves the choice to the receiver, or the document a Tolerate comes
	// from.
	Clause string `json:"clause,omitempty"`
	// Risk says, for a Tolerate, what refusing the message costs.
	Risk string `json:"risk,omitempty"`
	// MM7Status lists the StatusCodes a rejecting SOAP answer may carry.
	MM7Status []int `json:"mm7_status,omitempty"`
	// HTTP lists the reactions a rejection may use: HTTP codes ("413"),
	// classes ("4xx"), ReactClose or ReactTimeout.
	HTTP []string `json:"http,omitempty"`
	// Failure is why a receiver refuses the case: "layer:reason", e.g.
	// "mime:boundary-mismatch", "soap:xml-dtd", "schema", "http:too-large".
	Failure string `json:"failure,omitempty"`
}

// Allows reports whether reaction (ReactClose, ReactTimeout) is one a
// correct endpoint may give.
func (e Expect) Allows(reaction string) bool {
	for _, h := range e.HTTP {
		if h == reaction {
			return true
		}
	}
	return false
}

// MIMEExpect is how harness/swa reads the case's body.
type MIMEExpect struct {
	// Parts counts the leaf parts (SOAP part included) when the body reads.
	Parts int `json:"parts,omitempty"`
	// Error names the swa error when it does not ("boundary-mismatch", …).
	Error string `json:"error,omitempty"`
}

// Case is one entry of the manifest.
type Case struct {
	ID      string      `json:"id"`
	Flavour mm7.Flavour `json:"flavour"`
	Kind    Kind        `json:"kind"`
	Origin  Origin      `json:"origin"`
	// File is the request's path below corpus/; empty for a generated case.
	File string `json:"file,omitempty"`
	// Generator names the code that streams a generated case (one too large
	// to store: a 20 MB body, a 10 MB header line, 100,000 parts).
	Generator   string            `json:"generator,omitempty"`
	Deviations  []mm7.DeviationID `json:"deviations,omitempty"`
	Expect      Expect            `json:"expect"`
	Description string            `json:"description"`
	Size        int64             `json:"size"`
	SHA256      string            `json:"sha256"`
	// SchemaValid says whether the SOAP part validates against the
	// flavour's schema; false only for negative cases and quirks that
	// deviate on purpose (Deviations names the quirk).
	SchemaValid bool       `json:"schema_valid"`
	MIME        MIMEExpect `json:"mime"`
	// TransactionID is the ID in the file, which Stamp replaces.
	TransactionID string `json:"transaction_id,omitempty"`
	// Dates are the date values in the file that Stamp refreshes.
	Dates []string `json:"dates,omitempty"`
	// RawOnly marks a request net/http cannot send as is (a lying
	// Content-Length, an oversized header): send its raw bytes.
	RawOnly bool `json:"raw_only,omitempty"`
}

// Manifest is corpus/manifest.json.
type Manifest struct {
	Comment string  `json:"comment"`
	Cases   []*Case `json:"cases"`
}
