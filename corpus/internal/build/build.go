// Package build makes the corpus: every request file and the manifest,
// deterministically, from the facts of the Vibes pages and the 3GPP
// schemas. Run it with `go generate ./corpus`.
package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"slices"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Built is one case with its bytes (nil for a generated case).
type Built struct {
	Case  *corpus.Case
	Bytes []byte
}

// spec is a case before it is built.
type spec struct {
	id      string
	flavour mm7.Flavour
	kind    corpus.Kind
	origin  corpus.Origin
	desc    string
	expect  corpus.Expect
	// dev lists the deviations the case is meant to exercise; the builder
	// checks each is observed.
	dev []mm7.DeviationID
	// schemaInvalid marks a SOAP part that is invalid on purpose.
	schemaInvalid bool
	rawOnly       bool
	tid           string
	dates         []string
	gen           string
	bytes         func() []byte
}

// base is the moment the corpus messages are dated; Stamp refreshes dates.
var base = time.Date(2026, 11, 2, 10, 15, 30, 0, time.FixedZone("CST", -6*3600))

func accept() corpus.Expect { return corpus.Expect{Outcome: corpus.Accept} }

// must is a case to reject because accepting it breaks clause; should one
// whose refusal rests on good practice only.
func must(failure, clause string, status []int, http ...string) corpus.Expect {
	return reject(corpus.LevelMust, failure, clause, status, http)
}

func should(failure, clause string, status []int, http ...string) corpus.Expect {
	return reject(corpus.LevelShould, failure, clause, status, http)
}

func reject(level, failure, clause string, status []int, http []string) corpus.Expect {
	if len(http) == 0 {
		http = []string{"4xx", "5xx"}
	}
	return corpus.Expect{Outcome: corpus.Reject, Level: level, Clause: clause, Failure: failure, MM7Status: status, HTTP: http}
}

// survive is a case where accepting and refusing are both right; why says
// why the protocol leaves the choice open, failure how the reference
// receiver (which refuses it) sees it.
func survive(failure, why string, http ...string) corpus.Expect {
	return corpus.Expect{Outcome: corpus.Survive, Failure: failure, Clause: why, HTTP: http}
}

// tolerate is a Vibes-documented quirk the schema forbids.
func tolerate(source, risk string) corpus.Expect {
	return corpus.Expect{Outcome: corpus.Tolerate, Clause: source, Risk: risk}
}

// Build makes every case and checks it against its intent.
func Build() ([]Built, error) {
	schemas, err := xsd.Embedded()
	if err != nil {
		return nil, err
	}
	var out []Built
	seen := map[string]bool{}
	for _, s := range specs() {
		if seen[s.id] {
			return nil, fmt.Errorf("build: duplicate id %s", s.id)
		}
		seen[s.id] = true
		c := &corpus.Case{
			ID: s.id, Flavour: s.flavour, Kind: s.kind, Origin: s.origin, Description: s.desc,
			Expect: s.expect, Dates: s.dates, RawOnly: s.rawOnly, Generator: s.gen,
		}
		var raw []byte
		var r io.Reader
		if s.gen != "" {
			r, c.Size, err = (&corpus.Case{Generator: s.gen, Flavour: s.flavour}).Open()
			if err != nil {
				return nil, err
			}
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				return nil, err
			}
			c.SHA256 = hex.EncodeToString(h.Sum(nil))
			r, _, _ = (&corpus.Case{Generator: s.gen, Flavour: s.flavour}).Open()
		} else {
			raw = s.bytes()
			if s.tid != "" && bytes.Contains(raw, []byte(s.tid)) {
				c.TransactionID = s.tid // Stamp replaces it; negatives may have removed it
			}
			c.File = path.Join(s.flavour.Name, string(s.kind), s.id+".http")
			c.Size = int64(len(raw))
			sum := sha256.Sum256(raw)
			c.SHA256 = hex.EncodeToString(sum[:])
			r = bytes.NewReader(raw)
		}
		v, err := Judge(r, s.kind, s.flavour, schemas)
		if err != nil {
			return nil, fmt.Errorf("build: %s: %w", s.id, err)
		}
		c.Deviations, c.MIME, c.SchemaValid = v.Deviations, v.MIME, v.SchemaValid
		if err := check(s, c, v); err != nil {
			return nil, err
		}
		out = append(out, Built{Case: c, Bytes: raw})
	}
	return out, nil
}

// check holds a built case to its spec: the failure it is meant to show,
// the deviations it is meant to exercise, schema validity as intended.
func check(s spec, c *corpus.Case, v Verdict) error {
	want := s.expect.Failure
	if s.expect.Outcome == corpus.Accept || s.expect.Outcome == corpus.Tolerate {
		want = ""
		if s.schemaInvalid {
			want = "schema"
		}
	}
	if v.Failure != want {
		return fmt.Errorf("build: %s: fails as %q, meant %q", s.id, v.Failure, want)
	}
	for _, d := range s.dev {
		if !slices.Contains(v.Deviations, d) {
			return fmt.Errorf("build: %s: deviation %s not observed (saw %v)", s.id, d, v.Deviations)
		}
	}
	if (s.expect.Outcome == corpus.Accept || s.expect.Outcome == corpus.Tolerate) && v.SchemaValid == s.schemaInvalid {
		return fmt.Errorf("build: %s: schema valid %v, meant %v", s.id, v.SchemaValid, !s.schemaInvalid)
	}
	if s.expect.Outcome == corpus.Reject && s.expect.Clause == "" || s.expect.Outcome == corpus.Tolerate && s.expect.Risk == "" {
		return fmt.Errorf("build: %s: a %s case must say the clause it rests on (and a tolerated one its risk)", s.id, s.expect.Outcome)
	}
	if s.origin != corpus.OriginNegative && s.tid != "" && c.TransactionID == "" {
		return fmt.Errorf("build: %s: TransactionID %s not in the bytes", s.id, s.tid)
	}
	return nil
}

// Manifest returns the manifest of built cases.
func Manifest(built []Built) *corpus.Manifest {
	m := &corpus.Manifest{Comment: "Generated by corpus/internal/build (go generate ./corpus); do not edit."}
	for _, b := range built {
		m.Cases = append(m.Cases, b.Case)
	}
	return m
}
