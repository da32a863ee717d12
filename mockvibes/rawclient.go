// Package mockvibes plays Vibes towards a customer's MM7 endpoint: the
// sender posts MO messages and delivery reports exactly as Vibes does (and
// badly, when asked), and the gateway is the Vibes submit endpoint for the
// customer's MT client, calling back with delivery reports.
package mockvibes

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"time"
)

// conn is one keep-alive connection to the endpoint.
type conn struct {
	c  net.Conn
	br *bufio.Reader
}

// Address is the host:port an endpoint URL is reached at: its port, or
// the scheme's.
func Address(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// dial connects to the endpoint of u: TCP, and TLS for https.
func dial(u *url.URL, timeout time.Duration, tlsConfig *tls.Config) (*conn, error) {
	host := Address(u)
	d := &net.Dialer{Timeout: timeout}
	var c net.Conn
	var err error
	if u.Scheme == "https" {
		cfg := tlsConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		c, err = tls.DialWithDialer(d, "tcp", host, cfg)
	} else {
		c, err = d.Dial("tcp", host)
	}
	if err != nil {
		return nil, err
	}
	return &conn{c: c, br: bufio.NewReaderSize(c, 64<<10)}, nil
}

// writer sends a request's bytes; profiles replace it to dribble or cut.
type writer func(c net.Conn, req []byte) error

func writeAll(c net.Conn, req []byte) error {
	_, err := c.Write(req)
	return err
}

// writerGrace is how long an answered request's writer may take to
// return: it has usually returned already, but the goroutine may not have
// said so yet.
const writerGrace = 100 * time.Millisecond

// result is one request's fate on a connection.
type result struct {
	rsp *response // nil when not even a status line came
	err error     // non-nil: no complete answer
	// reusable: the connection may carry the next request.
	reusable bool
}

// roundTrip writes req while it reads the answer, so an endpoint that
// answers before the request is complete (a 413 on a huge body) is heard;
// everything ends by deadline.
func (cn *conn) roundTrip(req []byte, deadline time.Time, send writer, lim ResponseLimits) result {
	cn.c.SetDeadline(deadline)
	wrote := make(chan error, 1)
	go func() { wrote <- send(cn.c, req) }()
	rsp, err := readResponse(cn.br, lim)
	var werr error
	select {
	case werr = <-wrote:
	case <-time.After(writerGrace):
		// Answered before the request was written out (the writer is
		// still blocked): the connection cannot carry another request, and
		// closing it ends the writer.
		cn.c.Close()
		werr = <-wrote
		if err == nil {
			return result{rsp: rsp}
		}
	}
	if err != nil && werr != nil && !isTimeout(werr) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
		err = fmt.Errorf("%w (while sending: %v)", err, werr)
	}
	if err != nil {
		return result{rsp: rsp, err: err}
	}
	return result{rsp: rsp, reusable: !rsp.closes && !rsp.truncated}
}

func (cn *conn) close() { cn.c.Close() }

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// isReset reports whether err is the peer resetting the connection.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
