package mockvibes_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/mockvibes"
)

// rawServer answers every request on a connection with answer(n), where n
// counts requests, and records the raw bytes of each request.
type rawServer struct {
	ln       net.Listener
	mu       sync.Mutex
	requests [][]byte
	conns    int
	answer   func(n int) (status int, delay time.Duration)
}

func newRawServer(t *testing.T, answer func(n int) (int, time.Duration)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, answer: answer}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *rawServer) URL() string { return "http://" + s.ln.Addr().String() + "/mm7" }

func (s *rawServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		go func() {
			defer c.Close()
			br := bufio.NewReader(c)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				raw, err := httputil.DumpRequest(req, true)
				if err != nil {
					return // the body did not arrive whole (a reset mid-body)
				}
				s.mu.Lock()
				s.requests = append(s.requests, raw)
				n := len(s.requests)
				s.mu.Unlock()
				status, delay := 200, time.Duration(0)
				if s.answer != nil {
					status, delay = s.answer(n)
				}
				time.Sleep(delay)
				io.WriteString(c, "HTTP/1.1 "+strconv.Itoa(status)+" "+http.StatusText(status)+"\r\nContent-Length: 0\r\n\r\n")
			}
		}()
	}
}

func (s *rawServer) got() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.requests...)
}

func messages(t *testing.T, ids ...string) []mockvibes.Message {
	var out []mockvibes.Message
	for _, id := range ids {
		c, err := corpus.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mockvibes.Message{Name: id, Case: c})
	}
	return out
}

func TestSenderSendsAsVibes(t *testing.T) {
	srv := newRawServer(t, nil)
	dir := t.TempDir()
	s := &mockvibes.Sender{Endpoint: srv.URL(), Transcript: dir}
	sum, err := s.Run(context.Background(), messages(t, "680-dlr-retrieved", "680-mo-seed"), 4, 0)
	if err != nil || sum.Sent != 4 || sum.OK != 4 {
		t.Fatalf("%v %v", sum, err)
	}
	tids := map[string]bool{}
	for i, raw := range srv.got() {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("User-Agent") != "Java/1.6.0_65" || req.Header.Get("Connection") != "keep-alive" ||
			req.ContentLength <= 0 || len(req.TransferEncoding) != 0 || req.URL.Path != "/mm7" {
			t.Errorf("request %d: %v %v %q", i, req.Header, req.TransferEncoding, req.URL.Path)
		}
		body, _ := io.ReadAll(req.Body)
		m, err := swa.ReadBytes(req.Header.Get("Content-Type"), body, swa.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		env, err := mm7.Decode(m.SOAP(), m.Charset())
		if err != nil || !mm7.IsVibesTransactionID(env.TransactionID) || tids[env.TransactionID] {
			t.Errorf("request %d: TransactionID %q (%v): want a fresh Vibes-style ID", i, env.TransactionID, err)
		}
		tids[env.TransactionID] = true
	}
	exs := s.Exchanges()
	if exs[0].Reused || !exs[1].Reused || srv.conns != 1 {
		t.Errorf("connection reuse: %v %v over %d connections", exs[0].Reused, exs[1].Reused, srv.conns)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.request.http"))
	if len(files) != 4 {
		t.Fatalf("%d transcript requests", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	if h, err := swa.ReadHTTP(raw); err != nil || h.CheckContentLength() != nil || !h.Request {
		t.Errorf("transcript file is not a replayable request: %v", err)
	}
}

// Vibes' retry policy, with the interval shrunk: a non-2xx answer and a
// timeout are retried with the same TransactionID, up to the limit.
func TestRetryPolicy(t *testing.T) {
	srv := newRawServer(t, func(n int) (int, time.Duration) {
		switch n {
		case 1:
			return 500, 0
		case 2:
			return 200, 300 * time.Millisecond // slower than the timeout
		}
		return 200, 0
	})
	s := &mockvibes.Sender{Endpoint: srv.URL(), Timeout: 150 * time.Millisecond, RetryInterval: 100 * time.Millisecond}
	start := time.Now()
	sum, _ := s.Run(context.Background(), messages(t, "550-dlr-expired"), 1, 0)
	exs := s.Exchanges()
	if len(exs) != 3 || sum.Retries != 2 || !exs[2].OK() || exs[0].Status != 500 || !exs[1].Timeout {
		t.Fatalf("exchanges: %+v", sum)
	}
	if exs[0].TransactionID != exs[2].TransactionID || !bytes.Equal(exs[0].Request, exs[2].Request) {
		t.Error("a retry is not the same message")
	}
	if gap := exs[2].Start.Sub(exs[0].Start); gap < 200*time.Millisecond || time.Since(start) > 5*time.Second {
		t.Errorf("retries %v apart, want at least two intervals", gap)
	}
	// The limit holds: always 500 gives 1 + MaxRetries attempts.
	never := newRawServer(t, func(int) (int, time.Duration) { return 503, 0 })
	s = &mockvibes.Sender{Endpoint: never.URL(), RetryInterval: 10 * time.Millisecond, MaxRetries: 5}
	s.Run(context.Background(), messages(t, "550-dlr-expired"), 1, 0)
	if n := len(s.Exchanges()); n != 6 {
		t.Errorf("%d attempts, want 6 (1 + 5 retries)", n)
	}
}

// profile returns the sender profile called name.
func profile(t *testing.T, name string) mockvibes.Profile {
	t.Helper()
	ps, err := mockvibes.ParseProfiles(name)
	if err != nil || len(ps) != 1 {
		t.Fatalf("ParseProfiles(%q): got %d profiles, %v; want one", name, len(ps), err)
	}
	return ps[0]
}

// Every profile produces exactly the bytes it claims.
func TestProfilesDoWhatTheySay(t *testing.T) {
	c, _ := corpus.Get("680-quirk-java-client") // strict SwA: brackets, start, utf-8
	raw, _, _ := c.StampFor("http://127.0.0.1:1/mm7", time.Now())
	apply := func(name string) *swa.HTTPMessage {
		p := profile(t, name)
		out, err := p.Rewrite(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h, err := swa.ReadHTTP(out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return h
	}
	checked := map[string]bool{}
	check := func(name string, ok bool) {
		checked[name] = true
		if !ok {
			t.Errorf("profile %s does not do what it says", name)
		}
	}
	h := apply("utf16-declaration")
	check("utf16-declaration", bytes.Contains(h.Body, []byte(`encoding="utf-16"`)) && h.CheckContentLength() == nil)
	h = apply("bare-content-id")
	check("bare-content-id", !bytes.Contains(h.Body, []byte("Content-ID: <")) && bytes.Contains(h.Body, []byte("Content-ID: soap-envelope@mm7harness")) && h.CheckContentLength() == nil)
	h = apply("no-start")
	check("no-start", !strings.Contains(h.ContentType(), "start=") && strings.Contains(h.ContentType(), "boundary="))
	dlr, _ := corpus.Get("550-dlr-retrieved")
	raw550, _, _ := dlr.StampFor("http://127.0.0.1:1/mm7", time.Now())
	out, _ := profile(t, "rel6-on-550").Rewrite(raw550)
	h, _ = swa.ReadHTTP(out)
	env, err := mm7.DecodeOptions{Expect: mm7.Flavour550}.Decode(h.Body)
	check("rel6-on-550", err == nil && env.Release == mm7.Flavour680.Release && mm7.Has(env.Deviations, mm7.DevNamespaceNotFlavour))
	h = apply("chunked")
	orig, _ := swa.ReadHTTP(raw)
	check("chunked", h.Header.Get("Transfer-Encoding") == "chunked" && !h.Header.Has("Content-Length") && bytes.Equal(h.Body, orig.Body))
	h = apply("oversized")
	check("oversized", len(h.Body) > 17<<20 && h.CheckContentLength() == nil)
	h = apply("wrong-content-length")
	check("wrong-content-length", h.ContentLength == int64(len(h.Body))-10)
	check("duplicate-tid", profile(t, "duplicate-tid").Duplicate)

	// The sending profiles, against a server that records the bytes.
	srv := newRawServer(t, nil)
	s := &mockvibes.Sender{Endpoint: srv.URL(), Profiles: []mockvibes.Profile{profile(t, "slow-body")}, Timeout: 10 * time.Second}
	start := time.Now()
	s.Run(context.Background(), messages(t, "680-mo-png"), 1, 0)
	got := srv.got()
	check("slow-body", len(got) == 1 && s.Exchanges()[0].OK() && time.Since(start) > 20*time.Millisecond*time.Duration(len(s.Exchanges()[0].Request)/512-2))
	s = &mockvibes.Sender{Endpoint: srv.URL(), Profiles: []mockvibes.Profile{profile(t, "duplicate-tid")}, MaxRetries: -1}
	s.Run(context.Background(), messages(t, "680-dlr-expired"), 1, 0)
	exs := s.Exchanges()
	check("duplicate-tid", len(exs) == 2 && exs[0].TransactionID == exs[1].TransactionID && bytes.Equal(exs[0].Request, exs[1].Request))
	s = &mockvibes.Sender{Endpoint: srv.URL(), Profiles: []mockvibes.Profile{profile(t, "reset-mid-body")}, MaxRetries: -1}
	before := len(srv.got())
	s.Run(context.Background(), messages(t, "680-mo-png"), 1, 0)
	check("reset-mid-body", s.Exchanges()[0].Status == 0 && len(srv.got()) == before)
	for _, name := range mockvibes.ProfileNames() {
		if !checked[name] {
			t.Errorf("profile %s: no check here says it does what it says", name)
		}
	}
}
