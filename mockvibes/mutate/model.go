// Package mutate makes structure-aware mutants of MM7 requests: it reads
// a request into its layers (HTTP head, MIME parts, the SOAP document),
// applies named operations to one layer each, and writes the request
// back. A mutant is its seed and a list of operations with their
// arguments, so the same list always builds the same bytes, and a list
// with operations dropped builds the mutant without them: what a
// minimised finding needs.
package mutate

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// Field is one header line as written: its name and its raw value,
// everything after the colon (the space before it, and a folded value's
// CRLF and whitespace, included).
type Field struct {
	Name, Value string
}

// Part is one MIME body part.
type Part struct {
	Header []Field
	Body   []byte
}

// Message is a request taken apart. Operations change it; Render puts it
// back together.
type Message struct {
	RequestLine string
	Header      []Field
	// Multipart bodies: Boundary is what the delimiters use (the
	// Content-Type's parameter is a header value like any other), Parts
	// the parts, SOAP the index of the SOAP part.
	Multipart bool
	Boundary  string
	Preamble  []byte
	Parts     []*Part
	Epilogue  []byte
	NoClose   bool // the close delimiter is left out
	SOAP      int
	// Body is the whole body of a request that is not multipart.
	Body []byte

	// Framing, applied by Render: Length is the Content-Length written
	// (LengthAuto: the body's; LengthNone: none), Chunk a chunk size (0:
	// not chunked), CutHead and CutBody cut the bytes sent (0: none), the
	// head within its length, the body to that many bytes while the head
	// still declares it whole.
	Length  int
	Chunk   int
	CutHead int
	CutBody int
	// BadChunk writes a chunk size line that is not hexadecimal.
	BadChunk bool

	// seedDoc and seedEls are the SOAP document as parsed and its
	// elements, shared read-only by every clone.
	seedDoc []byte
	seedEls []element
}

// Length values that are not a length.
const (
	LengthAuto = -1
	LengthNone = -2
)

// ErrNotRequest is Parse's error for bytes that are not an HTTP request
// with a body.
var ErrNotRequest = errors.New("mutate: not an HTTP request with a head and a body")

// Parse takes a request apart. A multipart body is split on the boundary
// its Content-Type names; the SOAP part is the one start names, or the
// first.
func Parse(raw []byte) (*Message, error) {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return nil, ErrNotRequest
	}
	lines := strings.Split(string(head), "\r\n")
	m := &Message{RequestLine: lines[0], Length: LengthAuto}
	m.Header = parseFields(lines[1:])
	ct := m.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		m.Body = bytes.Clone(body)
		m.remember()
		return m, nil
	}
	m.Multipart, m.Boundary = true, params["boundary"]
	if err := m.split(body); err != nil {
		return nil, err
	}
	if start := strings.Trim(params["start"], "<>"); start != "" {
		for i, p := range m.Parts {
			if strings.Trim(partGet(p.Header, "Content-ID"), "<> ") == start {
				m.SOAP = i
			}
		}
	}
	m.remember()
	return m, nil
}

// remember keeps the SOAP document as parsed, and its elements.
func (m *Message) remember() {
	if doc := m.SOAPPart(); doc != nil {
		m.seedDoc = bytes.Clone(*doc)
		m.seedEls = closed(elements(m.seedDoc))
	}
}

func parseFields(lines []string) []Field {
	var out []Field
	for _, l := range lines {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += "\r\n" + l
			continue
		}
		name, value, _ := strings.Cut(l, ":")
		out = append(out, Field{Name: name, Value: value})
	}
	return out
}

// split reads the parts of a multipart body.
func (m *Message) split(body []byte) error {
	delim := []byte("--" + m.Boundary)
	first := bytes.Index(body, delim)
	if first < 0 {
		return fmt.Errorf("mutate: no delimiter for boundary %q", m.Boundary)
	}
	m.Preamble = bytes.Clone(body[:first])
	rest := body[first+len(delim):]
	sep := append([]byte("\r\n"), delim...)
	for {
		if bytes.HasPrefix(rest, []byte("--")) {
			m.Epilogue = bytes.Clone(rest[2:])
			return nil
		}
		rest = bytes.TrimPrefix(rest, []byte("\r\n"))
		end := bytes.Index(rest, sep)
		if end < 0 {
			m.NoClose = true
			m.Parts = append(m.Parts, readPart(rest))
			return nil
		}
		m.Parts = append(m.Parts, readPart(rest[:end]))
		rest = rest[end+len(sep):]
	}
}

func readPart(b []byte) *Part {
	head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		return &Part{Body: bytes.Clone(b)}
	}
	return &Part{Header: parseFields(strings.Split(string(head), "\r\n")), Body: bytes.Clone(body)}
}

// Clone returns a deep copy, for operations to change.
func (m *Message) Clone() *Message {
	c := *m
	c.Header = append([]Field(nil), m.Header...)
	c.Preamble, c.Epilogue, c.Body = bytes.Clone(m.Preamble), bytes.Clone(m.Epilogue), bytes.Clone(m.Body)
	c.Parts = make([]*Part, len(m.Parts))
	for i, p := range m.Parts {
		c.Parts[i] = &Part{Header: append([]Field(nil), p.Header...), Body: bytes.Clone(p.Body)}
	}
	return &c
}

// Get returns the value of the first header field of that name.
func (m *Message) Get(name string) string { return partGet(m.Header, name) }

func partGet(h []Field, name string) string {
	for _, f := range h {
		if strings.EqualFold(strings.TrimSpace(f.Name), name) {
			return strings.TrimSpace(f.Value)
		}
	}
	return ""
}

// set replaces the first field of that name, or adds one.
func set(h []Field, name, value string) []Field {
	for i, f := range h {
		if strings.EqualFold(strings.TrimSpace(f.Name), name) {
			h[i].Value = " " + value
			return h
		}
	}
	return append(h, Field{Name: name, Value: " " + value})
}

// SOAPPart is the SOAP document's bytes: the SOAP part's body, or the
// whole body. It is nil for a multipart with no parts.
func (m *Message) SOAPPart() *[]byte {
	if !m.Multipart {
		return &m.Body
	}
	if m.SOAP >= len(m.Parts) {
		return nil
	}
	return &m.Parts[m.SOAP].Body
}

// Rendered is a request as bytes: Wire is what is sent, Delivered the
// body a server reading by the head's framing would get (nil when the
// head does not frame it: cut, chunked wrongly), ContentType the head's.
// Short says the request ends before its framing does: the sender closes
// its side after it, so that the server sees the end.
type Rendered struct {
	Wire        []byte
	Delivered   []byte
	ContentType string
	Short       bool
}

// Render writes the message back.
func (m *Message) Render() Rendered {
	body := m.renderBody()
	var head bytes.Buffer
	head.WriteString(m.RequestLine)
	head.WriteString("\r\n")
	length, chunked := m.Length, m.Chunk > 0 || m.BadChunk
	for _, f := range m.Header {
		switch strings.ToLower(strings.TrimSpace(f.Name)) {
		case "content-length":
			if length == LengthNone || chunked {
				continue
			}
			v := f.Value
			if length == LengthAuto {
				v = " " + strconv.Itoa(len(body))
			} else if !strings.ContainsAny(v, "\r,") {
				v = " " + strconv.Itoa(length)
			}
			fmt.Fprintf(&head, "%s:%s\r\n", f.Name, v)
			continue
		case "transfer-encoding":
			if chunked {
				continue
			}
		}
		fmt.Fprintf(&head, "%s:%s\r\n", f.Name, f.Value)
	}
	if chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n")
	} else if length != LengthNone && m.Get("Content-Length") == "" {
		n := length
		if n == LengthAuto {
			n = len(body)
		}
		fmt.Fprintf(&head, "Content-Length: %d\r\n", n)
	}
	head.WriteString("\r\n")
	r := Rendered{ContentType: m.Get("Content-Type")}
	declared := len(body)
	switch {
	case chunked:
		r.Delivered = body
		body = chunk(body, m.Chunk, m.BadChunk)
		if m.BadChunk {
			r.Delivered = nil
		}
	case length >= 0 && length <= len(body):
		r.Delivered, declared = body[:length], length
	case length >= 0:
		r.Delivered, declared, r.Short = nil, length, true
	case length == LengthNone:
		r.Delivered = []byte{}
	default:
		r.Delivered = body
	}
	wireHead := head.Bytes()
	if m.CutHead > 0 && m.CutHead < len(wireHead) {
		r.Wire, r.Delivered, r.Short = bytes.Clone(wireHead[:m.CutHead]), nil, true
		return r
	}
	if m.CutBody > 0 && m.CutBody < len(body) && !chunked {
		body = body[:m.CutBody]
		if declared > len(body) {
			r.Short, r.Delivered = true, nil
		}
	}
	r.Wire = append(bytes.Clone(wireHead), body...)
	return r
}

func (m *Message) renderBody() []byte {
	if !m.Multipart {
		return m.Body
	}
	var b bytes.Buffer
	b.Write(m.Preamble)
	for _, p := range m.Parts {
		b.WriteString("--" + m.Boundary + "\r\n")
		for _, f := range p.Header {
			fmt.Fprintf(&b, "%s:%s\r\n", f.Name, f.Value)
		}
		b.WriteString("\r\n")
		b.Write(p.Body)
		b.WriteString("\r\n")
	}
	if !m.NoClose {
		b.WriteString("--" + m.Boundary + "--")
		b.Write(m.Epilogue)
	}
	return b.Bytes()
}

// chunk writes body in chunks of n bytes (the last may be shorter), with
// the zero chunk at the end; bad writes the first size line in letters no
// parser can read as hexadecimal.
func chunk(body []byte, n int, bad bool) []byte {
	if n <= 0 {
		n = 4096
	}
	var b bytes.Buffer
	for i := 0; i < len(body); i += n {
		end := min(i+n, len(body))
		if bad && i == 0 {
			b.WriteString("zz\r\n")
		} else {
			fmt.Fprintf(&b, "%x\r\n", end-i)
		}
		b.Write(body[i:end])
		b.WriteString("\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}
