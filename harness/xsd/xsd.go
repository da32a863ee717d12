// Package xsd validates MM7 messages against XML schemas with libxml2.
//
// The project carries its own schema files for REL-5-MM7-1-2 (Vibes' "5.5.0"
// flavour), REL-6-MM7-1-4 ("6.8.0") and the SOAP 1.1 envelope, embedded in
// the binary (see schema/). LoadDir loads official 3GPP files from a folder
// instead, resolving their SOAP envelope import offline.
//
// A SOAP Body is processContents="lax": validating only the envelope lets an
// element in an unknown namespace, or an unknown name in the MM7 namespace,
// pass silently. Validate therefore checks the envelope against the SOAP
// schema, then every MM7 header entry and every body element in its own
// right against its release's schema, and reports a body element that is not
// in a supported MM7 namespace.
//
// Documents are parsed by libxml2 (through github.com/lestrrat-go/libxml2 and a
// small C shim for what that binding does not expose) without network access,
// without loading a DTD and without substituting entities; a document with a
// DTD is refused, as SOAP 1.1 section 3 requires. Nothing libxml2 would print
// reaches stderr: every problem comes back as an Error value.
//
// Compiled schemas are read-only and shared: a *Schemas is safe for use by
// many goroutines at once.
package xsd

import (
	"fmt"
	"sort"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Stage says which step of Validate found a problem.
type Stage string

// The stages, in the order Validate runs them.
const (
	StageWellFormed Stage = "xml"       // the bytes are not a well-formed, DTD-free document
	StageEnvelope   Stage = "envelope"  // the SOAP envelope schema
	StageHeader     Stage = "header"    // an MM7 header entry in its own right
	StageBody       Stage = "body"      // the MM7 body element in its own right
	StageNamespace  Stage = "namespace" // the body element's namespace
	StageSchema     Stage = "schema"    // compiling a schema
)

// Error is one problem, with its place in the document.
type Error struct {
	Stage   Stage
	Line    int    // 1-based; 0 when unknown
	Column  int    // 1-based; 0 when libxml2 does not know it
	Path    string // element path, e.g. /SOAP-ENV:Envelope/SOAP-ENV:Body/mm7:DeliverReq/mm7:Sender
	Message string
	Warning bool
}

func (e Error) Error() string {
	s := ""
	if e.Line > 0 {
		s = fmt.Sprintf("%d:%d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		s += e.Path + ": "
	}
	return s + e.Message
}

// Result is the verdict on one document.
type Result struct {
	// Root is the local name of the document element ("Envelope", or an MM7
	// message name when a bare message was validated).
	Root string
	// Message is the local name of the MM7 body element, or "Fault".
	Message string
	// Namespace is the body element's namespace.
	Namespace string
	// Release is the MM7 release of the body element, if it has one.
	Release mm7.Release
	// Errors lists every problem found; empty means valid.
	Errors []Error
}

// Valid reports whether the document passed every stage.
func (r *Result) Valid() bool { return len(r.Errors) == 0 }

// Err returns nil for a valid document and otherwise an error listing the
// problems.
func (r *Result) Err() error {
	if r.Valid() {
		return nil
	}
	return &InvalidError{Errors: r.Errors}
}

// InvalidError is the error form of a failed Result.
type InvalidError struct{ Errors []Error }

func (e *InvalidError) Error() string {
	if len(e.Errors) == 1 {
		return "xsd: " + e.Errors[0].Error()
	}
	return fmt.Sprintf("xsd: %s (and %d more)", e.Errors[0].Error(), len(e.Errors)-1)
}

// Schemas is a compiled set: the SOAP envelope and one schema per MM7
// release it has files for.
type Schemas struct {
	origin   string
	envelope *compiled
	releases map[mm7.Release]*compiled
}

// Origin says where the schemas came from ("embedded" or a folder).
func (s *Schemas) Origin() string { return s.origin }

// Releases lists the MM7 releases s can validate, sorted.
func (s *Schemas) Releases() []mm7.Release {
	out := make([]mm7.Release, 0, len(s.releases))
	for r := range s.releases {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Has reports whether s can validate messages of release r.
func (s *Schemas) Has(r mm7.Release) bool { return s.releases[r] != nil }
