// Package check is the catalogue of what certification checks: each check
// has a stable slug ID, a level, the clause or Vibes page it comes from, the
// requirement in one line, and a function that judges one answer. The
// Ginkgo suites (package suites) send the requests and call these.
package check

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Level says how binding a check is.
type Level string

// The levels.
const (
	MUST   Level = "MUST"   // a 3GPP TS 23.140 or SOAP 1.1 requirement
	SHOULD Level = "SHOULD" // good practice; fails the run like the others
	VIBES  Level = "VIBES"  // a rule of Vibes' documentation
)

// Profile is how strict certification is.
type Profile string

// The profiles.
const (
	// ProfileVibes certifies what Vibes accepts: a blank HTTP 200 passes,
	// and so does an answer lacking MM7Version (Vibes' own sample does).
	ProfileVibes Profile = "vibes"
	// ProfileStrict certifies 3GPP conformance: a schema-valid SOAP answer
	// is required.
	ProfileStrict Profile = "strict"
)

// Group names what a check is about; suites run the groups differently.
type Group string

// The groups.
const (
	GroupAnswer      Group = "answer"      // judged on the answer to a valid message
	GroupRobustness  Group = "robustness"  // judged on a negative case and what follows
	GroupRetries     Group = "retries"     // a resent TransactionID
	GroupConcurrency Group = "concurrency" // many messages at once
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
	// Judge decides a check of the answer group.
	Judge func(in *Input) Result `json:"-"`
}

// Result is one check's verdict on one answer.
type Result struct {
	Pass bool
	// NotApplicable means the check cannot judge this answer (e.g. the
	// schema of an answer that is not SOAP): reported as skipped.
	NotApplicable bool
	Expected      string // "expected one of …"
	Actual        string
}

func pass(actual string) Result { return Result{Pass: true, Actual: actual} }

func fail(expected, actual string) Result { return Result{Expected: expected, Actual: actual} }

func na(why string) Result { return Result{NotApplicable: true, Actual: why} }

// Message is the failure text: "expected one of … / actual …".
func (r Result) Message() string {
	return fmt.Sprintf("expected %s / actual %s", r.Expected, r.Actual)
}

// Answer is what the endpoint sent back for one request.
type Answer struct {
	Status  int // 0 when no answer came
	Header  http.Header
	Body    []byte
	Latency time.Duration
	Err     string // why no answer came
}

// Input is everything a check judges: the request sent, the answer, and
// how to judge. The decoded answer is computed once and shared.
type Input struct {
	Version       mm7.Version // the flavour certified
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
		charset := ""
		if ct := in.Answer.Header.Get("Content-Type"); ct != "" {
			charset = contentTypeParam(ct, "charset")
		}
		in.norm, _, _ = mm7.NormalizeCharset(in.Answer.Body, charset)
		in.env, in.decErr = mm7.DecodeOptions{Charset: charset}.Decode(in.Answer.Body)
	}
	return in.env, in.decErr
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

// Catalogue returns every check, sorted by ID.
func Catalogue() []*Check {
	out := make([]*Check, 0, len(catalogue))
	for _, c := range catalogue {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get returns the check with the given ID.
func Get(id string) (*Check, bool) { c, ok := catalogue[id]; return c, ok }

var catalogue = map[string]*Check{}

func register(cs ...*Check) {
	for _, c := range cs {
		if _, dup := catalogue[c.ID]; dup {
			panic("check: duplicate ID " + c.ID)
		}
		catalogue[c.ID] = c
	}
}

// Labels are the Ginkgo labels a check's specs carry.
func (c *Check) Labels(op, flavour string) []string {
	return []string{"id:" + c.ID, "level:" + string(c.Level), "op:" + op, "mm7:" + flavour, "group:" + string(c.Group)}
}
