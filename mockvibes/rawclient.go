// Package mockvibes plays Vibes towards a customer's MM7 endpoint: the
// sender posts MO messages and delivery reports exactly as Vibes does (and
// badly, when asked), and the gateway is the Vibes submit endpoint for the
// customer's MT client, calling back with delivery reports.
package mockvibes

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// conn is one keep-alive connection to the endpoint, recording what it
// reads so exchanges keep the exact response bytes.
type conn struct {
	c   net.Conn
	rec recorder
	br  *bufio.Reader
}

type recorder struct {
	r   io.Reader
	buf bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf.Write(p[:n])
	return n, err
}

func dial(addr string, timeout time.Duration) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	cn := &conn{c: c}
	cn.rec.r = c
	cn.br = bufio.NewReaderSize(&cn.rec, 64<<10)
	return cn, nil
}

// writer sends a request's bytes; profiles replace it to dribble or cut.
type writer func(c net.Conn, req []byte) error

func writeAll(c net.Conn, req []byte) error {
	_, err := c.Write(req)
	return err
}

// roundTrip writes req and reads one response, within timeout.
func (cn *conn) roundTrip(req []byte, timeout time.Duration, send writer) (status int, raw []byte, closeAfter bool, err error) {
	cn.c.SetDeadline(time.Now().Add(timeout))
	cn.rec.buf.Reset()
	if err := send(cn.c, req); err != nil {
		return 0, nil, true, err
	}
	rsp, err := http.ReadResponse(cn.br, nil)
	if err != nil {
		return 0, cn.consumed(), true, err
	}
	_, err = io.Copy(io.Discard, rsp.Body)
	rsp.Body.Close()
	raw = cn.consumed()
	if err != nil {
		return rsp.StatusCode, raw, true, err
	}
	return rsp.StatusCode, raw, rsp.Close, nil
}

// consumed is what this exchange read: everything recorded minus what the
// buffer holds beyond the response.
func (cn *conn) consumed() []byte {
	b := cn.rec.buf.Bytes()
	n := len(b) - cn.br.Buffered()
	if n < 0 {
		n = 0
	}
	return append([]byte(nil), b[:n]...)
}

func (cn *conn) close() { cn.c.Close() }

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
