package reference_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/reference"
)

// FuzzReceiver drives the whole request path of the receiver (MIME, SOAP,
// schema, policy, store, answer): it never panics, answers with one of the
// statuses the README documents, and every SOAP answer it writes decodes.
func FuzzReceiver(f *testing.F) {
	for _, c := range corpus.All() {
		raw, err := c.Raw()
		if err != nil || len(raw) > 64<<10 {
			continue
		}
		if h, err := swa.ReadHTTP(raw); err == nil {
			f.Add(h.ContentType(), h.Body)
		}
	}
	h, err := reference.NewHandler(reference.Config{MaxBody: 1 << 20}, &nullStore{})
	if err != nil {
		f.Fatal(err)
	}
	allowed := map[int]bool{200: true, 408: true, 413: true, 415: true, 500: true}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		req := httptest.NewRequest("POST", "/mm7", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("HTTP %d is not a documented answer", rec.Code)
		}
		if rec.Header().Get("Content-Type") == "text/xml; charset=utf-8" {
			if _, err := mm7.Decode(rec.Body.Bytes(), "utf-8"); err != nil {
				t.Fatalf("the receiver wrote an answer that does not decode: %v\n%s", err, rec.Body.Bytes())
			}
		}
		if rec.Code == http.StatusOK && rec.Body.Len() > 0 {
			env, _ := mm7.Decode(rec.Body.Bytes(), "utf-8")
			if r := mm7.ResponseOf(env.Message); r == nil || r.Status.Code != 1000 {
				t.Fatalf("a 200 without StatusCode 1000:\n%s", rec.Body.Bytes())
			}
		}
	})
}
