package swa

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mm7harness/mm7harness/harness/deviation"
	"github.com/mm7harness/mm7harness/internal/defaults"
)

// Limits bound what Read accepts. Zero fields take the defaults.
type Limits struct {
	MaxBytes       int64 // the whole body
	MaxParts       int   // parts at every depth, multipart containers included
	MaxDepth       int   // multipart nesting; the top-level multipart is depth 1
	MaxHeaderBytes int   // one part's header block
}

// DefaultLimits suit MM7: carriers take MMS of up to 1-2 MB; the margins
// leave room for base64 overhead and odd handsets.
var DefaultLimits = Limits{MaxBytes: 16 << 20, MaxParts: 128, MaxDepth: 8, MaxHeaderBytes: 16 << 10}

func (l Limits) withDefaults() Limits {
	defaults.Fill(&l, DefaultLimits)
	return l
}

// ReadOptions configures Read.
type ReadOptions struct {
	Limits Limits
	// Diagnose reads as much as can be read, for tools that report every
	// problem: a multipart whose body uses another boundary than its header
	// declares is read with the body's (DevBoundaryRecovered), and a part
	// that cannot be decoded keeps its raw bytes; each such failure is listed
	// in Message.Problems. Off by default: both are errors.
	Diagnose bool
	// LenientBase64 decodes base64 as RFC 2045 section 6.8 tells decoders
	// to: characters outside the alphabet are ignored (and recorded as
	// DevBase64Lenient) rather than refused.
	LenientBase64 bool
	// Reserve, when set, is asked before the body's buffer grows by n
	// bytes; an error stops the read with that error. A server uses it to
	// bound the memory all its requests hold at once.
	Reserve func(n int64) error
	// SizeHint is the body's expected size (the HTTP Content-Length), so the
	// buffer is allocated once; 0 when unknown.
	SizeHint int64
}

// Part is one MIME entity. Leaf parts have Body; multipart parts have
// Parts.
type Part struct {
	// Path locates the part: "1" is the first top-level part, "2.1" the
	// first part inside the second. The message itself has path "".
	Path      string
	Header    Header
	RawHeader []byte // the header block as read, without its blank line

	MediaType       string // lower case, e.g. "text/xml"
	Params          map[string]string
	ContentID       string // without angle brackets
	ContentLocation string
	Encoding        string // Content-Transfer-Encoding, lower case; "" when absent

	Raw  []byte // the body as read, still encoded
	Body []byte // the decoded content of a leaf part

	Parts              []*Part
	Boundary           string
	Preamble, Epilogue []byte

	offset int // of Raw within the message body; -1 when not a slice of it
}

// IsMultipart reports whether p holds other parts.
func (p *Part) IsMultipart() bool { return strings.HasPrefix(p.MediaType, "multipart/") }

// Message is an MM7 HTTP body read into its parts.
type Message struct {
	// ContentType is the Content-Type the body came with.
	ContentType string
	// Top is the body as a part: a multipart container, or the single SOAP
	// part of a plain text/xml body.
	Top *Part
	// Root is the part holding the SOAP envelope.
	Root *Part
	// Deviations lists what the reader tolerated.
	Deviations []deviation.Deviation
	// Problems lists the errors a Diagnose read recovered from.
	Problems []error

	raw []byte
}

// SOAP returns the envelope's bytes (decoded, in their own charset).
func (m *Message) SOAP() []byte { return m.Root.Body }

// Charset is the root part's charset parameter, "" when it has none; it
// wins over the XML declaration (mm7.Decode takes it).
func (m *Message) Charset() string { return m.Root.Params["charset"] }

// Raw returns exactly the bytes that were read.
func (m *Message) Raw() []byte { return m.raw }

// RootOffset is the byte offset of the SOAP envelope within the body, or -1
// when the root was transfer-encoded and is not a slice of the body.
func (m *Message) RootOffset() int {
	if m.Root.Encoding == "base64" || m.Root.Encoding == "quoted-printable" {
		return -1
	}
	return m.Root.offset
}

// Attachments returns the top-level parts other than the root.
func (m *Message) Attachments() []*Part {
	var out []*Part
	for _, p := range m.Top.Parts {
		if p != m.Root {
			out = append(out, p)
		}
	}
	return out
}

// Walk visits every part below Top, depth first, in document order.
func (m *Message) Walk(visit func(*Part)) {
	var walk func(*Part)
	walk = func(p *Part) {
		for _, c := range p.Parts {
			visit(c)
			walk(c)
		}
	}
	walk(m.Top)
}

func (m *Message) deviate(id deviation.ID, format string, args ...any) {
	m.Deviations = append(m.Deviations, deviation.Deviation{ID: id, Detail: fmt.Sprintf(format, args...)})
}

// deviateOnce records id unless it is already recorded.
func (m *Message) deviateOnce(id deviation.ID, format string, args ...any) {
	if !deviation.Has(m.Deviations, id) {
		m.deviate(id, format, args...)
	}
}

// Read reads an MM7 HTTP body with the given Content-Type, enforcing the
// limits while reading.
func Read(contentType string, body io.Reader, opts ReadOptions) (*Message, error) {
	l := opts.Limits.withDefaults()
	if opts.SizeHint > l.MaxBytes {
		return nil, newErr(ErrTooLarge, "", "body of %d bytes exceeds %d", opts.SizeHint, l.MaxBytes)
	}
	buf, err := readAll(io.LimitReader(body, l.MaxBytes+1), opts.SizeHint, opts.Reserve)
	if err != nil {
		return nil, fmt.Errorf("swa: reading body: %w", err)
	}
	if int64(len(buf)) > l.MaxBytes {
		return nil, newErr(ErrTooLarge, "", "body exceeds %d bytes", l.MaxBytes)
	}
	return ReadBytes(contentType, buf, opts)
}

// firstRead is what readAll allocates before any byte has arrived: a
// declared size is a promise, and memory follows the bytes that come.
const firstRead = 32 << 10

// readAll reads r to its end into a buffer that grows as bytes arrive:
// fourfold each time it fills, and straight to hint+1 once that is less
// than twice the next step, so an honest size costs a few small steps and
// no slack, and a lying one at most eight times what was really sent.
func readAll(r io.Reader, hint int64, reserve func(int64) error) ([]byte, error) {
	next := func(have int) int {
		if hint <= 0 || int64(have) > hint {
			return max(2*have, firstRead)
		}
		n := max(4*have, firstRead)
		if int64(2*n) > hint {
			n = int(hint + 1)
		}
		return n
	}
	grow := func(have []byte, to int) ([]byte, error) {
		if reserve != nil {
			if err := reserve(int64(to - cap(have))); err != nil {
				return have, err
			}
		}
		grown := make([]byte, len(have), to)
		copy(grown, have)
		return grown, nil
	}
	buf, err := grow(nil, next(0))
	if err != nil {
		return nil, err
	}
	for {
		if len(buf) == cap(buf) {
			if buf, err = grow(buf, next(cap(buf))); err != nil {
				return buf, err
			}
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// ReadBytes is Read on a body already in memory. The message keeps slices
// of buf: buf must not change while the message is in use.
func ReadBytes(contentType string, buf []byte, opts ReadOptions) (*Message, error) {
	r := &reader{opts: opts, lim: opts.Limits.withDefaults()}
	if int64(len(buf)) > r.lim.MaxBytes {
		return nil, newErr(ErrTooLarge, "", "body is %d bytes, limit %d", len(buf), r.lim.MaxBytes)
	}
	m := &Message{ContentType: contentType, raw: buf}
	r.m = m
	media, params, lenient := ParseContentType(contentType)
	if lenient {
		m.deviate(DevContentTypeLenient, "Content-Type %q read leniently", contentType)
	}
	if media == "" {
		return nil, newErr(ErrContentType, "", "no Content-Type")
	}
	top := &Part{Header: Header{{"Content-Type", contentType}}, MediaType: media, Params: params, Raw: buf, Body: buf}
	m.Top = top
	if top.IsMultipart() {
		if err := r.multipart(top, 1); err != nil {
			return nil, err
		}
		if err := r.chooseRoot(); err != nil {
			return nil, err
		}
	} else {
		m.Root = top
	}
	if rt := m.Root.MediaType; rt != "text/xml" {
		m.deviate(DevRootNotTextXML, "SOAP part is %s; SOAP 1.1 travels as text/xml", rt)
	}
	return m, nil
}

type reader struct {
	m     *Message
	opts  ReadOptions
	lim   Limits
	parts int
}

func (r *reader) chooseRoot() error {
	top, m := r.m.Top, r.m
	if len(top.Parts) == 0 {
		return newErr(ErrNoRoot, "", "multipart holds no parts")
	}
	if top.MediaType == "multipart/related" && top.Params["type"] == "" {
		m.deviate(DevRelatedNoType, "multipart/related without a type parameter")
	}
	start, ok := top.Params["start"]
	if !ok {
		m.Root = top.Parts[0] // RFC 2387: without start, the root is the first part
		return nil
	}
	if s := strings.TrimSpace(start); !(strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">")) {
		m.deviate(DevStartUnbracketed, "start=%q has no angle brackets", start)
	}
	id := NormalizeID(start)
	for _, p := range top.Parts {
		if p.ContentID == id {
			m.Root = p
			return nil
		}
	}
	m.deviate(DevStartNotFound, "start=%q names no part; the first part is taken as root", start)
	m.Root = top.Parts[0]
	return nil
}

// delimiter is one boundary line found in a multipart body.
type delimiter struct {
	start int  // index of the line's first byte ("--")
	end   int  // index just past the line's newline
	close bool // "--boundary--"
	lf    bool // the line ends in LF alone
}

// findDelimiters lists the boundary lines of body. A delimiter line is
// "--" boundary, then "--" for the close delimiter, then optional white
// space, then the end of line (RFC 2046 section 5.1.1); it must start a line.
func findDelimiters(body []byte, boundary string) []delimiter {
	var out []delimiter
	dash := []byte("--" + boundary)
	pos := 0
	for pos <= len(body) {
		i := bytes.Index(body[pos:], dash)
		if i < 0 {
			break
		}
		i += pos
		pos = i + 1
		if i > 0 && body[i-1] != '\n' {
			continue
		}
		j := i + len(dash)
		d := delimiter{start: i}
		if bytes.HasPrefix(body[j:], []byte("--")) {
			d.close = true
			j += 2
		}
		for j < len(body) && (body[j] == ' ' || body[j] == '\t') {
			j++
		}
		switch {
		case j == len(body):
			d.end = j
		case body[j] == '\n':
			d.end, d.lf = j+1, true
		case body[j] == '\r' && j+1 < len(body) && body[j+1] == '\n':
			d.end = j + 2
		case d.close:
			// Anything after a close delimiter is epilogue, even on its line.
			d.end = j
		default:
			continue // a longer boundary that merely starts with this one
		}
		out = append(out, d)
		pos = d.end
		if d.close {
			break
		}
	}
	return out
}

// lineBefore returns the end of the content preceding a delimiter at i:
// the CRLF or LF before the delimiter belongs to it.
func lineBefore(body []byte, i int) int {
	if i > 0 && body[i-1] == '\n' {
		i--
		if i > 0 && body[i-1] == '\r' {
			i--
		}
	}
	return i
}

func (r *reader) multipart(p *Part, depth int) error {
	if depth > r.lim.MaxDepth {
		return newErr(ErrTooDeep, p.Path, "multipart nested %d deep, limit %d", depth, r.lim.MaxDepth)
	}
	boundary := p.Params["boundary"]
	if boundary == "" {
		return newErr(ErrNoBoundary, p.Path, "%s has no boundary parameter", p.MediaType)
	}
	body := p.Body
	delims := findDelimiters(body, boundary)
	if len(delims) == 0 {
		found := bodyBoundary(body)
		msg := fmt.Sprintf("boundary %q declared in the Content-Type does not occur in the body", boundary)
		if found != "" {
			msg += fmt.Sprintf(" (the body uses %q)", found)
		}
		mismatch := newErr(ErrBoundaryMismatch, p.Path, "%s", msg)
		if found == "" || !r.opts.Diagnose {
			return mismatch
		}
		r.m.Problems = append(r.m.Problems, mismatch)
		r.m.deviate(DevBoundaryRecovered, "part %q: header boundary %q, body boundary %q used", p.Path, boundary, found)
		boundary = found
		delims = findDelimiters(body, boundary)
	}
	p.Boundary = boundary
	p.Preamble = body[:lineBefore(body, delims[0].start)]
	last := delims[len(delims)-1]
	if !last.close {
		r.m.deviateOnce(DevUnterminated, "part %q: multipart has no close delimiter", p.Path)
	} else {
		p.Epilogue = body[last.end:]
	}
	for k, d := range delims {
		if d.lf {
			r.m.deviateOnce(DevLFLineEndings, "multipart lines end in LF, not CRLF")
		}
		if d.close {
			break
		}
		end := len(body)
		if k+1 < len(delims) {
			end = lineBefore(body, delims[k+1].start)
		}
		if end < d.end {
			end = d.end
		}
		path := fmt.Sprint(len(p.Parts) + 1)
		if p.Path != "" {
			path = p.Path + "." + path
		}
		off := -1
		if p.offset >= 0 {
			off = p.offset + d.end
		}
		child, err := r.part(body[d.end:end], off, path, depth)
		if err != nil {
			return err
		}
		p.Parts = append(p.Parts, child)
	}
	return nil
}

// bodyBoundary guesses the boundary a multipart body really uses: its
// first line that starts with "--".
func bodyBoundary(body []byte) string {
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimRight(line, "\r \t")
		if bytes.HasPrefix(line, []byte("--")) && len(line) > 2 {
			return string(bytes.TrimSuffix(line[2:], []byte("--")))
		}
	}
	return ""
}

// headerEnd finds the blank line ending a header block within the first
// limit bytes: it returns the block's length and where the body starts.
func headerEnd(seg []byte, limit int) (hdr, body int, ok bool) {
	window := seg
	if len(window) > limit+4 {
		window = window[:limit+4]
	}
	if len(window) > 0 && window[0] == '\n' {
		return 0, 1, true
	}
	if bytes.HasPrefix(window, []byte("\r\n")) {
		return 0, 2, true
	}
	crlf := bytes.Index(window, []byte("\r\n\r\n"))
	lf := bytes.Index(window, []byte("\n\n"))
	switch {
	case crlf >= 0 && (lf < 0 || crlf+1 <= lf):
		return crlf, crlf + 4, true
	case lf >= 0:
		if lf > 0 && window[lf-1] == '\r' { // "\r\n\n"
			return lf - 1, lf + 2, true
		}
		return lf, lf + 2, true
	}
	return 0, 0, false
}

func (r *reader) part(seg []byte, offset int, path string, depth int) (*Part, error) {
	r.parts++
	if r.parts > r.lim.MaxParts {
		return nil, newErr(ErrTooManyParts, path, "more than %d parts", r.lim.MaxParts)
	}
	hdrLen, bodyStart, ok := headerEnd(seg, r.lim.MaxHeaderBytes)
	if !ok {
		if len(seg) > r.lim.MaxHeaderBytes {
			return nil, newErr(ErrHeaderTooLarge, path, "no end of header within %d bytes", r.lim.MaxHeaderBytes)
		}
		hdrLen, bodyStart = len(seg), len(seg) // a header with no body
	}
	if hdrLen > r.lim.MaxHeaderBytes {
		return nil, newErr(ErrHeaderTooLarge, path, "header is %d bytes, limit %d", hdrLen, r.lim.MaxHeaderBytes)
	}
	h, err := parseHeader(seg[:hdrLen], path)
	if err != nil {
		return nil, err
	}
	p := &Part{Path: path, Header: h, RawHeader: seg[:hdrLen], Raw: seg[bodyStart:], offset: -1}
	if offset >= 0 {
		p.offset = offset + bodyStart
	}
	ct := strings.TrimSpace(h.Get("Content-Type"))
	if ct == "" {
		ct = "text/plain; charset=us-ascii" // RFC 2045 section 5.2: absent or blank
	}
	media, params, lenient := ParseContentType(ct)
	if lenient {
		r.m.deviate(DevContentTypeLenient, "part %s: Content-Type %q read leniently", path, ct)
	}
	p.MediaType, p.Params = media, params
	if cid := h.Get("Content-ID"); cid != "" {
		p.ContentID = NormalizeID(cid)
		if c := strings.TrimSpace(cid); !(strings.HasPrefix(c, "<") && strings.HasSuffix(c, ">")) {
			// QUIRK: Vibes' MO capture (seed example A) sends a bare SAAJ id
			// "549710183.1414695261747.sun-soap.jeetumac.local".
			r.m.deviateOnce(DevContentIDBare, "part %s: Content-ID %q has no angle brackets", path, cid)
		}
	}
	p.ContentLocation = strings.TrimSpace(h.Get("Content-Location"))
	p.Encoding = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	p.Body, err = r.decode(p)
	if err != nil {
		if !r.opts.Diagnose {
			return nil, err
		}
		r.m.Problems = append(r.m.Problems, err)
		p.Body = p.Raw
	}
	if p.IsMultipart() {
		if p.Encoding != "" && p.Encoding != "7bit" && p.Encoding != "8bit" && p.Encoding != "binary" {
			p.offset = -1 // nested parts are slices of the decoded body, not of the message
		}
		if err := r.multipart(p, depth+1); err != nil {
			return nil, err
		}
	}
	return p, nil
}
