package peers

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/bait"
)

// answer is an MM7 answer as the tests read it: every name is matched by
// its local part, and the namespaces are kept to be checked.
type answer struct {
	HTTPStatus  int    `xml:"-"`
	ContentType string `xml:"-"`
	Raw         []byte `xml:"-"`

	TransactionID struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	} `xml:"Header>TransactionID"`
	Body struct {
		// Message is the body element: a …Rsp, or a Fault.
		Message struct {
			XMLName    xml.Name
			MM7Version string `xml:"MM7Version"`
			StatusCode int    `xml:"Status>StatusCode"`
			StatusText string `xml:"Status>StatusText"`
			FaultCode  string `xml:"faultcode"`
			Detail     struct {
				Rsp struct {
					XMLName    xml.Name
					StatusCode int `xml:"Status>StatusCode"`
				} `xml:",any"`
			} `xml:"detail"`
		} `xml:",any"`
	} `xml:"Body"`
}

// post sends c, freshly stamped, to endpoint and reads the answer; it
// returns the TransactionID the request carried.
func post(t *testing.T, endpoint, id string) (*answer, string) {
	t.Helper()
	c, err := corpus.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	req, tid, err := c.NewRequest(endpoint)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return do(t, req), tid
}

func do(t *testing.T, req *http.Request) *answer {
	t.Helper()
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	// The certification's latency budget (Vibes waits 2 s).
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("answer took %v, want under 2s", d)
	}
	if resp.ContentLength != int64(len(raw)) {
		t.Errorf("Content-Length: got %d, want %d (the body's length)", resp.ContentLength, len(raw))
	}
	a := &answer{HTTPStatus: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Raw: raw}
	if err := xml.Unmarshal(raw, a); err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, raw)
	}
	return a
}

func TestSAAJAcceptsWhatVibesSends(t *testing.T) {
	endpoint := StartSAAJ(t, SAAJOptions{})
	schemas, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id        string
		rsp       string
		namespace string
		version   string
	}{
		{"680-mo-seed", "DeliverRsp", mm7.Flavour680.Release.Namespace(), "6.8.0"},
		{"550-mo-seed", "DeliverRsp", mm7.Flavour550.Release.Namespace(), "5.3.0"},
		{"680-dlr-retrieved", "DeliveryReportRsp", mm7.Flavour680.Release.Namespace(), "6.8.0"},
		{"550-dlr-retrieved-multipart", "DeliveryReportRsp", mm7.Flavour550.Release.Namespace(), "5.3.0"},
		{"680-readreply-read", "ReadReplyRsp", mm7.Flavour680.Release.Namespace(), "6.8.0"},
		{"680-quirk-utf16-declaration", "DeliverRsp", mm7.Flavour680.Release.Namespace(), "6.8.0"},
		{"680-mo-size-2m", "DeliverRsp", mm7.Flavour680.Release.Namespace(), "6.8.0"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			a, tid := post(t, endpoint, tc.id)
			if a.HTTPStatus != http.StatusOK {
				t.Fatalf("HTTP status: got %d, want 200\n%s", a.HTTPStatus, a.Raw)
			}
			if a.ContentType != "text/xml; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want %q", a.ContentType, "text/xml; charset=utf-8")
			}
			m := a.Body.Message
			if got := m.XMLName; got.Local != tc.rsp || got.Space != tc.namespace {
				t.Errorf("body element: got {%s}%s, want {%s}%s", got.Space, got.Local, tc.namespace, tc.rsp)
			}
			if m.StatusCode != 1000 || m.StatusText != "Success" {
				t.Errorf("Status: got %d %q, want 1000 \"Success\"", m.StatusCode, m.StatusText)
			}
			if m.MM7Version != tc.version {
				t.Errorf("MM7Version: got %q, want %q", m.MM7Version, tc.version)
			}
			if got := a.TransactionID; got.Value != tid || got.XMLName.Space != tc.namespace {
				t.Errorf("TransactionID: got %q in %s, want %q in %s", got.Value, got.XMLName.Space, tid, tc.namespace)
			}
			if res := schemas.Validate(a.Raw); !res.Valid() {
				t.Errorf("answer is not valid against the project's schema: %v\n%s", res.Err(), a.Raw)
			}
		})
	}
}

func TestSAAJRejects(t *testing.T) {
	endpoint := StartSAAJ(t, SAAJOptions{})
	for _, tc := range []struct {
		id        string
		faultcode string
		status    int // the VASPErrorRsp's StatusCode; 0 for none
	}{
		{"680-neg-malformed-xml", "SOAP-ENV:Client", 2007},
		{"680-neg-xxe-url", "SOAP-ENV:Client", 2007},
		{"680-neg-soap12-envelope", "SOAP-ENV:Client", 4004},
		{"680-neg-not-an-envelope", "SOAP-ENV:Client", 4004},
		{"680-neg-no-transaction-id", "SOAP-ENV:Client", 4004},
		{"680-neg-out-of-order", "SOAP-ENV:Client", 4004},
		{"680-neg-mm7version-690", "SOAP-ENV:Client", 4002},
		{"680-neg-rel7-namespace", "SOAP-ENV:Client", 4002},
		{"680-neg-submitreq-to-vasp", "SOAP-ENV:Client", 4003},
		{"680-neg-unknown-mandatory-header", "SOAP-ENV:MustUnderstand", 0},
	} {
		t.Run(tc.id, func(t *testing.T) {
			a, _ := post(t, endpoint, tc.id)
			if a.HTTPStatus != http.StatusInternalServerError {
				t.Fatalf("HTTP status: got %d, want 500 (SOAP 1.1 section 6.2)\n%s", a.HTTPStatus, a.Raw)
			}
			m := a.Body.Message
			if m.XMLName.Local != "Fault" || m.XMLName.Space != mm7.NamespaceSOAP {
				t.Fatalf("body element: got {%s}%s, want a SOAP Fault\n%s", m.XMLName.Space, m.XMLName.Local, a.Raw)
			}
			if m.FaultCode != tc.faultcode {
				t.Errorf("faultcode: got %q, want %q", m.FaultCode, tc.faultcode)
			}
			rsp := m.Detail.Rsp
			switch {
			case tc.status == 0 && rsp.XMLName.Local != "":
				t.Errorf("detail: got %s, want none", rsp.XMLName.Local)
			case tc.status != 0 && (rsp.XMLName.Local != "VASPErrorRsp" || rsp.StatusCode != tc.status):
				t.Errorf("detail: got %s with StatusCode %d, want VASPErrorRsp with %d\n%s",
					rsp.XMLName.Local, rsp.StatusCode, tc.status, a.Raw)
			}
		})
	}
}

func TestSAAJWrongTransactionID(t *testing.T) {
	endpoint := StartSAAJ(t, SAAJOptions{WrongTransactionID: true})
	a, tid := post(t, endpoint, "680-mo-seed")
	if a.HTTPStatus != http.StatusOK || a.Body.Message.StatusCode != 1000 {
		t.Fatalf("got HTTP %d, StatusCode %d, want 200 and 1000\n%s", a.HTTPStatus, a.Body.Message.StatusCode, a.Raw)
	}
	if got := a.TransactionID.Value; got == "" || got == tid {
		t.Errorf("TransactionID: got %q, want one other than the request's %q", got, tid)
	}
}

// SOAP 1.1 section 3 forbids a DTD, and an endpoint must never fetch what
// one names: the request points both an external subset and an external
// entity at a server that counts its visitors.
func TestSAAJNeverFetchesExternalEntities(t *testing.T) {
	baitURL, visits := bait.HTTP(t, "<!ENTITY x 'fetched'>")
	endpoint := StartSAAJ(t, SAAJOptions{})

	c, err := corpus.Get("680-dlr-retrieved")
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := c.Stamp(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	body := raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
	doctype := `<!DOCTYPE SOAP-ENV:Envelope SYSTEM "` + baitURL + `/dtd" [<!ENTITY xxe SYSTEM "` + baitURL + `/entity">]>`
	body = bytes.Replace(body, []byte("<SOAP-ENV:Envelope"), []byte(doctype+"\n<SOAP-ENV:Envelope"), 1)
	body = bytes.Replace(body, []byte("<mm7:MMStatus>"), []byte("<mm7:MMStatus>&xxe;"), 1)
	if !bytes.Contains(body, []byte("&xxe;")) {
		t.Fatal("the DLR no longer has the shape this test edits")
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	a := do(t, req)
	if a.HTTPStatus != http.StatusInternalServerError || a.Body.Message.Detail.Rsp.StatusCode != 2007 {
		t.Errorf("got HTTP %d, StatusCode %d, want 500 and 2007\n%s", a.HTTPStatus, a.Body.Message.Detail.Rsp.StatusCode, a.Raw)
	}
	if n := visits.Load(); n != 0 {
		t.Errorf("the endpoint fetched %d external resources, want none", n)
	}
	if strings.Contains(string(a.Raw), "fetched") {
		t.Errorf("the answer carries the external entity's text:\n%s", a.Raw)
	}
}
