package xsd

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Validate checks one document: a SOAP envelope carrying an MM7 message, or
// a bare MM7 message element. The document must be UTF-8 (or declare its
// real encoding); mm7.NormalizeCharset prepares bytes that came with a MIME
// charset.
func (s *Schemas) Validate(doc []byte) *Result {
	res, _ := s.validate(doc, "", false)
	return res
}

// ValidateAs is Validate, and also requires the message to be in release
// want's namespace.
func (s *Schemas) ValidateAs(doc []byte, want mm7.Release) *Result {
	res, _ := s.validate(doc, want, false)
	return res
}

// ValidateParsed is ValidateAs (want may be empty for Validate), and also
// hands back the parse it validated, for mm7.DecodeOptions.DecodeParsed
// to decode without parsing the document again. The parse is nil when
// libxml2 built no tree the decoder may trust: the document is not
// well-formed, breaks the namespace rules, or was refused before parsing.
func (s *Schemas) ValidateParsed(doc []byte, want mm7.Release) (*Result, mm7.Parsed) {
	res, toks := s.validate(doc, want, true)
	if toks == nil {
		return res, nil // not a nil *tokens in a non-nil interface
	}
	return res, toks
}

func (s *Schemas) validate(buf []byte, want mm7.Release, keep bool) (*Result, *tokens) {
	res := &Result{}
	// libxml2's cost grows faster than some documents (pairwise duplicate
	// attribute checks): their shape is bounded before it parses them. The
	// scan reads UTF-8; a document in another encoding (libxml2 would
	// detect UTF-16 itself) is converted first, so markup cannot hide in
	// bytes the scan does not see.
	if !utf8.Valid(buf) {
		norm, _, err := mm7.NormalizeCharset(buf, "")
		if err != nil {
			res.Errors = []Error{{Stage: StageWellFormed, Message: "document not parsed: " + err.Error()}}
			return res, nil
		}
		buf = norm
	}
	if err := mm7.CheckShape(buf, mm7.ShapeLimits{}); err != nil {
		var de *mm7.DecodeError
		line := 0
		if errors.As(err, &de) {
			line = de.Line
		}
		res.Errors = []Error{{Stage: StageWellFormed, Line: line, Message: "document not parsed: " + de.Msg}}
		return res, nil
	}
	d, errs := parseDoc(buf, "")
	if d == nil {
		res.Errors = errs
		fillColumns(buf, res.Errors)
		return res, nil
	}
	defer d.free()
	root := rootElem(d)
	if !root.ok() {
		res.Errors = []Error{{Stage: StageWellFormed, Message: "document has no root element"}}
		return res, nil
	}
	var toks *tokens
	if keep && d.nsOK {
		toks, _ = flatten(root) // nil when it could not be copied: the caller parses again
	}
	res.Root = root.local()
	switch ns := root.ns(); {
	case ns == mm7.NamespaceSOAP && root.local() == "Envelope":
		s.envelopeChecks(d, root, res)
	case mm7.IsMM7Namespace(ns):
		s.messageChecks(root, StageBody, res)
	default:
		res.add(Error{Stage: StageEnvelope, Line: root.line(), Path: root.path(),
			Message: fmt.Sprintf("root element %s is neither a SOAP 1.1 Envelope nor an MM7 message", qname(ns, root.local()))})
	}
	res.Errors = dedupe(res.Errors)
	fillColumns(buf, res.Errors)
	if want != "" && res.Release != "" && res.Release != want {
		res.add(Error{Stage: StageNamespace, Message: fmt.Sprintf(
			"message %s is in the namespace of %s; want %s (%s)", res.Message, res.Release, want, want.Namespace())})
	}
	return res, toks
}

func (s *Schemas) envelopeChecks(d *document, root elem, res *Result) {
	res.add(s.envelope.validateDoc(d, StageEnvelope)...)
	var body elem
	for _, c := range root.children() {
		if c.ns() != mm7.NamespaceSOAP {
			continue
		}
		switch c.local() {
		case "Header":
			for _, h := range c.children() {
				if mm7.IsMM7Namespace(h.ns()) {
					s.messageChecks(h, StageHeader, res)
				}
			}
		case "Body":
			body = c
		}
	}
	if !body.ok() {
		return // the envelope schema has reported the missing Body
	}
	entries := body.children()
	if len(entries) == 0 {
		res.add(Error{Stage: StageBody, Line: body.line(), Path: body.path(), Message: "SOAP Body holds no message element"})
		return
	}
	for _, e := range entries {
		ns := e.ns()
		switch {
		case ns == mm7.NamespaceSOAP && e.local() == "Fault":
			res.setMessage(e)
			// The envelope schema checked the Fault; its detail entries are lax
			// there, so MM7 error responses inside it are checked here.
			for _, f := range e.children() {
				if f.local() == "detail" && f.ns() == "" {
					for _, de := range f.children() {
						if mm7.IsMM7Namespace(de.ns()) {
							s.messageChecks(de, StageBody, res)
						}
					}
				}
			}
		case mm7.IsMM7Namespace(ns):
			s.messageChecks(e, StageBody, res)
		default:
			res.setMessage(e)
			res.add(Error{Stage: StageNamespace, Line: e.line(), Path: e.path(),
				Message: fmt.Sprintf("body element %s is not in an MM7 namespace", qname(ns, e.local()))})
		}
	}
}

// messageChecks validates an MM7 element in its own right against its
// release's schema.
func (s *Schemas) messageChecks(n elem, stage Stage, res *Result) {
	ns := n.ns()
	r, known := mm7.ReleaseOf(ns)
	if stage != StageHeader {
		res.setMessage(n)
		if known {
			res.Release = r
		}
	}
	c := s.releases[r]
	if !known || c == nil {
		res.add(Error{Stage: StageNamespace, Line: n.line(), Path: n.path(),
			Message: fmt.Sprintf("%s: no schema for MM7 namespace %s (have %v)", n.local(), ns, s.Releases())})
		return
	}
	res.add(c.validateElement(n, stage)...)
}

func (r *Result) add(errs ...Error) { r.Errors = append(r.Errors, errs...) }

func (r *Result) setMessage(n elem) {
	if r.Message == "" {
		r.Message = n.local()
		r.Namespace = n.ns()
	}
}

func qname(ns, local string) string {
	if ns == "" {
		return local
	}
	return "{" + ns + "}" + local
}
