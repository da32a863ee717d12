package mockvibes

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Whatever an endpoint sends, the reader keeps at most what the limits
// say, skips interim answers, and tells a complete answer from one that
// stopped short.
func TestReadResponse(t *testing.T) {
	lim := ResponseLimits{MaxHeaderBytes: 1024, MaxBody: 100, MaxInterim: 3}
	manyHeaders := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-A: b\r\n", 500) + "Content-Length: 0\r\n\r\n"
	cases := []struct {
		name, in  string
		status    int
		body      string
		truncated bool
		closes    bool
		interim   int
		err       string // in the error; "" for none
	}{
		{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200, body: "hello"},
		{name: "100 Continue first", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, body: "ok", interim: 1},
		{name: "103 then 100 then the answer", in: "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", status: 500, interim: 2},
		{name: "too many interim", in: strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 5), err: "interim"},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n", status: 200, body: "abcde"},
		{name: "close-delimited", in: "HTTP/1.1 200 OK\r\n\r\nuntil the end", status: 200, body: "until the end", closes: true},
		{name: "connection close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", status: 200, closes: true},
		{name: "HTTP/1.0", in: "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200, closes: true},
		{name: "body over the limit", in: "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + strings.Repeat("x", 500), status: 200, body: strings.Repeat("x", 100), truncated: true},
		{name: "chunked over the limit", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("40\r\n"+strings.Repeat("y", 64)+"\r\n", 10), status: 200, body: strings.Repeat("y", 100), truncated: true},
		// Regression: a chunk size near the largest int64 wrapped the room
		// left around, and the chunk was read without limit.
		{name: "a chunk size that overflows", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n7fffffffffffffff\r\n" + strings.Repeat("B", 5000), status: 200, body: "A" + strings.Repeat("B", 99), truncated: true},
		{name: "many tiny chunks with long extensions", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1;"+strings.Repeat("e", 60)+"\r\nq\r\n", 50), status: 200, body: "q", truncated: true},
		{name: "a chunk line too long", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("e", 5000) + "\r\nq\r\n0\r\n\r\n", err: "chunk line of more than"},
		{name: "a chunk longer than its size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nqq\r\n0\r\n\r\n", err: "longer than its size"},
		{name: "close-delimited over the limit", in: "HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("z", 300), status: 200, body: strings.Repeat("z", 100), truncated: true, closes: true},
		{name: "header then close", in: "HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n", err: "stopped after 0 of its 512 bytes"},
		{name: "header block too large", in: manyHeaders, err: "header block larger"},
		{name: "one huge header line", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 100000) + "\r\n\r\n", err: "header block larger"},
		{name: "nothing at all", in: "", err: "EOF"},
		{name: "cut in the header", in: "HTTP/1.1 200 OK\r\nContent-Le", err: "unexpected EOF"},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH\r\n\r\n", err: "not an HTTP/1.x status line"},
		{name: "two Content-Lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", err: "unusable Content-Length"},
		{name: "chunked cut inside a chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", err: "inside a chunk"},
		{name: "no body for 204", in: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
	}
	for _, c := range cases {
		br := bufio.NewReaderSize(strings.NewReader(c.in), 64<<10)
		rsp, err := readResponse(br, lim)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err == "" && (rsp.status != c.status || string(rsp.body) != c.body || rsp.truncated != c.truncated || rsp.closes != c.closes || len(rsp.interim) != c.interim):
			t.Errorf("%s: got status %d body %q truncated %v closes %v interim %v", c.name, rsp.status, rsp.body, rsp.truncated, rsp.closes, rsp.interim)
		}
		if len(rsp.raw) > len(c.in) || len(rsp.raw) > lim.MaxHeaderBytes*(lim.MaxInterim+1)+2*lim.MaxBody+2*maxChunkLine {
			t.Errorf("%s: kept %d bytes", c.name, len(rsp.raw))
		}
	}
}

// serveRaw answers every connection with handle, on loopback.
func serveRaw(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/mm7"
}

func do(t *testing.T, endpoint string, body int, timeout time.Duration) *Exchange {
	t.Helper()
	req := fmt.Sprintf("POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", body, strings.Repeat("a", body))
	s := &Sender{Endpoint: endpoint, Timeout: timeout}
	ex, err := s.Do(Message{Name: "raw", Raw: []byte(req)})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// An endpoint that refuses a large body before reading it is heard: the
// sender writes while it reads.
func TestAnswerBeforeTheRequestEnds(t *testing.T) {
	url := serveRaw(t, func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		time.Sleep(200 * time.Millisecond) // unread bytes would turn the close into a reset
	})
	ex := do(t, url, 32<<20, 5*time.Second)
	if ex.Status != 413 || !ex.Closed {
		t.Errorf("got %d (%s), closed %v; want the 413", ex.Status, ex.Err, ex.Closed)
	}
}

// A drip and silence end at the timeout, with what came kept.
func TestEveryExchangeEndsInTime(t *testing.T) {
	url := serveRaw(t, func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	start := time.Now()
	ex := do(t, url, 10, 500*time.Millisecond)
	if took := time.Since(start); !ex.Timeout || ex.Status != 0 || took > 2*time.Second || len(ex.Response) == 0 {
		t.Errorf("drip: timeout %v status %d after %v, %d bytes kept (%s)", ex.Timeout, ex.Status, took, len(ex.Response), ex.Err)
	}
	silent := serveRaw(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	if ex := do(t, silent, 10, 300*time.Millisecond); !ex.Timeout || ex.Err != "no answer within the time limit" {
		t.Errorf("silence: %+v", ex)
	}
	closer := serveRaw(t, func(c net.Conn) { bufio.NewReader(c).ReadString('\n') })
	if ex := do(t, closer, 10, time.Second); ex.Timeout || ex.Status != 0 || !strings.Contains(ex.Err, "closed the connection without answering") {
		t.Errorf("close: %+v", ex)
	}
	if _, err := (&Sender{Endpoint: "::"}).Do(Message{}); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("a bad endpoint: %v", err)
	}
}

// DoAll keeps the connection, as Vibes does; a connection the endpoint
// closed without a word is found stale, and the request goes again on a
// new one.
func TestDoAllKeepsTheConnection(t *testing.T) {
	answer := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	serve := func(perConn int) string {
		return serveRaw(t, func(c net.Conn) {
			br := bufio.NewReader(c)
			for i := 0; i < perConn; i++ {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, answer)
			}
		})
	}
	req := []byte("POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
	msgs := []Message{{Name: "a", Raw: req}, {Name: "b", Raw: req}}
	for _, c := range []struct {
		perConn       int
		reused, stale bool
	}{{2, true, false}, {1, false, true}} {
		exs, err := (&Sender{Endpoint: serve(c.perConn), Timeout: time.Second}).DoAll(msgs)
		if err != nil {
			t.Fatal(err)
		}
		if exs[1].Status != 200 || exs[1].Reused != c.reused || exs[1].Stale != c.stale {
			t.Errorf("%d per connection: second exchange %+v", c.perConn, exs[1])
		}
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// A body without a length ends when the connection does, by a reset too
// (what a server that refused a request it did not read whole often
// sends); a body with a length that a reset cuts short is still no
// complete answer.
func TestReadResponseEndedByAReset(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	read := func(in string) (*response, error) {
		return readResponse(bufio.NewReader(io.MultiReader(strings.NewReader(in), failingReader{reset})), ResponseLimits{})
	}
	rsp, err := read("HTTP/1.0 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\n\r\n431 Request Header Fields Too Large")
	if err != nil || rsp.status != 431 || string(rsp.body) != "431 Request Header Fields Too Large" || !rsp.closes {
		t.Errorf("close-delimited, then a reset: %v, %+v", err, rsp)
	}
	if _, err := read("HTTP/1.1 400 Bad Request\r\nContent-Length: 50\r\n\r\nshort"); err == nil {
		t.Error("a body cut short of its Content-Length by a reset reads as complete")
	}
	if _, err := read("HTTP/1.1 400 Bad Req"); err == nil {
		t.Error("a status line cut by a reset reads as complete")
	}
}
