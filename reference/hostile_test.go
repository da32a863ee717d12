package reference_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
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
// one byte took serve to 1.74 GB; 300 killed it. Memory now follows the
// bytes that arrive.
func TestPromisedBodiesCostNoMemory(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	cmd := serveChild(t, bin, addr, filepath.Join(t.TempDir(), "m.db"))
	_, idle := rssKB(t, cmd.Process.Pid)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 16000000\r\n\r\n<")
	}
	time.Sleep(2 * time.Second)
	now, peak := rssKB(t, cmd.Process.Pid)
	t.Logf("RSS idle %d KB, with 300 promised bodies %d KB (peak %d KB)", idle, now, peak)
	if peak > idle+64<<10 {
		t.Errorf("300 connections promising 16 MB each (sending one byte) took the receiver from %d KB to a peak of %d KB", idle, peak)
	}
}

// The body bytes all requests hold are bounded: a request that would pass
// --max-inflight gets 503 with Retry-After, and is served once the
// others are done.
func TestBodiesInFlightAreBounded(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.MaxInflight = 64 << 10; c.ReadTimeout = 10 * time.Second })
	hold, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/mm7"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(hold, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n%s", strings.Repeat("<", 64<<10-500))
	time.Sleep(300 * time.Millisecond) // the receiver has read what came
	c, _ := corpus.Get("680-dlr-retrieved")
	ex, _ := sendCase(t, s, c)
	if ex.Status != http.StatusServiceUnavailable || ex.Header.Get("Retry-After") == "" {
		t.Errorf("over the bound: HTTP %d (Retry-After %q), want 503 with Retry-After", ex.Status, ex.Header.Get("Retry-After"))
	}
	hold.Close()
	time.Sleep(300 * time.Millisecond)
	if ex, _ := sendCase(t, s, c); ex.Status != http.StatusOK {
		t.Errorf("once the other request is gone: HTTP %d", ex.Status)
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
	if len(doc) > mm7.DefaultMaxSOAPBytes {
		t.Fatalf("the document is %d bytes: over the decoder's size limit, it would not test its shape", len(doc))
	}
	if derr != nil || rsp.StatusCode != 500 || mm7.ResponseOf(env.Message).Status.Code != mm7.StatusClientError || !strings.Contains(string(b), "attributes") {
		t.Fatalf("HTTP %d after %v: %s", rsp.StatusCode, time.Since(began), b)
	}
	t.Logf("%d bytes, %d attributes on one element: refused in %v", len(doc), 131000, time.Since(began))
}

// An answer that could not be written is logged as not delivered, not as
// the status it would have had.
func TestUndeliveredAnswerIsLoggedAsSuch(t *testing.T) {
	var log syncBuffer
	s := start(t, func(c *reference.ServerConfig) {
		c.Logger = slog.New(slog.NewJSONHandler(&log, nil))
	})
	c, _ := corpus.Get("680-mo-size-2m")
	raw, _, _ := c.StampFor(s.URL, time.Now())
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/mm7"), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(raw)
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close() // a reset: whatever the receiver answers cannot arrive
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(log.String(), `"delivered":false`) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(log.String(), `"delivered":false`) {
		t.Errorf("the log does not say the answer was not delivered:\n%s", log.String())
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
