package swa

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"sync/atomic"
	"time"
)

// Style is how a written message looks.
type Style int

const (
	// StyleVibes writes as Vibes' MO capture does: multipart/related with
	// type="text/xml" and no start, JavaMail boundaries ("----=_Part_1_
	// 2045721805.1414695261749"), the SOAP part first as "text/xml;
	// charset=utf-8" in 8bit with a bare "Content-Id".
	StyleVibes Style = iota
	// StyleStrict writes SOAP with attachments by the book: a start
	// parameter naming the root and bracketed Content-IDs.
	StyleStrict
)

func (s Style) String() string {
	if s == StyleStrict {
		return "strict"
	}
	return "vibes"
}

// rootID is the Content-ID New gives the SOAP part.
func (s Style) rootID() string {
	if s == StyleStrict {
		return "<soap-envelope@mm7harness>"
	}
	// Shaped like the SAAJ id of Vibes' capture: number.millis.sun-soap.host.
	return fmt.Sprintf("%d.%d.sun-soap.mm7harness", randUint32()%1000000000, time.Now().UnixMilli())
}

// New builds a message in style s: the SOAP envelope (UTF-8) as the root
// part, then the attachments.
func New(s Style, soap []byte, attachments ...*Part) *Message {
	idName := "Content-Id"
	if s == StyleStrict {
		idName = "Content-ID"
	}
	root := NewPart("text/xml; charset=utf-8", "8bit", soap)
	root.Header = append(root.Header, Field{idName, s.rootID()})
	root.ContentID = NormalizeID(root.Header.Get("Content-ID"))
	ct := `multipart/related; type="text/xml"`
	if s == StyleStrict {
		ct += `; start="` + root.Header.Get("Content-ID") + `"`
	}
	top := NewMultipart(ct, append([]*Part{root}, attachments...)...)
	return &Message{ContentType: ct, Top: top, Root: root}
}

// NewPart builds a leaf part. encoding is its Content-Transfer-Encoding
// ("" to leave the header out); body is the decoded content. Further header
// fields can be appended to Header; set ContentID with SetContentID.
func NewPart(contentType, encoding string, body []byte) *Part {
	p := &Part{Body: body, offset: -1}
	p.Header = Header{{"Content-Type", contentType}}
	if encoding != "" {
		p.Header = append(p.Header, Field{"Content-Transfer-Encoding", encoding})
	}
	p.MediaType, p.Params, _ = ParseContentType(contentType)
	p.Encoding = strings.ToLower(encoding)
	return p
}

// NewMultipart builds a multipart part; the writer adds the boundary.
func NewMultipart(contentType string, parts ...*Part) *Part {
	p := NewPart(contentType, "", nil)
	p.Parts = parts
	return p
}

// SetContentID sets the part's Content-ID header to id exactly as given
// (with or without brackets) and returns p.
func (p *Part) SetContentID(id string) *Part {
	p.Header.Set("Content-ID", id)
	p.ContentID = NormalizeID(id)
	return p
}

// SetContentLocation sets the Content-Location header and returns p.
func (p *Part) SetContentLocation(loc string) *Part {
	p.Header.Set("Content-Location", loc)
	p.ContentLocation = loc
	return p
}

// Writer writes messages.
type Writer struct {
	Style Style
	// Boundary makes a boundary for each multipart; nil uses the style's,
	// with fresh randomness. Tests set it for reproducible bytes.
	Boundary func() string
}

var partCounter atomic.Int64

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

func (w Writer) boundary() string {
	if w.Boundary != nil {
		return w.Boundary()
	}
	if w.Style == StyleStrict {
		var b [16]byte
		_, _ = rand.Read(b[:])
		return "MIMEBoundary_" + hex.EncodeToString(b[:])
	}
	// JavaMail: "----=_Part_" counter "_" hashCode "." currentTimeMillis.
	return fmt.Sprintf("----=_Part_%d_%d.%d", partCounter.Add(1), randUint32()%2147483647, time.Now().UnixMilli())
}

// Write serialises m.Top and returns the HTTP Content-Type and body. Every
// multipart gets a boundary that occurs nowhere in its content; part bodies
// are encoded by their Content-Transfer-Encoding; lines end in CRLF.
func (w Writer) Write(m *Message) (contentType string, body []byte, err error) {
	var buf bytes.Buffer
	top := m.Top
	if !top.IsMultipart() {
		if err := w.writeBody(&buf, top); err != nil {
			return "", nil, err
		}
		return top.Header.Get("Content-Type"), buf.Bytes(), nil
	}
	ct, err := w.writeMultipart(&buf, top)
	if err != nil {
		return "", nil, err
	}
	return ct, buf.Bytes(), nil
}

// writeMultipart writes p's parts and returns p's Content-Type with the
// boundary it chose.
func (w Writer) writeMultipart(buf *bytes.Buffer, p *Part) (string, error) {
	var inner bytes.Buffer
	var b string
	for try := 0; ; try++ {
		inner.Reset()
		b = w.boundary()
		if try == 0 && p.Boundary != "" {
			b = p.Boundary
		}
		if err := w.writeParts(&inner, p, b); err != nil {
			return "", err
		}
		if !containsDelimiter(inner.Bytes(), b, len(p.Parts)) {
			break
		}
		if try == 10 {
			return "", fmt.Errorf("swa: part %q: no boundary avoids the content", p.Path)
		}
	}
	buf.Write(inner.Bytes())
	return withParam(p.Header.Get("Content-Type"), "boundary", b), nil
}

// containsDelimiter reports whether content holds more delimiter lines for
// boundary than the n+1 the writer put there.
func containsDelimiter(content []byte, boundary string, n int) bool {
	return len(findDelimiters(content, boundary)) != n+1 || bytes.Count(content, []byte("--"+boundary)) != n+1
}

func (w Writer) writeParts(buf *bytes.Buffer, p *Part, boundary string) error {
	if len(p.Preamble) > 0 {
		buf.Write(p.Preamble)
		buf.WriteString("\r\n")
	}
	for _, c := range p.Parts {
		buf.WriteString("--" + boundary + "\r\n")
		var body bytes.Buffer
		header := c.Header
		if c.IsMultipart() {
			ct, err := w.writeMultipart(&body, c)
			if err != nil {
				return err
			}
			header = append(Header(nil), c.Header...)
			header.Set("Content-Type", ct)
		} else if err := w.writeBody(&body, c); err != nil {
			return err
		}
		for _, f := range header {
			if w.Style == StyleStrict && strings.EqualFold(f.Name, "Content-ID") {
				f = Field{"Content-ID", "<" + NormalizeID(f.Value) + ">"} // strict SwA: every ID bracketed
			}
			buf.WriteString(f.Name + ": " + f.Value + "\r\n")
		}
		buf.WriteString("\r\n")
		buf.Write(body.Bytes())
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + boundary + "--\r\n")
	buf.Write(p.Epilogue)
	return nil
}

func (w Writer) writeBody(buf *bytes.Buffer, p *Part) error {
	switch p.Encoding {
	case "base64":
		enc := base64.StdEncoding.EncodeToString(p.Body)
		for len(enc) > 76 {
			buf.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		buf.WriteString(enc)
	case "quoted-printable":
		qp := quotedprintable.NewWriter(buf)
		// Text mode writes every line break as CRLF; a body with bare LF or
		// CR would come back changed, so it is written in binary mode.
		qp.Binary = !crlfOnly(p.Body)
		if _, err := qp.Write(p.Body); err != nil {
			return err
		}
		return qp.Close()
	default:
		buf.Write(p.Body)
	}
	return nil
}

// crlfOnly reports whether every CR and LF in b is part of a CRLF.
func crlfOnly(b []byte) bool {
	for i, c := range b {
		switch c {
		case '\r':
			if i+1 >= len(b) || b[i+1] != '\n' {
				return false
			}
		case '\n':
			if i == 0 || b[i-1] != '\r' {
				return false
			}
		}
	}
	return true
}

// withParam sets one parameter of a Content-Type value, keeping the others
// in their order and quoting every value.
func withParam(ct, name, value string) string {
	media, params := splitOrdered(ct)
	var b strings.Builder
	b.WriteString(media)
	set := false
	for _, kv := range params {
		v := kv[1]
		if strings.EqualFold(kv[0], name) {
			v, set = value, true
		}
		b.WriteString("; " + kv[0] + "=" + quote(v))
	}
	if !set {
		b.WriteString("; " + name + "=" + quote(value))
	}
	return b.String()
}

func splitOrdered(ct string) (string, [][2]string) {
	parts := splitParams(ct)
	var out [][2]string
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
		}
		out = append(out, [2]string{strings.TrimSpace(k), v})
	}
	return strings.TrimSpace(parts[0]), out
}

func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
