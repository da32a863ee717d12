package mockvibes_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/internal/bait"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// heapInuse is the heap in use once the garbage is collected.
func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// hugeAnswers is a delivery report endpoint that answers every report
// with 50 MB: with a Content-Length on /length, chunked on /chunked.
func hugeAnswers(t *testing.T) *httptest.Server {
	t.Helper()
	block := make([]byte, 1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/length" {
			w.Header().Set("Content-Length", strconv.Itoa(50<<20))
		}
		for range 50 {
			if _, err := w.Write(block); err != nil {
				return // the mock stopped reading, as it should
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Twenty submits whose report endpoint answered 50 MB each took the mock
// to gigabytes, and listing its exchanges ran it out of memory.
func TestHugeCallbackAnswersKeepTheMockBounded(t *testing.T) {
	const keep = 64 << 10 // the default MaxExchangeBytes
	cb := hugeAnswers(t)
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	before := heapInuse()
	for i := range 20 {
		path := []string{"/length", "/chunked"}[i%2]
		if code, _, body := submit(t, srv.URL, "680-submit-dlr-true", "VibesUser", "Password123", map[string]string{"X-Vibes-DlrCallbackUrl": cb.URL + path}, nil); code != 200 {
			t.Fatalf("submit %d: got HTTP %d, want 200\n%s", i, code, body)
		}
	}
	g.Wait()
	check := func(from string, views []mockvibes.ExchangeView) {
		t.Helper()
		if len(views) != 40 {
			t.Fatalf("%s: got %d exchanges, want 40 (Forwarded and Retrieved for each submit)", from, len(views))
		}
		for _, v := range views {
			if len(v.Request) > keep || len(v.Response) > keep || !v.ResponseTruncated || !v.Truncated || v.ResponseSize <= keep || v.ResponseSize > 1<<20+64<<10 {
				t.Fatalf("%s: exchange %d keeps %d request and %d response bytes (of %d read; truncated %t, read truncated %t); want at most %d each, the response cut, at most 1 MiB of body read",
					from, v.ID, len(v.Request), len(v.Response), v.ResponseSize, v.ResponseTruncated, v.Truncated, keep)
			}
		}
	}
	check("Gateway.Exchanges", g.Exchanges())
	check("GET /control/exchanges", listExchanges(t, srv, "").Exchanges)
	after := heapInuse()
	grown := int64(after) - int64(before)
	t.Logf("heap in use: %.1f MB before, %.1f MB after 20 submits answered with 50 MB each", float64(before)/(1<<20), float64(after)/(1<<20))
	if grown > 32<<20 {
		t.Errorf("the heap in use grew by %.1f MB, want under 32 MB (40 exchanges of at most 2×64 KiB)", float64(grown)/(1<<20))
	}
}

// The exchanges kept are a ring: the oldest go, and the listing counts
// them and pages through the rest.
func TestExchangeRingDropsTheOldest(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	t.Cleanup(target.Close)
	g := &mockvibes.Gateway{MaxExchanges: 3}
	srv := gateway(t, g)
	inject := func(body string) {
		t.Helper()
		raw := fmt.Sprintf("POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		in := map[string]string{"raw": base64.StdEncoding.EncodeToString([]byte(raw)), "target": target.URL + "/mm7"}
		if code, b := do(t, controlRequest(t, srv, "POST", "/control/mo", in)); code != 200 {
			t.Fatalf("inject: got HTTP %d, want 200\n%s", code, b)
		}
	}
	ids := func(views []mockvibes.ExchangeView) string {
		var s []string
		for _, v := range views {
			s = append(s, strconv.Itoa(v.ID))
		}
		return strings.Join(s, ",")
	}
	for range 4 {
		inject("<x/>")
	}
	inject(strings.Repeat("x", 100<<10)) // over MaxExchangeBytes
	if got := ids(g.Exchanges()); got != "3,4,5" {
		t.Errorf("Gateway.Exchanges: got IDs %s, want 3,4,5", got)
	}
	last := g.Exchanges()[2]
	if !last.RequestTruncated || len(last.Request) != 64<<10 || last.RequestSize <= 100<<10 {
		t.Errorf("a 100 KiB request: kept %d of %d bytes, truncated %t; want 65536, the full size, true", len(last.Request), last.RequestSize, last.RequestTruncated)
	}
	for _, c := range []struct {
		query, ids string
		more       bool
	}{
		{"", "3,4,5", false},
		{"after=3", "4,5", false},
		{"after=1", "3,4,5", false},
		{"limit=1", "3", true},
		{"after=3&limit=1", "4", true},
		{"after=5", "", false},
	} {
		l := listExchanges(t, srv, c.query)
		if ids(l.Exchanges) != c.ids || l.More != c.more || l.Dropped != 2 {
			t.Errorf("?%s: got IDs %q, more %t, dropped %d; want %q, %t, 2", c.query, ids(l.Exchanges), l.More, l.Dropped, c.ids, c.more)
		}
	}
	if code, _ := do(t, controlRequest(t, srv, "GET", "/control/exchanges?limit=-1", nil)); code != 400 {
		t.Errorf("?limit=-1: got HTTP %d, want 400", code)
	}
	// After a reset the numbering goes on, so that a client paging with
	// ?after= sees nothing twice.
	do(t, controlRequest(t, srv, "POST", "/control/reset", struct{}{}))
	inject("<x/>")
	if got := ids(g.Exchanges()); got != "6" {
		t.Errorf("after a reset: got IDs %s, want 6", got)
	}
}

// The submit limit holds when the client sends no Content-Length.
func TestChunkedSubmitOverOneMegabyteGets413(t *testing.T) {
	srv := gateway(t, &mockvibes.Gateway{})
	c, _ := corpus.Get("680-submit-dlr-true")
	raw, _, _ := c.Stamp(time.Now())
	h, _ := swa.ReadHTTP(raw)
	body := io.MultiReader(bytes.NewReader(h.Body), bytes.NewReader(bytes.Repeat([]byte(" "), 1<<20))) // no length: chunked
	req, _ := http.NewRequest("POST", srv.URL+"/mm7", body)
	req.Header.Set("Content-Type", h.ContentType())
	req.SetBasicAuth("VibesUser", "Password123")
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != 413 {
		t.Errorf("a chunked SubmitReq over 1 MB: got HTTP %d, want 413", rsp.StatusCode)
	}
}

// Delivery reports went to any scheme the callback URL named, as raw TCP.
func TestCallbacksGoOnlyToHTTP(t *testing.T) {
	addr, dialled := bait.TCP(t, "")
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	for _, cb := range []string{"gopher://" + addr + "/", "smtp://" + addr} {
		if code, _, body := submit(t, srv.URL, "680-submit-dlr-true", "VibesUser", "Password123", map[string]string{"X-Vibes-DlrCallbackUrl": cb}, nil); code != 200 {
			t.Fatalf("callback %s: got HTTP %d, want 200\n%s", cb, code, body)
		}
	}
	g.Wait()
	if n := dialled.Load(); n != 0 || len(g.Exchanges()) != 0 {
		t.Errorf("got %d connections and %d exchanges, want none", n, len(g.Exchanges()))
	}
	for _, m := range g.Messages() {
		if len(m.Reports) != 0 {
			t.Errorf("%s: got %d reports planned to %s, want none", m.MessageID, len(m.Reports), m.CallbackURL)
		}
	}
}

// Regression: the sender and the callback URL of a submission were kept
// whole; 40 submissions with an 800 KB short code and a 500 KB callback
// URL grew the heap by 156 MB. Both are bounded now.
func TestSubmissionFieldsAreBounded(t *testing.T) {
	g := &mockvibes.Gateway{}
	srv := gateway(t, g)
	long := strings.Repeat("9", 200<<10)
	submit(t, srv.URL, "680-submit-dlr-true", "VibesUser", "Password123",
		map[string]string{"X-Vibes-DlrCallbackUrl": "http://127.0.0.1:9/" + strings.Repeat("a", 300<<10)},
		func(s string) string { return strings.Replace(s, ">63901<", ">"+long+"<", 1) })
	for _, m := range g.Messages() {
		if len(m.Sender) > 1<<10+8 || len(m.CallbackURL) > 2<<10 || len(m.Reports) != 0 {
			t.Errorf("kept a %d-byte sender and a %d-byte callback URL, with %d reports planned", len(m.Sender), len(m.CallbackURL), len(m.Reports))
		}
	}
}

// A mock on loopback answers only requests addressed to a loopback name:
// a page that made its own name resolve to 127.0.0.1 (DNS rebinding) says
// that name in Host.
func TestLoopbackMockRefusesForeignHosts(t *testing.T) {
	g := &mockvibes.Gateway{LoopbackOnly: true}
	srv := gateway(t, g)
	for host, want := range map[string]int{"evil.example": 421, "evil.example:8090": 421, "localhost:8090": 200, "127.0.0.1": 200, "[::1]:80": 200} {
		req, _ := http.NewRequest("GET", srv.URL+"/control/messages", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+testToken)
		if code, body := do(t, req); code != want {
			t.Errorf("Host %s: HTTP %d %s, want %d", host, code, body, want)
		}
	}
}
