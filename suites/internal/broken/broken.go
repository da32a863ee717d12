// Package broken makes MM7 endpoints with one defect each, for the
// certification's self-test: every defect must fail the check that names
// it, and no unrelated check.
package broken

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
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

// Defects lists every defect.
var Defects = []Defect{
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
	{Name: "http-500", Fails: "transport-status-2xx", Allowed: []string{"robust-still-serves", "concurrency-all-answered"},
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
	{Name: "closed-connection", Fails: "transport-status-2xx", Allowed: []string{"robust-still-serves", "concurrency-all-answered"},
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
	{Name: "connection-close", Fails: "transport-keep-alive",
		edit: func(rec *httptest.ResponseRecorder, _ http.ResponseWriter, _ *http.Request) bool {
			rec.Header().Set("Connection", "close")
			return false
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
