package xsd_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf16"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/internal/bait"
)

func embedded(t testing.TB) *xsd.Schemas {
	t.Helper()
	s, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func seed(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "mm7", "testdata", "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	ns5 = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-5-MM7-1-2"
	ns6 = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
)

func env(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Header>
    <m:TransactionID xmlns:m="` + ns6 + `" soap:mustUnderstand="1">t1</m:TransactionID>
  </soap:Header>
  <soap:Body>
` + body + `
  </soap:Body>
</soap:Envelope>`
}

const goodRsp = `    <m:DeliverRsp xmlns:m="` + ns6 + `">
      <m:MM7Version>6.8.0</m:MM7Version>
      <m:Status><m:StatusCode>1000</m:StatusCode><m:StatusText>Success</m:StatusText></m:Status>
    </m:DeliverRsp>`

// The embedded schemas are the flavours' releases, each in a file named
// for it: a flavour's schema is found from the flavour table alone.
func TestEmbeddedCompiles(t *testing.T) {
	s := embedded(t)
	var want []mm7.Release
	for _, f := range mm7.Flavours() {
		want = append(want, f.Release)
		if _, ok := xsd.EmbeddedFiles()[string(f.Release)+".xsd"]; !ok {
			t.Errorf("flavour %s: no embedded schema %s.xsd", f, f.Release)
		}
	}
	if got := s.Releases(); !slices.Equal(got, want) {
		t.Fatalf("releases: got %v, want %v", got, want)
	}
	if s.Origin() != "embedded" {
		t.Errorf("origin: got %q", s.Origin())
	}
}

// The seed's documents, once decoded with the MIME charset, validate.
func TestSeedsValidate(t *testing.T) {
	s := embedded(t)
	for _, c := range []struct {
		file string
		want mm7.Release
	}{
		{"vibes-680-deliverreq.xml", mm7.Flavour680.Release},
		{"vibes-550-submitreq.xml", mm7.Flavour550.Release},
	} {
		doc, _, err := mm7.NormalizeCharset(seed(t, c.file), "utf-8")
		if err != nil {
			t.Fatal(err)
		}
		r := s.ValidateAs(doc, c.want)
		if !r.Valid() {
			t.Errorf("%s: %v", c.file, r.Errors)
		}
		if r.Release != c.want {
			t.Errorf("%s: release: got %v, want %v", c.file, r.Release, c.want)
		}
	}
	// As it stands, with encoding="utf-16" over UTF-8 bytes, libxml2 refuses it.
	if r := s.Validate(seed(t, "vibes-680-deliverreq.xml")); r.Valid() {
		t.Error("raw seed with a utf-16 declaration over UTF-8 bytes validated; libxml2 should refuse it before normalisation")
	}
}

// Vibes' own DeliverRsp sample lacks the required MM7Version.
func TestVibesDeliverRspSampleIsInvalid(t *testing.T) {
	doc, _, _ := mm7.NormalizeCharset(seed(t, "vibes-680-deliverrsp.xml"), "")
	r := embedded(t).Validate(doc)
	if r.Valid() || !strings.Contains(r.Errors[0].Message, "MM7Version") {
		t.Fatalf("got %v, want an error naming the missing MM7Version", r.Errors)
	}
}

func TestErrorsCarryPosition(t *testing.T) {
	doc := env(strings.Replace(goodRsp, "<m:StatusCode>1000</m:StatusCode>", "<m:StatusCode>OK</m:StatusCode>", 1))
	r := embedded(t).Validate([]byte(doc))
	if r.Valid() {
		t.Fatal("invalid StatusCode accepted")
	}
	e := r.Errors[0]
	wantCol := strings.Index(strings.Split(doc, "\n")[8], "<m:StatusCode>") + 1
	if e.Line != 9 || e.Column != wantCol || e.Stage != xsd.StageBody {
		t.Errorf("got %d:%d stage %s, want 9:%d stage body (%v)", e.Line, e.Column, e.Stage, wantCol, e)
	}
	if want := "/soap:Envelope/soap:Body/m:DeliverRsp/m:Status/m:StatusCode"; e.Path != want {
		t.Errorf("path: got %q, want %q", e.Path, want)
	}
	if !strings.HasPrefix(e.Error(), fmt.Sprintf("9:%d: /soap:Envelope", wantCol)) {
		t.Errorf("Error(): got %q", e.Error())
	}
}

func TestMalformedHasPosition(t *testing.T) {
	r := embedded(t).Validate([]byte("<a>\n  <b></a>"))
	if r.Valid() || r.Errors[0].Stage != xsd.StageWellFormed || r.Errors[0].Line != 2 || r.Errors[0].Column == 0 {
		t.Fatalf("got %+v, want a well-formedness error at line 2 with a column", r.Errors)
	}
}

// The traps of a lax Body: what an envelope-only validation lets through.
func TestLaxBodyIsNotEnough(t *testing.T) {
	s := embedded(t)
	cases := map[string]struct {
		doc   string
		stage xsd.Stage
	}{
		"unknown namespace":                 {env(`<x:DeliverRsp xmlns:x="urn:example:other"/>`), xsd.StageNamespace},
		"unknown name in the MM7 namespace": {env(`<m:RsErrorRsp xmlns:m="` + ns6 + `"/>`), xsd.StageBody},
		"REL-6 element under REL-5":         {env(strings.ReplaceAll(`<m:extendedCancelRsp xmlns:m="NS"><m:MM7Version>5.3.0</m:MM7Version><m:Status><m:StatusCode>1000</m:StatusCode></m:Status></m:extendedCancelRsp>`, "NS", ns5)), xsd.StageBody},
		"empty Body":                        {env(""), xsd.StageBody},
		"unknown header entry name":         {strings.Replace(env(goodRsp), "m:TransactionID", "m:TransactionId", 2), xsd.StageHeader},
		"no schema for the release":         {env(strings.ReplaceAll(goodRsp, "REL-6-MM7-1-4", "REL-6-MM7-1-3")), xsd.StageNamespace},
		"not an envelope":                   {`<html/>`, xsd.StageEnvelope},
		"Body missing":                      {`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>`, xsd.StageEnvelope},
	}
	for name, c := range cases {
		r := s.Validate([]byte(c.doc))
		if r.Valid() {
			t.Errorf("%s: accepted", name)
			continue
		}
		found := false
		for _, e := range r.Errors {
			found = found || e.Stage == c.stage
		}
		if !found {
			t.Errorf("%s: got %v, want an error at stage %s", name, r.Errors, c.stage)
		}
	}
	if r := s.Validate([]byte(env(goodRsp))); !r.Valid() || r.Message != "DeliverRsp" || r.Release != mm7.Flavour680.Release {
		t.Errorf("good response: got %+v", r)
	}
}

func TestValidateAsChecksTheNamespace(t *testing.T) {
	r := embedded(t).ValidateAs([]byte(env(goodRsp)), mm7.Flavour550.Release)
	if r.Valid() || r.Errors[len(r.Errors)-1].Stage != xsd.StageNamespace {
		t.Fatalf("got %v, want a namespace error", r.Errors)
	}
}

func TestFaultDetailIsValidated(t *testing.T) {
	fault := `<soap:Fault><faultcode>soap:Client</faultcode><faultstring>bad</faultstring><detail>
	<m:VASPErrorRsp xmlns:m="` + ns6 + `"><m:MM7Version>6.8.0</m:MM7Version><m:Status><m:StatusCode>4004</m:StatusCode></m:Status></m:VASPErrorRsp>
	</detail></soap:Fault>`
	r := embedded(t).Validate([]byte(env(fault)))
	if r.Valid() || r.Message != "Fault" {
		t.Fatalf("VASPErrorRsp without StatusText inside a Fault accepted: %+v", r)
	}
}

// Many goroutines share one compiled set; each gets its own verdict.
func TestConcurrentValidation(t *testing.T) {
	s := embedded(t)
	docs := make([][]byte, 0, 40)
	want := make([]bool, 0, 40)
	for _, v := range mm7.Flavours() {
		g := mm7gen.New(3, v)
		for _, k := range mm7gen.Kinds {
			b, err := mm7.Encode(g.Envelope(k))
			if err != nil {
				t.Fatal(err)
			}
			bad := []byte(strings.Replace(string(b), "<StatusCode>", "<StatusCode>x", 1))
			bad = []byte(strings.Replace(string(bad), "<MM7Version>", "<MM7Version>9", 1))
			docs = append(docs, b, bad)
		}
	}
	// The verdicts of a sequential pass are the reference.
	for _, d := range docs {
		want = append(want, s.Validate(d).Valid())
	}
	if nValid := strings.Count(fmt.Sprint(want), "true"); nValid == 0 || nValid == len(want) {
		t.Fatalf("reference verdicts are all alike (%d valid of %d)", nValid, len(want))
	}
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				j := (i*7 + w) % len(docs)
				if s.Validate(docs[j]).Valid() != want[j] {
					wrong.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	if n := wrong.Load(); n != 0 {
		t.Fatalf("%d verdicts wrong under concurrency", n)
	}
}

// Hostile documents make libxml2 read nothing: not a local file, not a URL.
func TestNothingIsReadFromDiskOrNetwork(t *testing.T) {
	baitURL, hits := bait.HTTP(t, "SECRET-FROM-NETWORK")
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("SECRET-FROM-DISK"), 0o644)

	docs := map[string]string{
		"external entity on a file": `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file://` + secret + `">]>` +
			`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a>&x;</a></soap:Body></soap:Envelope>`,
		"external entity on a URL": `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "` + baitURL + `/e">]>` +
			`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a>&x;</a></soap:Body></soap:Envelope>`,
		"external DTD":        `<?xml version="1.0"?><!DOCTYPE e SYSTEM "` + baitURL + `/dtd"><e/>`,
		"parameter entity":    `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY % p SYSTEM "` + baitURL + `/p"> %p;]><e/>`,
		"XInclude":            `<e xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file://` + secret + `" parse="text"/></e>`,
		"schemaLocation hint": `<m:DeliverRsp xmlns:m="` + ns6 + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="` + ns6 + ` ` + baitURL + `/s.xsd"/>`,
		"billion laughs":      mm7gen.BillionLaughs,
	}
	s := embedded(t)
	before := xsd.RefusedLoads()
	for name, doc := range docs {
		r := s.Validate([]byte(doc))
		if r.Valid() {
			t.Errorf("%s: accepted", name)
		}
		for _, e := range r.Errors {
			if strings.Contains(e.Message, "SECRET") {
				t.Errorf("%s: content was read: %v", name, e)
			}
		}
		if _, err := mm7.Decode([]byte(doc), ""); err == nil {
			t.Errorf("%s: decoder accepted it", name)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the network was reached %d times", n)
	}
	t.Logf("libxml2 asked for and was refused %d external resources", xsd.RefusedLoads()-before)
}

func TestLoadDirErrors(t *testing.T) {
	if _, err := xsd.LoadDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing folder loaded")
	}
	empty := t.TempDir()
	if _, err := xsd.LoadDir(empty); err == nil || !strings.Contains(err.Error(), "SOAP envelope") {
		t.Errorf("empty folder: got %v, want an error naming the missing envelope schema", err)
	}
	// The project's own files, written to a folder, load as a schema folder.
	dir := t.TempDir()
	for name, b := range xsd.EmbeddedFiles() {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	s, err := xsd.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Validate([]byte(env(goodRsp))); !r.Valid() {
		t.Errorf("from folder: %v", r.Errors)
	}
	if _, err := xsd.LoadDir(dir, mm7.Release("REL-6-MM7-1-3")); err == nil {
		t.Error("asked for a release the folder lacks: no error")
	}
}

// The encoder's golden outputs are schema-valid in their flavour.
func TestGoldenFilesValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "mm7", "testdata", "golden", "*.xml"))
	if len(files) < 20 {
		t.Fatalf("found %d golden files, want 22", len(files))
	}
	s := embedded(t)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		want := mm7.Flavour680.Release
		if strings.HasPrefix(filepath.Base(f), "5.5.0") {
			want = mm7.Flavour550.Release
		}
		if r := s.ValidateAs(b, want); !r.Valid() {
			t.Errorf("%s: %v", filepath.Base(f), r.Errors)
		}
	}
}

// Markup in UTF-16 cannot hide from the shape scan that runs before
// libxml2: the document is converted first.
func TestShapeLimitsHoldInUTF16(t *testing.T) {
	s, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-16"?><a`)
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, ` x%d="1"`, i)
	}
	b.WriteString(`/>`)
	u := utf16.Encode([]rune(b.String()))
	doc := []byte{0xFF, 0xFE}
	for _, c := range u {
		doc = append(doc, byte(c), byte(c>>8))
	}
	res := s.Validate(doc)
	if res.Valid() || len(res.Errors) == 0 || !strings.Contains(res.Errors[0].Message, "attributes") {
		t.Errorf("a UTF-16 element with 300 attributes: %+v", res.Errors)
	}
}

func TestErrorElementIsTheLastStepsLocalName(t *testing.T) {
	for path, want := range map[string]string{
		"/SOAP-ENV:Envelope/SOAP-ENV:Body/mm7:DeliverReq/mm7:Sender[2]": "Sender",
		"/Envelope/Body/DeliverReq/TimeStamp":                           "TimeStamp",
		"":                                                              "",
	} {
		if got := (xsd.Error{Path: path}).Element(); got != want {
			t.Errorf("Element of %q = %q, want %q", path, got, want)
		}
	}
}
