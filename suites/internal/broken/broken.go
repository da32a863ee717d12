// Package broken makes MM7 endpoints with one defect each, for the
// certification's self-test: every defect must fail the check that names
// it, and no unrelated check.
package broken

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mm7harness/mm7harness/reference"
)

// Defect is one way to be wrong.
type Defect struct {
	Name string
	// Fails is the check the defect must fail; Allowed lists the other
	// checks that may fail with it (consequences of the same defect).
	Fails   string
	Allowed []string
	// Args are extra certify arguments the defect needs (a tight latency
	// budget, a profile, a label filter).
	Args []string
	// Slow defects take the length of a full run to show; the self-test
	// runs them on their own.
	Slow bool
	// edit changes the reference receiver's answer.
	edit func(rec *httptest.ResponseRecorder, w http.ResponseWriter, r *http.Request) bool
}

var (
	tidRe       = regexp.MustCompile(`(<(?:[A-Za-z0-9_.-]+:)?TransactionID[^>]*>)[^<]*(<)`)
	statusText  = regexp.MustCompile(`(?s)\s*<StatusText>.*?</StatusText>`)
	statusBlock = regexp.MustCompile(`(?s)\s*<Status>.*?</Status>`)
	versionElem = regexp.MustCompile(`(?s)\s*<MM7Version>.*?</MM7Version>`)
)

func replace(rec *httptest.ResponseRecorder, f func(string) string) {
	b := f(rec.Body.String())
	rec.Body.Reset()
	rec.Body.WriteString(b)
	rec.Header().Set("Content-Length", strconv.Itoa(len(b)))
}

// Defects lists every defect: wrong answers, then hostile peers.
var Defects = slices.Concat(wrongAnswers, hostile)

// wrongAnswers edit what the reference receiver answers.
var wrongAnswers = []Defect{
	{Name: "wrong-namespace", Fails: "rsp-namespace", Allowed: []string{"schema-valid"},
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return strings.ReplaceAll(s, "REL-6-MM7-1-4", "REL-6-MM7-1-3") })
			return false
		}},
	{Name: "transaction-id-not-echoed", Fails: "rsp-transaction-id",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return tidRe.ReplaceAllString(s, "${1}0000000000000000${2}") })
			return false
		}},
	{Name: "wrong-rsp-type", Fails: "rsp-kind",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string {
				s = strings.ReplaceAll(s, "DeliveryReportRsp", "@@")
				s = strings.ReplaceAll(s, "DeliverRsp", "DeliveryReportRsp")
				return strings.ReplaceAll(s, "@@", "DeliverRsp")
			})
			return false
		}},
	{Name: "wrong-mm7version", Fails: "rsp-mm7version",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return strings.ReplaceAll(s, ">6.8.0<", ">6.5.0<") })
			return false
		}},
	{Name: "status-4000-for-valid", Fails: "rsp-status-success",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return strings.ReplaceAll(s, ">1000<", ">4000<") })
			return false
		}},
	{Name: "http-500", Fails: "transport-status-2xx",
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}},
	// A proxy's page with 200: Vibes counts a 2xx as delivered, so bad input
	// is "accepted" too.
	{Name: "html-error-page", Fails: "envelope-soap11", Allowed: []string{"transport-content-type", "robust-not-accepted"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("<html><body><h1>Error</h1><p>Something went wrong.</p></body></html>"))
			return true
		}},
	{Name: "slower-than-budget", Fails: "transport-latency", Args: []string{"--latency-budget", "150ms"},
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			time.Sleep(250 * time.Millisecond)
			return false
		}},
	{Name: "invalid-xml", Fails: "envelope-well-formed",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return s[:len(s)/2] })
			return false
		}},
	{Name: "status-text-missing", Fails: "rsp-status-text", Allowed: []string{"schema-valid"},
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return statusText.ReplaceAllString(s, "") })
			return false
		}},
	{Name: "status-missing", Fails: "rsp-status-success", Allowed: []string{"rsp-status-text", "schema-valid"},
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			replace(rec, func(s string) string { return statusBlock.ReplaceAllString(s, "") })
			return false
		}},
	{Name: "content-type-html", Fails: "transport-content-type",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			rec.Header().Set("Content-Type", "text/html")
			return false
		}},
	{Name: "closed-connection", Fails: "transport-answer",
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
			return true
		}},
	{Name: "garbage-accepted", Fails: "robust-not-accepted",
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			if rec.Code == http.StatusOK {
				return false
			}
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>` +
				`<DeliverRsp xmlns="http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>` +
				`<Status><StatusCode>1000</StatusCode><StatusText>Success</StatusText></Status></DeliverRsp></env:Body></env:Envelope>`))
			return true
		}},
	{Name: "dies-after-bad-input", Fails: "robust-still-serves", Args: []string{"--label-filter", "group:robustness"}},
	{Name: "connection-close", Fails: "transport-keep-alive", Args: []string{"--profile", "strict"},
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			rec.Header().Set("Connection", "close")
			return false
		}},
	// A correct answer, then the connection closes without a word: the
	// next message Vibes sends on it meets a closed connection.
	{Name: "closes-without-saying", Fails: "transport-keep-alive", Args: []string{"--profile", "strict"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
				rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"), rec.Body.Len())
			raw(w, head+rec.Body.String(), nil)
			return true
		}},
	{Name: "blank-200-strict", Fails: "answer-is-soap", Args: []string{"--profile", "strict"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			if rec.Code != http.StatusOK {
				return false
			}
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return true
		}},
	{Name: "mm7version-missing-strict", Fails: "rsp-mm7version", Allowed: []string{"schema-valid"}, Args: []string{"--profile", "strict"},
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			if rec.Code == http.StatusOK {
				replace(rec, func(s string) string { return versionElem.ReplaceAllString(s, "") })
			}
			return false
		}},
}

// The defects of a hostile or broken peer: what it sends could exhaust a
// harness that trusted it. Each is an answer to every request.
var hostile = []Defect{
	// 1.5 MiB of text that is no XML, as text/xml with 200.
	{Name: "junk-over-1mib", Fails: "envelope-well-formed", Allowed: []string{"robust-not-accepted"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			w.Write(bytes.Repeat([]byte("this is not xml at all. "), (3<<19)/24))
			return true
		}},
	// The status line and header of a correct answer, then the connection
	// closes: no body.
	{Name: "headers-then-close", Fails: "transport-answer",
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			raw(w, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: %d\r\n\r\n", rec.Body.Len()), nil)
			return true
		}},
	// A correct answer after 5 s: Vibes has given up by then.
	{Name: "sleeps-5s", Fails: "transport-latency", Slow: true,
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, r *http.Request) bool {
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
			return false
		}},
	// A correct answer, one byte a second.
	{Name: "drip", Fails: "transport-latency", Args: []string{"--latency-budget", "500ms"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			head := fmt.Sprintf("HTTP/1.1 %d OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: %d\r\n\r\n", rec.Code, rec.Body.Len())
			raw(w, head+rec.Body.String(), func() { time.Sleep(time.Second) })
			return true
		}},
	// A 50 MB answer.
	{Name: "answer-50mb", Fails: "envelope-well-formed", Allowed: []string{"robust-not-accepted"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(50<<20))
			w.WriteHeader(http.StatusOK)
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for i := 0; i < 50; i++ {
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return true
		}},
	// A chunked answer that never ends.
	{Name: "endless-chunked", Fails: "envelope-well-formed", Allowed: []string{"robust-not-accepted"},
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			chunk := bytes.Repeat([]byte("<a>"), 20000)
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					break
				}
				w.(http.Flusher).Flush()
			}
			return true
		}},
	// 200,000 header fields before a correct answer.
	{Name: "headers-200000", Fails: "transport-answer",
		edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
			var b strings.Builder
			b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n")
			for i := 0; i < 200000; i++ {
				fmt.Fprintf(&b, "X-Padding-%d: v\r\n", i)
			}
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", rec.Body.Len(), rec.Body.String())
			raw(w, b.String(), nil)
			return true
		}},
}

// raw takes the connection over and writes s, calling pause between
// bytes when it is set, then closes.
func raw(w http.ResponseWriter, s string, pause func()) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	if pause == nil {
		c.Write([]byte(s))
		return
	}
	for i := 0; i < len(s); i++ {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		pause()
	}
}

// Correct endpoints that are not the reference receiver as it is: the
// certification must call each CONFORMANT.
var Correct = []Defect{
	// An interim 100 Continue before every answer (RFC 9110 section 15.2:
	// a client skips it).
	{Name: "continue-first", edit: func(rec *httptest.ResponseRecorder, w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusContinue)
		return false
	}},
}

// OneAtATime is correct but serves one request at a time, 200 ms each:
// many messages at once time out, one at a time do not.
var OneAtATime = Defect{Name: "one-at-a-time", edit: func() func(*httptest.ResponseRecorder, http.ResponseWriter, *http.Request) bool {
	var mu sync.Mutex
	return func(*httptest.ResponseRecorder, http.ResponseWriter, *http.Request) bool {
		mu.Lock()
		time.Sleep(200 * time.Millisecond)
		mu.Unlock()
		return false
	}
}()}

// Handler wraps a reference receiver's handler with the defect.
func (d Defect) Handler(ref *reference.Handler) http.Handler {
	var dead atomic.Bool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Name == "dies-after-bad-input" {
			if dead.Load() {
				if hj, ok := w.(http.Hijacker); ok {
					if c, _, err := hj.Hijack(); err == nil {
						c.Close()
					}
				}
				return
			}
		}
		rec := httptest.NewRecorder()
		ref.ServeHTTP(rec, r)
		if d.Name == "dies-after-bad-input" && rec.Code != http.StatusOK {
			dead.Store(true) // answers this one, then is gone
		}
		if d.edit != nil && d.edit(rec, w, r) {
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}
