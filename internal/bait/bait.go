// Package bait runs servers that tests point hostile input at to prove
// nothing reaches them: an HTTP server for documents that name external
// entities, a TCP server that is no HTTP server for URLs of other
// schemes. Each counts its visitors and stops when the test ends.
package bait

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// HTTP serves body to every request; visits counts them.
func HTTP(t testing.TB, body string) (url string, visits *atomic.Int32) {
	visits = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		visits.Add(1)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, visits
}

// TCP greets whoever connects with greeting and hangs up; dialled counts
// them.
func TCP(t testing.TB, greeting string) (addr string, dialled *atomic.Int32) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	dialled = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			dialled.Add(1)
			c.Write([]byte(greeting))
			c.Close()
		}
	}()
	return l.Addr().String(), dialled
}
