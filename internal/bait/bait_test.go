package bait

import (
	"io"
	"net"
	"net/http"
	"testing"
)

func TestBaitsCountTheirVisitors(t *testing.T) {
	url, visits := HTTP(t, "caught")
	rsp, err := http.Get(url + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if string(b) != "caught" || visits.Load() != 1 {
		t.Errorf("HTTP: %q, %d visits", b, visits.Load())
	}
	addr, dialled := TCP(t, "220 hello\r\n")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	greeting, _ := io.ReadAll(c)
	c.Close()
	if string(greeting) != "220 hello\r\n" || dialled.Load() != 1 {
		t.Errorf("TCP: %q, %d dialled", greeting, dialled.Load())
	}
}
