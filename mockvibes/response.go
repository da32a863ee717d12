package mockvibes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"syscall"

	"github.com/mm7harness/mm7harness/internal/defaults"
)

// An endpoint's answer is read by hand, not by net/http: what it sends is
// hostile until proven otherwise, so every part of it is bounded by what
// the harness configured, not by what the endpoint declares, and the
// exact bytes are kept for the report.

// ResponseLimits bound how much of an answer is read and kept.
type ResponseLimits struct {
	// MaxHeaderBytes bounds one response's status line and header block.
	MaxHeaderBytes int
	// MaxBody bounds the body kept; the rest is not read (the connection
	// is closed instead) and the answer is marked truncated.
	MaxBody int
	// MaxInterim bounds the 1xx responses skipped before the final one.
	MaxInterim int
}

// DefaultResponseLimits suit MM7 answers, which are a few hundred bytes:
// a DeliverRsp or a Fault.
var DefaultResponseLimits = ResponseLimits{MaxHeaderBytes: 64 << 10, MaxBody: 1 << 20, MaxInterim: 16}

func (l ResponseLimits) withDefaults() ResponseLimits {
	defaults.Fill(&l, DefaultResponseLimits)
	return l
}

// errHeaderTooLarge is an answer whose header block passes the limit.
var errHeaderTooLarge = errors.New("response header block larger than the limit")

// response is one final answer as read.
type response struct {
	status  int
	header  http.Header
	interim []int // 1xx statuses skipped, in order
	raw     []byte
	body    []byte // the body, de-chunked; for other framings a slice of raw
	// truncated: the body passed MaxBody and was not read in full.
	truncated bool
	// closes: the endpoint ends the connection with this answer
	// (Connection: close, an HTTP/1.0 answer without keep-alive, or a body
	// delimited by the close). A truncated answer's connection cannot be
	// reused either, but that is the harness's doing.
	closes bool
}

// readResponse reads the final answer to a request: interim 1xx responses
// are skipped (RFC 9110 section 15.2), every byte read is kept in raw. A
// non-nil error means there is no complete answer; raw still holds what
// came, and status is set when the status line did.
func readResponse(br *bufio.Reader, lim ResponseLimits) (*response, error) {
	lim = lim.withDefaults()
	rsp := &response{}
	var raw bytes.Buffer
	bodyStart, chunked := 0, false
	var data bytes.Buffer
	defer func() {
		rsp.raw = raw.Bytes()
		switch {
		case chunked:
			rsp.body = data.Bytes()
		case bodyStart > 0 && bodyStart <= len(rsp.raw):
			rsp.body = rsp.raw[bodyStart:]
		}
	}()
	for {
		status, header, proto, err := readHead(br, &raw, lim.MaxHeaderBytes)
		rsp.status, rsp.header = status, header
		if err != nil {
			return rsp, err
		}
		if status >= 200 || status == http.StatusSwitchingProtocols {
			rsp.closes = closes(proto, header)
			break
		}
		rsp.interim = append(rsp.interim, status)
		if len(rsp.interim) > lim.MaxInterim {
			return rsp, fmt.Errorf("more than %d interim (1xx) responses", lim.MaxInterim)
		}
	}
	var err error
	bodyStart = raw.Len()
	switch {
	case !bodyAllowed(rsp.status):
	case strings.EqualFold(lastToken(rsp.header.Get("Transfer-Encoding")), "chunked"):
		chunked = true
		rsp.truncated, err = readChunked(br, &raw, &data, lim.MaxBody)
	case rsp.header.Get("Content-Length") != "":
		n, perr := strconv.ParseInt(strings.TrimSpace(rsp.header.Get("Content-Length")), 10, 64)
		if perr != nil || n < 0 || len(rsp.header.Values("Content-Length")) > 1 {
			return rsp, fmt.Errorf("unusable Content-Length %q", rsp.header.Values("Content-Length"))
		}
		keep := min(n, int64(lim.MaxBody))
		got, rerr := io.CopyN(&raw, br, keep)
		switch {
		case rerr != nil:
			err = fmt.Errorf("the body stopped after %d of its %d bytes: %w", got, n, eof(rerr))
		case n > keep:
			rsp.truncated = true
		}
	default:
		// RFC 9112 section 6.3: a body without a length ends when the
		// connection does — by a reset too: a server that refuses a
		// request it did not read whole closes while the client still
		// sends, and its kernel answers the bytes still coming with a
		// reset, which can overtake the close (RFC 9112 section 9.6).
		rsp.closes = true
		got, rerr := io.CopyN(&raw, br, int64(lim.MaxBody)+1)
		if rerr != nil && rerr != io.EOF && !errors.Is(rerr, syscall.ECONNRESET) {
			err = fmt.Errorf("reading a body delimited by the connection's close: %w", rerr)
		}
		if got > int64(lim.MaxBody) {
			raw.Truncate(raw.Len() - 1)
			rsp.truncated = true
		}
	}
	return rsp, err
}

// readHead reads one status line and header block, at most max bytes.
func readHead(br *bufio.Reader, raw *bytes.Buffer, max int) (status int, h http.Header, proto string, err error) {
	start := raw.Len()
	line := func() (string, error) {
		b, err := br.ReadSlice('\n')
		raw.Write(b)
		if raw.Len()-start > max || errors.Is(err, bufio.ErrBufferFull) {
			raw.Truncate(min(raw.Len(), start+max))
			return "", errHeaderTooLarge
		}
		switch {
		case err == io.EOF && raw.Len() == start:
			return "", io.EOF
		case err == io.EOF:
			return "", io.ErrUnexpectedEOF
		case err != nil:
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	first, err := line()
	if err != nil {
		return 0, nil, "", err
	}
	proto, rest, _ := strings.Cut(first, " ")
	code, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3 {
		return 0, nil, "", fmt.Errorf("not an HTTP/1.x status line: %q", clip(first, 80))
	}
	status, err = strconv.Atoi(code)
	if err != nil || status < 100 {
		return 0, nil, "", fmt.Errorf("bad status code in %q", clip(first, 80))
	}
	h = http.Header{}
	for {
		l, err := line()
		if err != nil {
			return status, h, proto, err
		}
		if l == "" {
			return status, h, proto, nil
		}
		if l[0] == ' ' || l[0] == '\t' {
			continue // obsolete line folding: the value is not needed
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue // a broken line; what the checks need is the rest
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name)), strings.TrimSpace(value))
	}
}

// maxChunkLine bounds one chunk-size line (with its extensions) and one
// trailer field.
const maxChunkLine = 4 << 10

// readChunked reads a chunked body into raw (as sent) and data (the
// content), keeping at most max bytes of content and at most max bytes
// of framing besides: a peer cannot make the harness hold more by
// splitting its body into many small chunks.
func readChunked(br *bufio.Reader, raw, data *bytes.Buffer, max int) (truncated bool, err error) {
	framing := 0
	line := func() ([]byte, error) {
		b, err := br.ReadSlice('\n')
		if len(b) > maxChunkLine || errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("a chunk line of more than %d bytes", maxChunkLine)
		}
		raw.Write(b)
		if framing += len(b); framing > max {
			return nil, errFramingTooLarge
		}
		if err != nil {
			return nil, fmt.Errorf("the chunked body ended early: %w", eof(err))
		}
		return b, nil
	}
	for {
		b, err := line()
		if err != nil {
			return err == errFramingTooLarge, ignoreFraming(err)
		}
		sizeText, _, _ := strings.Cut(strings.TrimSpace(string(b)), ";")
		size, perr := strconv.ParseInt(sizeText, 16, 64)
		if perr != nil || size < 0 {
			return false, fmt.Errorf("bad chunk size %q", clip(string(b), 40))
		}
		if size == 0 {
			// Trailer fields, then the blank line.
			for {
				t, err := line()
				if err != nil {
					return err == errFramingTooLarge, ignoreFraming(err)
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return false, nil
				}
			}
		}
		// What may still be kept; comparing without adding, so that a
		// chunk size near the largest int64 cannot wrap around.
		room := int64(max - data.Len())
		keep := min(size, room)
		before := data.Len()
		if _, err := io.CopyN(io.MultiWriter(raw, data), br, keep); err != nil {
			return false, fmt.Errorf("the chunked body ended inside a chunk after %d bytes: %w", data.Len()-before, eof(err))
		}
		if keep < size {
			return true, nil
		}
		end, err := line()
		if err != nil {
			return err == errFramingTooLarge, ignoreFraming(err)
		}
		if len(bytes.TrimRight(end, "\r\n")) != 0 {
			return false, fmt.Errorf("a chunk is longer than its size says (%d bytes)", size)
		}
	}
}

// errFramingTooLarge ends a chunked body whose framing passes the limit:
// the answer is then truncated, as one with too much content is.
var errFramingTooLarge = errors.New("chunk framing larger than the limit")

func ignoreFraming(err error) error {
	if err == errFramingTooLarge {
		return nil
	}
	return err
}

// eof turns the end of input inside a message into ErrUnexpectedEOF and
// keeps every other error (a deadline) as it is.
func eof(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

func closes(proto string, h http.Header) bool {
	for _, v := range h.Values("Connection") {
		for _, t := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "close":
				return true
			case "keep-alive":
				if proto == "HTTP/1.0" {
					return false
				}
			}
		}
	}
	return proto == "HTTP/1.0"
}

func lastToken(v string) string {
	parts := strings.Split(v, ",")
	return strings.TrimSpace(parts[len(parts)-1])
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
