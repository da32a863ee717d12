package reference_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/reference"
)

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
