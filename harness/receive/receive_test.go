package receive_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

func schemas(t *testing.T) *xsd.Schemas {
	t.Helper()
	s, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var vasp = []mm7.Kind{mm7.KindDeliverReq, mm7.KindDeliveryReportReq, mm7.KindReadReplyReq}

// A receiver's options decide what it takes: every stored corpus case a
// correct endpoint accepts reads cleanly as a VASP reads it, and every
// negative case fails at the layer and with the status its manifest says.
func TestEveryCaseReadsAsItsManifestSays(t *testing.T) {
	s := schemas(t)
	for _, c := range corpus.All() {
		if c.Generator != "" || c.Kind == corpus.KindSubmit {
			continue
		}
		raw, _ := c.Raw()
		req, err := receive.ReadHTTP(raw, receive.Options{Schemas: s, Serves: vasp, Forgive: true, Expect: c.Flavour})
		f := receive.FailureOf(err)
		switch c.Expect.Outcome {
		case corpus.Accept, corpus.Tolerate:
			if err != nil {
				t.Errorf("%s: %v", c.ID, err)
			} else if req.Message() == nil || req.TransactionID() == "" {
				t.Errorf("%s: read without a message or TransactionID", c.ID)
			}
		case corpus.Reject:
			if f == nil {
				t.Errorf("%s: read, want %s", c.ID, c.Expect.Failure)
				continue
			}
			if len(c.Expect.MM7Status) > 0 && f.Fault() && !containsInt(c.Expect.MM7Status, int(f.Status)) {
				t.Errorf("%s: %s with %d, want one of %v", c.ID, f.ID(), f.Status, c.Expect.MM7Status)
			}
		}
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// The failures a receiver answers without a Fault are HTTP's: method,
// Content-Type, size, arrival; the others carry the MM7 status.
func TestFailuresSayHowToAnswer(t *testing.T) {
	s := schemas(t)
	c, _ := corpus.Get("680-dlr-retrieved")
	raw, _ := c.Raw()
	body := raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
	cases := []struct {
		name, ct string
		body     []byte
		o        receive.Options
		id       string
		http     int
		status   mm7.StatusCode
	}{
		{"html", "text/html", body, receive.Options{}, "http:content-type", 415, 0},
		{"html, lenient", "text/html", body, receive.Options{Lenient: true, Schemas: s}, "", 0, 0},
		{"too large", "text/xml", body, receive.Options{Limits: limitsOf(100)}, "http:too-large", 413, 0},
		{"not XML", "text/xml", []byte("hello"), receive.Options{}, "soap:xml-malformed", 500, 2007},
		{"not served", "text/xml", body, receive.Options{Serves: []mm7.Kind{mm7.KindSubmitReq}}, "mm7:unsupported-operation", 500, 4003},
		{"bad MIME", "multipart/related; boundary=x", body, receive.Options{}, "mime:boundary-mismatch", 500, 2007},
		{"a MIME limit", "multipart/related; boundary=b", []byte("--b\r\n\r\n<a/>\r\n--b\r\n\r\nx\r\n--b--"), receive.Options{Limits: swa.Limits{MaxParts: 1}},
			"mime:too-many-parts", 500, 2000},
	}
	for _, c := range cases {
		req, err := receive.Read(c.ct, bytes.NewReader(c.body), int64(len(c.body)), c.o)
		f := receive.FailureOf(err)
		switch {
		case c.id == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.id == "" && !req.Sniffed:
			t.Errorf("%s: read, but not said to be sniffed", c.name)
		case c.id != "" && (f == nil || f.ID() != c.id || f.HTTP != c.http || f.Status != c.status):
			t.Errorf("%s: %+v, want %s, HTTP %d, status %d", c.name, f, c.id, c.http, c.status)
		}
	}
	// A caller's reservation refusing is its own error, passed through.
	refused := errors.New("no room")
	_, err := receive.Read("text/xml", bytes.NewReader(body), int64(len(body)), receive.Options{Reserve: func(int64) error { return refused }})
	if !errors.Is(err, refused) || receive.FailureOf(err).HTTP != http.StatusInternalServerError {
		t.Errorf("a refused reservation: %v", err)
	}
}

// Forgive lets through what Vibes' documentation explains; without it the
// schema decides.
func TestForgiveIsTheReceiversPolicy(t *testing.T) {
	s := schemas(t)
	c, _ := corpus.Get("550-quirk-vibes-element-table")
	raw, _ := c.Raw()
	if _, err := receive.ReadHTTP(raw, receive.Options{Schemas: s, Forgive: true}); err != nil {
		t.Errorf("forgiving: %v", err)
	}
	_, err := receive.ReadHTTP(raw, receive.Options{Schemas: s})
	if f := receive.FailureOf(err); f == nil || f.ID() != "schema" || f.Status != mm7.StatusValidationError || !strings.Contains(f.Msg, "Sender") {
		t.Errorf("not forgiving: %v", err)
	}
}

func limitsOf(n int64) swa.Limits { return swa.Limits{MaxBytes: n} }
