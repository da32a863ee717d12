package swa

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http/httputil"
	"strconv"
	"strings"

	"github.com/mm7harness/mm7harness/harness/deviation"
)

// HTTPMessage is an HTTP/1.x request or response as stored in a file:
// start line, header fields, body. It is the corpus and transcript format.
type HTTPMessage struct {
	Request bool
	// Request line.
	Method, Target string
	// Status line.
	StatusCode int
	Reason     string

	Proto  string
	Header Header
	Body   []byte
	// BodyOffset is where the body starts in the bytes read, so positions in
	// the body can be given as positions in the file.
	BodyOffset int
	// ContentLength is the declared Content-Length, -1 when absent.
	ContentLength int64
	Deviations    []deviation.Deviation
}

// ReadHTTP parses a whole HTTP/1.x message. Lines may end in CRLF or LF. A
// chunked body is de-chunked. The body is everything after the header (a
// file holds one message), and a Content-Length that disagrees with it is
// recorded as DevContentLength; CheckContentLength turns that into an error.
func ReadHTTP(b []byte) (*HTTPMessage, error) {
	hdrEnd, bodyStart, ok := headerEnd(b, len(b))
	if !ok {
		hdrEnd, bodyStart = len(b), len(b)
	}
	head := b[:hdrEnd]
	first := head
	rest := []byte(nil)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		first, rest = head[:i], head[i+1:]
	}
	first = bytes.TrimRight(first, "\r")
	m := &HTTPMessage{Body: b[bodyStart:], BodyOffset: bodyStart, ContentLength: -1}
	if err := m.startLine(string(first)); err != nil {
		return nil, err
	}
	h, err := parseHeader(rest, "")
	if err != nil {
		return nil, newErr(ErrMalformedHTTP, "", "header: %v", err)
	}
	m.Header = h
	if bytes.Contains(head, []byte("\n")) && !bytes.Contains(head, []byte("\r\n")) {
		m.deviate(DevLFLineEndings, "HTTP header lines end in LF, not CRLF")
	}
	if strings.EqualFold(strings.TrimSpace(h.Get("Transfer-Encoding")), "chunked") {
		body, err := io.ReadAll(httputil.NewChunkedReader(bufio.NewReader(bytes.NewReader(m.Body))))
		if err != nil {
			return nil, newErr(ErrMalformedHTTP, "", "chunked body: %v", err)
		}
		m.Body = body
		m.BodyOffset = -1
		m.deviate(DevChunked, "body is chunked; Vibes sends Content-Length")
	}
	if v := h.Get("Content-Length"); v != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return nil, newErr(ErrMalformedHTTP, "", "Content-Length %q is not a number", v)
		}
		m.ContentLength = n
		if n != int64(len(m.Body)) {
			m.deviate(DevContentLength, "Content-Length says %d, the body has %d bytes", n, len(m.Body))
		}
	}
	return m, nil
}

func (m *HTTPMessage) deviate(id deviation.ID, format string, args ...any) {
	m.Deviations = append(m.Deviations, deviation.Deviation{ID: id, Detail: fmt.Sprintf(format, args...)})
}

func (m *HTTPMessage) startLine(line string) error {
	f := strings.Fields(line)
	switch {
	case len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/1."):
		code, err := strconv.Atoi(f[1])
		if err != nil || code < 100 || code > 999 {
			return newErr(ErrMalformedHTTP, "", "status line %q", line)
		}
		m.Proto, m.StatusCode = f[0], code
		m.Reason = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), f[0]+" "+f[1]))
	case len(f) == 3 && strings.HasPrefix(f[2], "HTTP/1.") && isToken(f[0]):
		m.Request, m.Method, m.Target, m.Proto = true, f[0], f[1], f[2]
	default:
		return newErr(ErrMalformedHTTP, "", "not an HTTP request or status line: %q", truncate([]byte(line), 80))
	}
	return nil
}

func isToken(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return s != ""
}

// CheckContentLength returns an error when the declared Content-Length
// disagrees with the body.
func (m *HTTPMessage) CheckContentLength() error {
	if m.ContentLength >= 0 && m.ContentLength != int64(len(m.Body)) {
		return newErr(ErrContentLength, "", "Content-Length %d, body %d bytes", m.ContentLength, len(m.Body))
	}
	return nil
}

// ContentType is the message's Content-Type header.
func (m *HTTPMessage) ContentType() string { return m.Header.Get("Content-Type") }

// LooksLikeHTTP reports whether b starts with an HTTP/1.x request or status
// line.
func LooksLikeHTTP(b []byte) bool {
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	f := strings.Fields(string(bytes.TrimRight(line, "\r")))
	return (len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/1.")) ||
		(len(f) == 3 && strings.HasPrefix(f[2], "HTTP/1.") && isToken(f[0]))
}
