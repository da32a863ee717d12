package mm7

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Envelope is one MM7 SOAP message: the TransactionID header and the body.
type Envelope struct {
	// TransactionID is the value of the MM7 TransactionID header entry.
	TransactionID string
	// Flavour is the flavour the message is read as (or written in).
	Flavour Flavour
	// Release is the MM7 namespace the body element actually used. The
	// encoder always writes Version's release.
	Release Release
	// Message is the body element: *DeliverReq, *DeliverRsp, …, or *Fault.
	Message Message
	// Deviations lists what the decoder tolerated.
	Deviations []Deviation
}

// DefaultMaxSOAPBytes bounds the SOAP document Decode reads. The SOAP part
// of an MM7 message is a few kilobytes; the content travels in other MIME
// parts.
const DefaultMaxSOAPBytes = 1 << 20

// DecodeOptions configures Decode.
type DecodeOptions struct {
	// Charset is the charset parameter of the MIME part (or HTTP
	// Content-Type) that carried the document; it wins over the XML
	// declaration. Empty means none was given.
	Charset string
	// Expect is the flavour the receiver is configured for. When set, a
	// message in the other flavour's namespace is still read, as Expect, and
	// DevNamespaceNotFlavour is recorded. When zero the flavour follows from
	// the namespace.
	Expect Flavour
	// MaxBytes bounds the document; 0 means DefaultMaxSOAPBytes.
	MaxBytes int
	// Shape bounds its structure (CheckShape); zero fields take
	// DefaultShapeLimits.
	Shape ShapeLimits
}

// Decode reads an MM7 SOAP envelope, taking charset (the MIME charset, may
// be empty) over the XML declaration.
func Decode(data []byte, charset string) (*Envelope, error) {
	return DecodeOptions{Charset: charset}.Decode(data)
}

// Decode reads an MM7 SOAP envelope. Elements are matched on namespace URI
// and local name, whatever their prefixes. On failure the error is a
// *DecodeError; the returned Envelope then holds what could be read (it may
// be nil), so a receiver can still echo the TransactionID in its Fault.
func (o DecodeOptions) Decode(data []byte) (*Envelope, error) { return o.decode(data, nil) }

// Parsed is a SOAP document another parser has already read — the schema
// validator's libxml2 tree (xsd.Schemas.ValidateParsed) — replayed as the
// document element's tokens, in order, with names resolved to namespace
// URIs, along with the line of the last start tag replayed.
type Parsed interface {
	xml.TokenReader
	Line() int
}

// DecodeParsed is Decode reading p, the parse of data that the validator
// already made, instead of parsing data a second time: the receiver's
// parse-once path. data must be the bytes p was parsed from (after
// NormalizeCharset with the same charset); the checks on the bytes
// themselves (size, charset, XML declaration) still read them. A parse
// that was shape-checked with DefaultShapeLimits is not checked again
// unless o.Shape asks for other limits. The rare message the tree cannot
// give back exactly — a response whose Details keep their inner XML as
// written — is read from the bytes instead.
func (o DecodeOptions) DecodeParsed(data []byte, p Parsed) (*Envelope, error) {
	if p == nil {
		return o.decode(data, nil)
	}
	env, err := o.decode(data, p)
	if r := ResponseOf(envMessage(env)); r != nil && r.Status.Details != nil {
		return o.decode(data, nil)
	}
	return env, err
}

func envMessage(env *Envelope) Message {
	if env == nil {
		return nil
	}
	return env.Message
}

func (o DecodeOptions) decode(data []byte, p Parsed) (*Envelope, error) {
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxSOAPBytes
	}
	if len(data) > limit {
		return nil, newDecodeError(ReasonTooLarge, 0, 0, "SOAP document is %d bytes, limit %d", len(data), limit)
	}
	utf8doc, devs, err := NormalizeCharset(data, o.Charset)
	if err != nil {
		return nil, err
	}
	if p == nil || o.Shape != (ShapeLimits{}) {
		if err := CheckShape(utf8doc, o.Shape); err != nil {
			return nil, err
		}
	}
	r := &reader{src: utf8doc, env: &Envelope{Deviations: devs}, opts: o, parsed: p}
	if p != nil {
		r.d = xml.NewTokenDecoder(p)
	} else {
		r.d = xml.NewDecoder(bytes.NewReader(utf8doc))
	}
	err = r.document()
	if err != nil && r.env.TransactionID == "" && len(r.tids) == 1 {
		// Known before the failure: a receiver's Fault can still echo it.
		r.env.TransactionID = strings.TrimSpace(r.tids[0].raw)
	}
	if r.env.Message == nil && r.env.TransactionID == "" {
		return nil, err
	}
	return r.env, err
}

type reader struct {
	src    []byte
	d      *xml.Decoder
	parsed Parsed // the tree the tokens come from, or nil when d reads src
	env    *Envelope
	opts   DecodeOptions

	tids      []tidEntry
	bodyNS    string
	bodyLine  int
	haveBody  bool
	nMessages int
}

type tidEntry struct {
	ns, raw        string
	mustUnderstand string
	line           int
}

func (r *reader) line() int {
	if r.parsed != nil {
		return r.parsed.Line()
	}
	l, _ := r.d.InputPos()
	return l
}

func (r *reader) deviate(id DeviationID, line int, format string, args ...any) {
	r.env.Deviations = append(r.env.Deviations, Deviation{ID: id, Line: line, Detail: fmt.Sprintf(format, args...)})
}

// token reads the next token, turning syntax errors into DecodeErrors.
func (r *reader) token() (xml.Token, error) {
	t, err := r.d.Token()
	if err != nil && err != io.EOF {
		return nil, r.malformed(err)
	}
	return t, err
}

func (r *reader) malformed(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		de := newDecodeError(ReasonMalformed, se.Line, 0, "%s", se.Msg)
		de.Err = err
		return de
	}
	line, col := r.d.InputPos()
	de := newDecodeError(ReasonMalformed, line, col, "%v", err)
	de.Err = err
	return de
}

// document reads the whole envelope. Whatever else is wrong, a document
// that is not well-formed is reported as such (2007): after a semantic
// failure the rest is still scanned for a syntax error.
func (r *reader) document() error {
	err := r.read()
	var de *DecodeError
	if errors.As(err, &de) && de.Reason != ReasonMalformed && de.Reason != ReasonCharset && de.Reason != ReasonDTD {
		for {
			if _, terr := r.d.Token(); terr != nil {
				if terr != io.EOF {
					return r.malformed(terr)
				}
				break
			}
		}
	}
	return err
}

func (r *reader) read() error {
	if err := checkDeclaration(r.src); err != nil {
		return err
	}
	root, err := r.prolog()
	if err != nil {
		return err
	}
	if root.Name.Space != NamespaceSOAP || root.Name.Local != "Envelope" {
		what := fmt.Sprintf("document element is %s", qname(root.Name))
		if root.Name.Local == "Envelope" && root.Name.Space == "http://www.w3.org/2003/05/soap-envelope" {
			what = "document is a SOAP 1.2 envelope; MM7 uses SOAP 1.1"
		}
		return newDecodeError(ReasonNotEnvelope, r.line(), 0, "%s, want a SOAP 1.1 Envelope", what)
	}
	if err := r.envelope(); err != nil {
		return err
	}
	if err := r.epilogue(); err != nil {
		return err
	}
	return r.finish()
}

// prolog reads up to the document element, refusing a DTD.
func (r *reader) prolog() (xml.StartElement, error) {
	for {
		t, err := r.token()
		if err == io.EOF {
			return xml.StartElement{}, newDecodeError(ReasonMalformed, r.line(), 0, "document has no element")
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			return t, nil
		case xml.Directive:
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				return xml.StartElement{}, newDecodeError(ReasonDTD, r.line(), 0, "a document type declaration is not allowed in a SOAP message")
			}
			return xml.StartElement{}, newDecodeError(ReasonMalformed, r.line(), 0, "unexpected markup declaration <!%s", firstWord(t))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, newDecodeError(ReasonMalformed, r.line(), 0, "text before the document element")
			}
		}
	}
}

// epilogue makes sure nothing but comments and space follow the envelope.
func (r *reader) epilogue() error {
	for {
		t, err := r.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			return newDecodeError(ReasonMalformed, r.line(), 0, "element %s after the document element", qname(t.Name))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return newDecodeError(ReasonMalformed, r.line(), 0, "text after the document element")
			}
		case xml.Directive:
			return newDecodeError(ReasonDTD, r.line(), 0, "markup declaration after the document element")
		}
	}
}

func (r *reader) envelope() error {
	for {
		t, err := r.token()
		if err == io.EOF {
			return newDecodeError(ReasonMalformed, r.line(), 0, "document ends inside the Envelope")
		}
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch {
			case t.Name.Space == NamespaceSOAP && t.Name.Local == "Header":
				err = r.header()
			case t.Name.Space == NamespaceSOAP && t.Name.Local == "Body":
				r.haveBody = true
				err = r.body()
			default:
				err = r.skip()
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			if !r.haveBody {
				return newDecodeError(ReasonNotEnvelope, r.line(), 0, "Envelope has no Body")
			}
			return nil
		}
	}
}

func (r *reader) skip() error {
	if err := r.d.Skip(); err != nil {
		return r.malformed(err)
	}
	return nil
}

func (r *reader) header() error {
	for {
		t, err := r.token()
		if err != nil {
			return r.unexpectedEnd(err, "Header")
		}
		switch t := t.(type) {
		case xml.StartElement:
			line := r.line()
			mu := attr(t, NamespaceSOAP, "mustUnderstand")
			if t.Name.Local != "TransactionID" || !IsMM7Namespace(t.Name.Space) {
				if mu == "1" || mu == "true" {
					r.deviate(DevUnknownMandatoryHeader, line, "header entry %s has mustUnderstand=%q", qname(t.Name), mu)
				}
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			var v struct {
				Value string `xml:",chardata"`
			}
			if err := r.d.DecodeElement(&v, &t); err != nil {
				return r.malformed(err)
			}
			r.tids = append(r.tids, tidEntry{ns: t.Name.Space, raw: v.Value, mustUnderstand: mu, line: line})
		case xml.EndElement:
			return nil
		}
	}
}

func (r *reader) unexpectedEnd(err error, in string) error {
	if err == io.EOF {
		return newDecodeError(ReasonMalformed, r.line(), 0, "document ends inside the %s", in)
	}
	return err
}

func (r *reader) body() error {
	for {
		t, err := r.token()
		if err != nil {
			return r.unexpectedEnd(err, "Body")
		}
		switch t := t.(type) {
		case xml.StartElement:
			r.nMessages++
			if r.nMessages > 1 {
				return newDecodeError(ReasonBodyShape, r.line(), 0, "Body holds more than one element (second: %s); MM7 carries exactly one message", qname(t.Name))
			}
			if err := r.message(t); err != nil {
				return err
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return newDecodeError(ReasonBodyShape, r.line(), 0, "text directly inside the Body")
			}
		case xml.EndElement:
			if r.nMessages == 0 {
				return newDecodeError(ReasonBodyShape, r.line(), 0, "Body holds no message element")
			}
			return nil
		}
	}
}

func (r *reader) message(start xml.StartElement) error {
	r.bodyLine = r.line()
	ns, local := start.Name.Space, start.Name.Local
	r.bodyNS = ns
	if ns == NamespaceSOAP && local == "Fault" {
		f, err := r.fault(start)
		if err != nil {
			return err
		}
		r.env.Message = f
		return nil
	}
	if err := r.flavour(ns, local); err != nil {
		return err
	}
	m := newMessage(Kind(local))
	if m == nil {
		if otherKinds[local] {
			return newDecodeError(ReasonOperation, r.bodyLine, 0, "%s is an MM7 operation the harness does not support", local)
		}
		return newDecodeError(ReasonOperation, r.bodyLine, 0, "%s is not an MM7 message", qname(start.Name))
	}
	if err := r.decodeInto(m, start); err != nil {
		return err
	}
	r.env.Message = m
	return nil
}

// flavour settles the version and release from the body's namespace.
func (r *reader) flavour(ns, local string) error {
	if !IsMM7Namespace(ns) {
		if ns == "" {
			return newDecodeError(ReasonNamespace, r.bodyLine, 0, "body element %s has no namespace; MM7 messages are namespace-qualified", local)
		}
		return newDecodeError(ReasonNamespace, r.bodyLine, 0, "body element %s is not in an MM7 namespace", qname(xml.Name{Space: ns, Local: local}))
	}
	v, rel, ok := FlavourFor(ns)
	if !ok {
		return newDecodeError(ReasonRelease, r.bodyLine, 0, "MM7 namespace %s is of a release the harness does not read (REL-5 and REL-6 only)", ns)
	}
	r.env.Release = rel
	r.env.Flavour = v
	switch {
	case !r.opts.Expect.IsZero() && v.Name != r.opts.Expect.Name:
		// QUIRK: Vibes' own 5.5.0 MO example uses the REL-6-MM7-1-4 namespace.
		r.deviate(DevNamespaceNotFlavour, r.bodyLine, "%s is in the %s namespace; expected the %s flavour (%s)", local, rel, r.opts.Expect.Name, r.opts.Expect.Release)
		r.env.Flavour = r.opts.Expect
	case rel != v.Release:
		r.deviate(DevNamespaceOtherRelease, r.bodyLine, "%s uses namespace %s; the %s flavour is %s", local, rel, v.Name, v.Release)
	}
	return nil
}

// deliverReqWire lets a DeliverReq carry the sender where Vibes' 5.5.0
// element table puts it.
type deliverReqWire struct {
	DeliverReq
	SenderIdentification *SenderIdentification `xml:"SenderIdentification"`
}

func (r *reader) decodeInto(m Message, start xml.StartElement) error {
	var target any = m
	var wire *deliverReqWire
	if _, ok := m.(*DeliverReq); ok {
		wire = &deliverReqWire{}
		target = wire
	}
	if err := r.d.DecodeElement(target, &start); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return r.malformed(err)
		}
		de := newDecodeError(ReasonContent, r.bodyLine, 0, "%s: %v", start.Name.Local, err)
		de.Err = err
		return de
	}
	if wire != nil {
		dr := m.(*DeliverReq)
		*dr = wire.DeliverReq
		if !dr.Sender.valid() && wire.SenderIdentification != nil && wire.SenderIdentification.SenderAddress != nil {
			// QUIRK: Vibes' element table for the 5.5.0 MO lists
			// SenderIdentification/SenderAddress (corpus quirk case); the
			// schema wants Sender.
			dr.Sender = *wire.SenderIdentification.SenderAddress
			r.deviate(DevDeliverSenderIdentification, r.bodyLine, "DeliverReq names its sender in SenderIdentification/SenderAddress, not Sender")
		}
	}
	return nil
}

func (r *reader) fault(start xml.StartElement) (*Fault, error) {
	f := &Fault{}
	for {
		t, err := r.token()
		if err != nil {
			return nil, r.unexpectedEnd(err, "Fault")
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "faultcode", "faultstring", "faultactor":
				var s string
				if err := r.d.DecodeElement(&s, &t); err != nil {
					return nil, r.malformed(err)
				}
				switch t.Name.Local {
				case "faultcode":
					f.Code = faultCode(strings.TrimSpace(s))
				case "faultstring":
					f.String = s
				default:
					f.Actor = s
				}
			case "detail":
				if err := r.faultDetail(f); err != nil {
					return nil, err
				}
			default:
				if err := r.skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			return f, nil
		}
	}
}

func (r *reader) faultDetail(f *Fault) error {
	for {
		t, err := r.token()
		if err != nil {
			return r.unexpectedEnd(err, "detail")
		}
		switch t := t.(type) {
		case xml.StartElement:
			k := Kind(t.Name.Local)
			if f.Detail != nil || !IsMM7Namespace(t.Name.Space) || (k != KindVASPErrorRsp && k != KindRSErrorRsp) {
				if err := r.skip(); err != nil {
					return err
				}
				continue
			}
			r.bodyNS = t.Name.Space
			r.bodyLine = r.line()
			if err := r.flavour(t.Name.Space, t.Name.Local); err != nil {
				return err
			}
			m := newMessage(k)
			if err := r.decodeInto(m, t); err != nil {
				return err
			}
			f.Detail = m
		case xml.EndElement:
			return nil
		}
	}
}

// faultCode keeps the local part of a SOAP-namespace fault code. The prefix
// cannot be resolved from text content with encoding/xml, so any prefix is
// taken to be the envelope's.
func faultCode(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		switch local := s[i+1:]; local {
		case "Client", "Server", "MustUnderstand", "VersionMismatch":
			return local
		}
	}
	return s
}

// finish applies the envelope-level rules once everything is read.
func (r *reader) finish() error {
	env := r.env
	if m := env.Message; m != nil && m.Kind() != KindFault {
		r.checkMM7Version(m)
		for _, d := range lexicalDates(m) {
			r.deviate(DevDateTimeLexical, r.bodyLine, "%s %q is not an xs:dateTime", d.field, d.value)
		}
	}
	if f, ok := env.Message.(*Fault); ok && f.Detail != nil {
		r.checkMM7Version(f.Detail)
	}
	switch len(r.tids) {
	case 0:
		if _, isFault := env.Message.(*Fault); isFault {
			return nil // a Fault answering a request without TransactionID has none to echo
		}
		return newDecodeError(ReasonTransactionID, 0, 0, "no MM7 TransactionID in the SOAP Header")
	case 1:
	default:
		return newDecodeError(ReasonTransactionID, r.tids[1].line, 0, "%d TransactionID entries in the SOAP Header; want one", len(r.tids))
	}
	t := r.tids[0]
	if env.Flavour.IsZero() {
		// A Fault without an MM7 detail: the header says which flavour.
		if v, rel, ok := FlavourFor(t.ns); ok {
			env.Flavour, env.Release = v, rel
		}
	}
	env.TransactionID = strings.TrimSpace(t.raw)
	if env.TransactionID == "" {
		return newDecodeError(ReasonTransactionID, t.line, 0, "TransactionID is empty")
	}
	if env.TransactionID != t.raw {
		r.deviate(DevTransactionIDSpace, t.line, "TransactionID %q has surrounding whitespace", t.raw)
	}
	if t.mustUnderstand != "1" {
		r.deviate(DevTransactionIDMustUnderstand, t.line, "TransactionID mustUnderstand is %q, Vibes sends \"1\"", t.mustUnderstand)
	}
	if r.bodyNS != "" && IsMM7Namespace(r.bodyNS) && t.ns != r.bodyNS {
		r.deviate(DevTransactionIDNamespace, t.line, "TransactionID is in %s, the message in %s", t.ns, r.bodyNS)
	}
	return nil
}

func (r *reader) checkMM7Version(m Message) {
	got := strings.TrimSpace(MM7VersionOf(m))
	if want := r.env.Flavour.MM7Version; got != want {
		r.deviate(DevMM7Version, r.bodyLine, "MM7Version is %q; the %s flavour carries %q", got, r.env.Flavour.Name, want)
	}
}

// checkDeclaration checks the XML declaration against its grammar (XML 1.0
// production 23): version, then optional encoding and standalone, each
// quoted with ' or ". encoding/xml accepts malformed declarations, libxml2
// does not.
func checkDeclaration(doc []byte) error {
	if !bytes.HasPrefix(doc, []byte("<?xml")) || (len(doc) > 5 && !isXMLSpace(doc[5])) {
		return nil
	}
	if !validDeclaration(doc[5:]) {
		return newDecodeError(ReasonMalformed, 1, 1, "malformed XML declaration")
	}
	return nil
}

func validDeclaration(s []byte) bool {
	attr := func(name string, value func([]byte) bool) (present, ok bool) {
		t := bytes.TrimLeft(s, " \t\r\n")
		if len(t) == len(s) || !bytes.HasPrefix(t, []byte(name)) {
			return false, true
		}
		t = bytes.TrimLeft(t[len(name):], " \t\r\n")
		if len(t) == 0 || t[0] != '=' {
			return true, false
		}
		t = bytes.TrimLeft(t[1:], " \t\r\n")
		if len(t) == 0 || (t[0] != '"' && t[0] != '\'') {
			return true, false
		}
		end := bytes.IndexByte(t[1:], t[0])
		if end < 0 || !value(t[1:1+end]) {
			return true, false
		}
		s = t[end+2:]
		return true, true
	}
	version := func(v []byte) bool {
		if len(v) < 3 || !bytes.HasPrefix(v, []byte("1.")) {
			return false
		}
		for _, c := range v[2:] {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	encName := func(v []byte) bool {
		if len(v) == 0 || !(v[0] >= 'A' && v[0] <= 'Z' || v[0] >= 'a' && v[0] <= 'z') {
			return false
		}
		for _, c := range v {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return true
	}
	yesNo := func(v []byte) bool { return string(v) == "yes" || string(v) == "no" }
	if present, ok := attr("version", version); !present || !ok {
		return false
	}
	if _, ok := attr("encoding", encName); !ok {
		return false
	}
	if _, ok := attr("standalone", yesNo); !ok {
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(s, " \t\r\n"), []byte("?>"))
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func attr(se xml.StartElement, space, local string) string {
	for _, a := range se.Attr {
		if a.Name.Space == space && a.Name.Local == local {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

func firstWord(b []byte) string {
	f := bytes.Fields(b)
	if len(f) == 0 {
		return ""
	}
	return string(f[0])
}
