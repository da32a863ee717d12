package reference_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/reference"
)

// Every connection whose body comes too slowly gets the documented 408,
// not a reset: the receiver drains what the client still sends before it
// closes (a lingering close), so the answer is not lost.
func TestSlowBodyGets408OnEveryConnection(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.ReadTimeout = time.Second })
	const conns = 500
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/mm7"), "http://"))
			if err != nil {
				mu.Lock()
				got["dial: "+err.Error()]++
				mu.Unlock()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 10000000\r\n\r\n")
			chunk := []byte(strings.Repeat("<", 2048))
			// Dribble for longer than the server waits, not reading meanwhile:
			// a slow client reads its answer when it has sent its body.
			for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
				if _, err := c.Write(chunk); err != nil {
					break
				}
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
			what := ""
			if err != nil {
				what = "no answer"
			} else {
				what = rsp.Status
			}
			mu.Lock()
			got[what]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got["408 Request Timeout"] != conns {
		t.Errorf("of %d slow connections: %v", conns, got)
	}
}

// rssKB is a process's resident memory now and at its peak, from its own
// accounting (/proc/PID/status).
func rssKB(t *testing.T, pid int) (now, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("SKIPPED: no /proc here to read the receiver's memory from: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VmRSS:" {
			now, _ = strconv.ParseInt(f[1], 10, 64)
		}
		if len(f) >= 2 && f[0] == "VmHWM:" {
			peak, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return now, peak
}

// Regression: 100 connections that each promised a 16 MB body and sent
// one byte took serve to 1.74 GB; 300 killed it. Memory follows the bytes
// that arrive, and the memory for all bodies together is bounded even
// when they do arrive (2 MiB each: past the point where a buffer grows
// towards its promised size).
func TestPromisedBodiesCostNoMemory(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		conns, send int
		args        []string
		bound       int64 // KB over idle
	}{
		{300, 1, nil, 64 << 10},
		{40, 2<<20 + 64<<10, []string{"--max-inflight", "67108864"}, 160 << 10},
	} {
		addr := freeAddr(t)
		cmd := serveChild(t, bin, addr, filepath.Join(t.TempDir(), "m.db"), c.args...)
		_, idle := rssKB(t, cmd.Process.Pid)
		var conns []net.Conn
		for i := 0; i < c.conns; i++ {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			go func() {
				fmt.Fprintf(conn, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 16000000\r\n\r\n%s", strings.Repeat("<", c.send))
			}()
		}
		time.Sleep(3 * time.Second)
		now, peak := rssKB(t, cmd.Process.Pid)
		t.Logf("%d connections promising 16 MB, sending %d bytes each: RSS idle %d KB, now %d KB, peak %d KB", c.conns, c.send, idle, now, peak)
		if peak > idle+c.bound {
			t.Errorf("%d connections promising 16 MB and sending %d bytes each took the receiver from %d KB to a peak of %d KB", c.conns, c.send, idle, peak)
		}
		for _, conn := range conns {
			conn.Close()
		}
	}
}

// attributeBomb is a 1 MiB MO whose Subject element carries n attributes.
func attributeBomb(n int) string {
	const digits = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(' ')
		b.WriteByte(digits[i%52])
		b.WriteByte(digits[i/52%52])
		b.WriteByte(digits[i/52/52%52])
		b.WriteString(`=""`)
	}
	c, _ := corpus.Get("680-dlr-retrieved")
	raw, _, _ := c.Stamp(time.Now())
	body := string(raw[strings.Index(string(raw), "\r\n\r\n")+4:])
	return strings.Replace(body, "<mm7:MMStatus", "<mm7:MMStatus"+b.String(), 1)
}

// Regression: one 1 MiB document with 131,000 attributes cost 29 s of CPU
// in libxml2's pairwise duplicate check, and was then stored with 200. Its
// shape is now refused before any parser sees it, with 2000.
func TestAttributeBombIsRefusedBeforeParsing(t *testing.T) {
	s := start(t, nil)
	doc := attributeBomb(131000)
	began := time.Now()
	rsp, err := (&http.Client{Timeout: 10 * time.Second}).Post(s.URL, "text/xml; charset=utf-8", strings.NewReader(doc))
	if err != nil {
		t.Fatalf("%d bytes: %v", len(doc), err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	env, derr := mm7.Decode(b, "")
	// 29 s of CPU before; refused before parsing, it is quick whatever the
	// machine (the bound is generous, a regression is minutes).
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("refused after %v", d)
	}
	if len(doc) > mm7.DefaultMaxSOAPBytes {
		t.Fatalf("the document is %d bytes: over the decoder's size limit, it would not test its shape", len(doc))
	}
	if derr != nil || rsp.StatusCode != 500 || mm7.ResponseOf(env.Message).Status.Code != mm7.StatusClientError || !strings.Contains(string(b), "attributes") {
		t.Fatalf("HTTP %d after %v: %s", rsp.StatusCode, time.Since(began), b)
	}
	t.Logf("%d bytes, %d attributes on one element: refused in %v", len(doc), 131000, time.Since(began))
}

// slowStore takes a while to store, and finishes what it started even
// when the client leaves meanwhile (as a write already on its way to the
// disk does).
type slowStore struct{ reference.Store }

func (s slowStore) Save(ctx context.Context, r *reference.Record) (int64, bool, error) {
	time.Sleep(300 * time.Millisecond)
	return s.Store.Save(context.WithoutCancel(ctx), r)
}

// An accepted message whose answer could not be written is logged as not
// delivered, not as the 200 it would have been.
func TestUndeliveredAnswerIsLoggedAsSuch(t *testing.T) {
	var log syncBuffer
	store, err := reference.OpenSQLite(filepath.Join(t.TempDir(), "u.db"), reference.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := reference.NewHandler(reference.Config{Logger: slog.New(slog.NewJSONHandler(&log, nil))}, slowStore{store})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, _ := corpus.Get("680-dlr-retrieved")
	raw, _, _ := c.StampFor(srv.URL+"/mm7", time.Now())
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(raw)
	time.Sleep(100 * time.Millisecond) // read and being stored
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close() // a reset: the answer cannot arrive
	var line map[string]any
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && line == nil; time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(log.String(), "\n") {
			if strings.Contains(l, `"delivered":false`) {
				json.Unmarshal([]byte(l), &line)
			}
		}
	}
	if line == nil || line["outcome"] != "accepted" || line["id"] == nil || line["write_error"] == "" {
		t.Errorf("want the accepted message's line to say it was not delivered; log:\n%s", log.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Regression: a request with both Content-Length and Transfer-Encoding
// was answered on a connection left open, and the bytes after its chunked
// body ran as a request of their own (RFC 9112 section 6.3: close it).
func TestContentLengthWithChunkingClosesTheConnection(t *testing.T) {
	s := start(t, nil)
	c, err := net.Dial("tcp", strings.TrimPrefix(base(s), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"+
		"GET /messages HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	rsp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, rsp.Body)
	if !rsp.Close {
		t.Errorf("HTTP %d without Connection: close", rsp.StatusCode)
	}
	if second, err := http.ReadResponse(br, nil); err == nil {
		t.Errorf("the smuggled request was answered: HTTP %d", second.StatusCode)
	}
}

// The memory the bodies of all requests take is bounded: a request that
// would pass --max-inflight gets 503 with Retry-After, and is served once
// the others are done.
func TestBodiesInFlightAreBounded(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.MaxInflight = 3 << 20; c.ReadTimeout = 10 * time.Second })
	hold, err := net.Dial("tcp", strings.TrimPrefix(base(s), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(hold, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 500000\r\n\r\n%s", strings.Repeat("<", 400000))
	// Wait until the receiver holds it, as its metrics say.
	for deadline := time.Now().Add(5 * time.Second); inflight(t, s) < 900000; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the receiver reserved %d bytes for the held body", inflight(t, s))
		}
	}
	c, _ := corpus.Get("680-mo-size-1m")
	ex, _ := sendCase(t, s, c)
	if ex.Status != http.StatusServiceUnavailable || ex.Header.Get("Retry-After") == "" {
		t.Errorf("over the bound: HTTP %d (Retry-After %q), want 503 with Retry-After", ex.Status, ex.Header.Get("Retry-After"))
	}
	hold.Close()
	for deadline := time.Now().Add(5 * time.Second); inflight(t, s) > 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	if ex, _ := sendCase(t, s, c); ex.Status != http.StatusOK {
		t.Errorf("once the other request is gone: HTTP %d", ex.Status)
	}
}

// inflight is the memory the receiver has reserved for bodies now.
func inflight(t *testing.T, s *reference.Server) int64 {
	t.Helper()
	rsp, err := http.Get(base(s) + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "mm7harness_body_bytes_inflight "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int64(f)
		}
	}
	t.Fatalf("no mm7harness_body_bytes_inflight in /metrics")
	return 0
}

// What held when the receiver was tried with hostile clients, pinned so
// it keeps holding. (XXE, billion laughs, 100,000 MIME parts, deep MIME
// nesting and a 10 MB header line are corpus cases every receiver test
// plays; kill -9 is TestKill9LosesNoAcknowledgedMessage.)

// dlrWith is a stamped delivery report's body with edit applied.
func dlrWith(t *testing.T, edit func(string) string) string {
	t.Helper()
	c, _ := corpus.Get("680-dlr-retrieved")
	raw, _, err := c.Stamp(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body := string(raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:])
	edited := edit(body)
	if edited == body {
		t.Fatal("the edit changed nothing")
	}
	return edited
}

func post(t *testing.T, u, body string, header ...string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rsp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	b, _ := io.ReadAll(rsp.Body)
	return rsp.StatusCode, b
}

// An XInclude of a local file is neither followed nor accepted.
func TestXIncludeIsNotFollowed(t *testing.T) {
	s := start(t, nil)
	code, b := post(t, s.URL, dlrWith(t, func(x string) string {
		return strings.Replace(x, "<mm7:MessageID>", `<mm7:MessageID><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>`, 1)
	}))
	if code/100 == 2 || bytes.Contains(b, []byte("root:")) {
		t.Errorf("HTTP %d: %s", code, b)
	}
}

// XML nested 100,000 deep is refused before any parser walks it.
func TestDeepXMLIsRefused(t *testing.T) {
	s := start(t, nil)
	code, b := post(t, s.URL, dlrWith(t, func(x string) string {
		return strings.Replace(x, "<mm7:MessageID>", "<mm7:MessageID>"+strings.Repeat("<x>", 100000)+strings.Repeat("</x>", 100000), 1)
	}))
	env, err := mm7.Decode(b, "")
	if code != 500 || err != nil || mm7.ResponseOf(env.Message).Status.Code != mm7.StatusClientError {
		t.Errorf("HTTP %d: %.300s", code, b)
	}
}

// X-Forwarded-For does not get a request past --allow-ip: the receiver
// looks at the connection, not at what the client says of itself.
func TestForwardedForDoesNotSpoofTheAllowList(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.AllowIPs = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} })
	c, _ := corpus.Get("680-dlr-retrieved")
	raw, _, _ := c.Stamp(time.Now())
	body := string(raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:])
	for _, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded"} {
		v := "192.0.2.7"
		if h == "Forwarded" {
			v = "for=192.0.2.7"
		}
		if code, _ := post(t, s.URL, body, h, v); code != 403 {
			t.Errorf("%s: %s: HTTP %d, want 403", h, v, code)
		}
	}
}

// Filters are data, never SQL; paths name messages, never files.
func TestFiltersAndPathsAreNotCode(t *testing.T) {
	s := start(t, nil)
	c, _ := corpus.Get("680-dlr-retrieved")
	if ex, _ := sendCase(t, s, c); ex.Status != 200 {
		t.Fatalf("HTTP %d", ex.Status)
	}
	for _, q := range []string{"sender=' OR '1'='1", "kind=DeliverReq'; DROP TABLE messages; --", "transaction_id=%25"} {
		var list struct{ Messages []stored }
		name, value, _ := strings.Cut(q, "=")
		if code := getJSON(t, base(s)+"/messages?"+name+"="+url.QueryEscape(value), &list); code != 200 || len(list.Messages) != 0 {
			t.Errorf("?%s: HTTP %d, %d messages, want none", q, code, len(list.Messages))
		}
	}
	var all struct{ Messages []stored }
	if getJSON(t, base(s)+"/messages", &all); len(all.Messages) != 1 {
		t.Errorf("after the filters, %d messages are stored, want 1", len(all.Messages))
	}
	for _, p := range []string{"/messages/../../../../etc/passwd", "/messages/1/parts/..%2f..%2f..%2fetc%2fpasswd", "/messages/%2e%2e/1", "/messages/1/parts/0"} {
		rsp, err := http.Get(base(s) + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rsp.Body)
		rsp.Body.Close()
		if rsp.StatusCode == 200 && !strings.HasPrefix(p, "/messages/..") || bytes.Contains(b, []byte("root:")) {
			t.Errorf("%s: HTTP %d %.100s", p, rsp.StatusCode, b)
		}
	}
}

// 500 clients that dribble their headers are all cut off, and a valid
// message is served meanwhile.
func TestSlowLorisWithManyConnections(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.ReadHeaderTimeout = time.Second })
	host := strings.TrimPrefix(base(s), "http://")
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", host)
			if err != nil {
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /mm7 HTTP/1.1\r\nHost: x\r\n")
			for j := 0; j < 40; j++ {
				if _, err := fmt.Fprintf(c, "X-%d: a\r\n", j); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && strings.Contains(err.Error(), "timeout") {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}(i)
	}
	time.Sleep(300 * time.Millisecond)
	c, _ := corpus.Get("680-dlr-retrieved")
	if ex, _ := sendCase(t, s, c); ex.Status != 200 {
		t.Errorf("a valid message among 500 slow clients: HTTP %d", ex.Status)
	}
	wg.Wait()
	if open > 0 {
		t.Errorf("%d of 500 dribbling connections were still open after 4 s", open)
	}
}

// 2,000 connections at once, each sending a message: every one is
// answered 200.
func TestTwoThousandConcurrentConnections(t *testing.T) {
	s := start(t, nil)
	c, _ := corpus.Get("680-dlr-retrieved")
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[int]int{}
	for i := 0; i < 2000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			raw, _, _ := c.StampFor(s.URL, time.Now())
			ex := sendRaw(t, s.URL, bytes.NewReader(raw))
			mu.Lock()
			got[ex.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got[200] != 2000 {
		t.Errorf("answers: %v", got)
	}
}

// A body whose chunked framing does not read is the client's mistake: 400,
// never a 500 (found by fuzzing: a chunk size
// line that is not hexadecimal got "500 the request could not be read").
func TestBadChunkSizeIs400(t *testing.T) {
	s := start(t, nil)
	c, err := corpus.Get("680-mo-seed")
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := c.StampFor(s.URL, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	head = regexp.MustCompile(`(?mi)^Content-Length:[^\r\n]*\r\n?`).ReplaceAllString(head+"\r\n", "") + "Transfer-Encoding: chunked"
	ex := sendRaw(t, s.URL, strings.NewReader(head+"\r\n\r\nzz\r\n"+body+"\r\n0\r\n\r\n"))
	if ex.Status != http.StatusBadRequest {
		t.Errorf("HTTP %d: %s", ex.Status, ex.Body)
	}
}
