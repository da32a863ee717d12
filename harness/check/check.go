// Package check is the catalogue of what certification checks: each check
// has a stable slug ID, a level, the clause or Vibes page it comes from, the
// requirement in one line, and the function that judges what is sent for
// it (one answer, the reaction to bad input, a resend, a load). The Ginkgo
// suites (package suites) send the requests and call these.
//
// A check's verdict is one of pass, fail, warn, info or n/a, in the spirit
// of Autobahn|Testsuite's OK / FAILED / NON-STRICT / INFORMATIONAL /
// UNIMPLEMENTED. A verdict is a claim about someone else's system, so a
// check that could not look at what it judges says n/a with the reason,
// never pass; and the check that explains why (no answer, an unreadable
// answer) is the one that fails.
package check

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Level says how binding a check is.
type Level string

// The levels.
const (
	MUST   Level = "MUST"   // a 3GPP TS 23.140, SOAP 1.1, XML or HTTP requirement
	SHOULD Level = "SHOULD" // good practice: a warning under the vibes profile, a failure under strict
	VIBES  Level = "VIBES"  // a rule of Vibes' documentation, which Vibes' delivery depends on
)

// Profile is how strict certification is.
type Profile string

// The profiles.
const (
	// ProfileVibes certifies what Vibes accepts: a blank HTTP 200 passes,
	// and so does an answer lacking MM7Version (Vibes' own sample does);
	// failed SHOULD checks are warnings.
	ProfileVibes Profile = "vibes"
	// ProfileStrict certifies 3GPP conformance: a schema-valid SOAP answer
	// is required, and failed SHOULD checks fail.
	ProfileStrict Profile = "strict"
)

// Group names what a check is about; suites run the groups differently.
type Group string

// The groups.
const (
	GroupAnswer      Group = "answer"      // judged on the answer to a valid message
	GroupQuirk       Group = "quirk"       // a Vibes-documented message the schema forbids
	GroupRobustness  Group = "robustness"  // judged on a negative case and what follows
	GroupRetries     Group = "retries"     // a resent TransactionID
	GroupConcurrency Group = "concurrency" // many messages at once
	GroupSubmit      Group = "submit"      // a SubmitReq an MT client sent
	GroupClient      Group = "client"      // what an MT client did across a scenario
)

// Verdict is what a check says of one case.
type Verdict string

// The verdicts.
const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// Warn: not a failure, but a risk the report explains (a failed SHOULD
	// under the vibes profile; refusing a Vibes-documented quirk).
	Warn Verdict = "warn"
	// Info: a fact worth knowing that is neither right nor wrong.
	Info Verdict = "info"
	// NA: the check could not judge this case; Actual says why.
	NA Verdict = "n/a"
)

// Check is one entry of the catalogue.
type Check struct {
	ID          string
	Level       Level
	Group       Group
	Source      string // the clause or page the requirement comes from
	Requirement string // what the endpoint must do
	// StrictOnly checks run under the strict profile only.
	StrictOnly bool

	// A check carries its own judgement: one function for each way the
	// suites send what it judges. Most checks have one; a check judged
	// both on every answer and on a resend has two.

	// Judge decides a check of the answer group on one answer.
	Judge func(in *Input) Result `json:"-"`
	// JudgeQuirk decides on the answer to a Vibes-documented quirk, given
	// the page it comes from and what refusing it risks.
	JudgeQuirk func(a Answer, source, risk string) Result `json:"-"`
	// JudgeBad decides on the reaction to a negative case.
	JudgeBad func(bad Answer, e Expectation) Result `json:"-"`
	// JudgeAfter decides on the answer to a valid message sent after a
	// negative case; before is the same message's answer before any bad
	// input.
	JudgeAfter func(after, before Answer) Result `json:"-"`
	// JudgeResend decides on the answers to a message and to the same
	// bytes sent again on the same connection.
	JudgeResend func(first, again Answer) Result `json:"-"`
	// JudgeLoad decides on the answers to several messages sent at once;
	// before as for JudgeAfter.
	JudgeLoad func(answers []Answer, before Answer) Result `json:"-"`
	// JudgeSubmit decides on one SubmitReq an MT client sent.
	JudgeSubmit func(in *SubmitInput) Result `json:"-"`
	// JudgeClient decides on what an MT client did in a scenario: its
	// attempts, the gateway's answers, its exit status.
	JudgeClient func(run *ClientRun) Result `json:"-"`
}

// Result is one check's verdict on one case, as judged; Grade turns it
// into the verdict of a profile.
type Result struct {
	Verdict  Verdict
	Expected string // "expected one of …"
	Actual   string // what was seen, or why the check could not judge
}

func pass(actual string) Result { return Result{Verdict: Pass, Actual: actual} }

func fail(expected, actual string) Result {
	return Result{Verdict: Fail, Expected: expected, Actual: actual}
}

func warn(expected, actual string) Result {
	return Result{Verdict: Warn, Expected: expected, Actual: actual}
}

func info(actual string) Result { return Result{Verdict: Info, Actual: actual} }

func na(why string) Result { return Result{Verdict: NA, Actual: why} }

// Message is the failure text: "expected one of … / actual …".
func (r Result) Message() string {
	return fmt.Sprintf("expected %s / actual %s", r.Expected, r.Actual)
}

// Grade is the verdict r counts as under profile p: a failed SHOULD check
// is a warning under the vibes profile. Nothing else changes: a judge that
// says warn means it whatever the profile.
func (c *Check) Grade(r Result, p Profile) Verdict {
	if r.Verdict == Fail && c.Level == SHOULD && p != ProfileStrict {
		return Warn
	}
	return r.Verdict
}

// Answer is what the endpoint sent back for one request.
type Answer struct {
	// Status is the final HTTP status (interim 1xx responses skipped); 0
	// when no complete answer came.
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration
	// Err says why no complete answer came.
	Err string
	// Got is how many bytes of an answer came, complete or not: with
	// Status 0, some bytes mean an answer that could not be read, none a
	// connection closed (or silent) without one.
	Got int
	// Timeout: no complete answer within the time the harness waits.
	Timeout bool
	// Truncated: the body passed the harness's limit (Limit bytes) and
	// was not read further.
	Truncated bool
	Limit     int
	// Closed: the endpoint ended the connection with this answer.
	Closed bool
	// Reused: the request went on a connection an earlier answer left
	// open.
	Reused bool
	// Stale: the connection an earlier answer left open had been closed
	// without a word when this request was to go on it, so it went on a
	// new one.
	Stale bool
	// Interim lists the 1xx responses that came before the answer.
	Interim []int
}

// Input is everything a check judges: the request sent, the answer, and
// how to judge. The decoded answer is computed once and shared.
type Input struct {
	Flavour       mm7.Flavour // the flavour certified
	Request       mm7.Kind    // DeliverReq, DeliveryReportReq, …
	RequestRel    mm7.Release // the namespace the request used
	RequestMM7    string      // the request's MM7Version
	TransactionID string
	Answer        Answer
	Profile       Profile
	Budget        time.Duration
	Schemas       *xsd.Schemas

	decoded bool
	env     *mm7.Envelope
	decErr  error
	norm    []byte
}

// Blank reports whether the answer is a 2xx without a body.
func (in *Input) Blank() bool {
	return in.Answer.Status/100 == 2 && len(strings.TrimSpace(string(in.Answer.Body))) == 0
}

// decode reads the answer's SOAP once.
func (in *Input) decode() (*mm7.Envelope, error) {
	if !in.decoded {
		in.decoded = true
		in.env, in.norm, in.decErr = decodeAnswer(in.Answer)
	}
	return in.env, in.decErr
}

// ReadAnswer reads an answer's SOAP envelope, as the checks do: for
// judges of answers to anything (a fuzzer's mutants), whatever their
// HTTP status. A decode error's Reason says how it is not MM7.
func ReadAnswer(a Answer) (*mm7.Envelope, error) {
	env, _, err := decodeAnswer(a)
	return env, err
}

// decodeAnswer reads an answer's SOAP: the body itself, or the root part
// of a multipart answer, in the charset its Content-Type names. norm is
// the document in UTF-8, for the schemas.
func decodeAnswer(a Answer) (env *mm7.Envelope, norm []byte, err error) {
	ct := ""
	if a.Header != nil {
		ct = a.Header.Get("Content-Type")
	}
	soap, charset := a.Body, contentTypeParam(ct, "charset")
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") {
		m, err := swa.ReadBytes(ct, a.Body, swa.ReadOptions{})
		if err != nil {
			return nil, nil, &mm7.DecodeError{Reason: mm7.ReasonMalformed, Msg: err.Error()}
		}
		soap, charset = m.SOAP(), m.Charset()
	}
	norm, _, _ = mm7.NormalizeCharset(soap, charset)
	// The answer is already bounded by what the harness reads: the
	// decoder must not refuse what the harness chose to read.
	env, err = mm7.DecodeOptions{Charset: charset, MaxBytes: len(soap) + 1}.Decode(soap)
	return env, norm, err
}

func contentTypeParam(ct, name string) string {
	for _, p := range strings.Split(ct, ";")[1:] {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(k, name) {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// catalogue is every check: the list each file declares, one after the
// other. Nothing adds to it at run time.
var catalogue = slices.Concat(transportChecks, envelopeChecks, rspChecks, robustnessChecks, behaviourChecks, submitChecks, clientChecks)

// Catalogue returns every check, sorted by ID.
func Catalogue() []*Check {
	out := slices.Clone(catalogue)
	slices.SortFunc(out, func(a, b *Check) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Get returns the check with the given ID.
func Get(id string) (*Check, bool) {
	i := slices.IndexFunc(catalogue, func(c *Check) bool { return c.ID == id })
	if i < 0 {
		return nil, false
	}
	return catalogue[i], true
}

// MustGet returns the check with the given ID, for IDs written in code.
func MustGet(id string) *Check {
	c, ok := Get(id)
	if !ok {
		panic("check: no check " + id)
	}
	return c
}

// Labels are the Ginkgo labels a check's specs carry.
func (c *Check) Labels(op, flavour string) []string {
	return []string{"id:" + c.ID, "level:" + string(c.Level), "op:" + op, "mm7:" + flavour, "group:" + string(c.Group)}
}
