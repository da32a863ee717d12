package corpus_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/corpus/internal/build"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// The committed files are exactly what the generator makes.
func TestCorpusIsUpToDate(t *testing.T) {
	built, err := build.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range built {
		if b.Bytes == nil {
			continue
		}
		got, err := os.ReadFile(b.Case.File)
		if err != nil {
			t.Fatalf("%s: %v (run go generate ./corpus)", b.Case.ID, err)
		}
		if !bytes.Equal(got, b.Bytes) {
			t.Errorf("%s: committed file differs from the generator's (run go generate ./corpus)", b.Case.ID)
		}
	}
	want, _ := json.MarshalIndent(build.Manifest(built), "", "  ")
	got, _ := os.ReadFile("manifest.json")
	if !bytes.Equal(bytes.TrimSpace(got), want) {
		t.Error("manifest.json differs from the generator's (run go generate ./corpus)")
	}
}

var idPattern = regexp.MustCompile(`^(550|680)-[a-z0-9-]+$`)

func TestManifestDescribesTheFiles(t *testing.T) {
	seen := map[string]bool{}
	inManifest := map[string]bool{}
	for _, c := range corpus.All() {
		if seen[c.ID] || !idPattern.MatchString(c.ID) || !strings.HasPrefix(c.ID, c.Flavour.ID+"-") {
			t.Errorf("%s: duplicate or malformed id", c.ID)
		}
		seen[c.ID] = true
		if c.Description == "" || c.Expect.Outcome == "" || !slices.Contains(corpus.Kinds, c.Kind) {
			t.Errorf("%s: incomplete entry %+v", c.ID, c)
		}
		if c.Expect.Outcome == corpus.Reject && c.Expect.Failure == "" {
			t.Errorf("%s: rejected without a reason", c.ID)
		}
		if c.Generator != "" {
			continue
		}
		if want := filepath.ToSlash(filepath.Join(c.Flavour.Name, string(c.Kind), c.ID+".http")); c.File != want {
			t.Errorf("%s: file %s, want %s", c.ID, c.File, want)
		}
		inManifest[c.File] = true
		raw, err := c.Raw()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if int64(len(raw)) != c.Size || hex.EncodeToString(sum[:]) != c.SHA256 {
			t.Errorf("%s: size/sha256 disagree with the file", c.ID)
		}
		// Exactly as on the wire: a CRLF header and a true Content-Length,
		// unless the case lies about it on purpose.
		h, err := swa.ReadHTTP(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		if mm7.Has(h.Deviations, swa.DevLFLineEndings) {
			t.Errorf("%s: header lines end in LF", c.ID)
		}
		if h.CheckContentLength() != nil && c.Expect.Failure != "http:content-length" {
			t.Errorf("%s: %v", c.ID, h.CheckContentLength())
		}
	}
	// Every file is in the manifest.
	for _, dir := range []string{"5.5.0", "6.8.0"} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !inManifest[filepath.ToSlash(p)] {
				t.Errorf("%s is not in the manifest", p)
			}
			return nil
		})
	}
}

// Every case reads as the manifest says: the same failure (or none), the
// same deviations, the same MIME reading, the same schema verdict.
func TestEveryCaseReadsAsTheManifestSays(t *testing.T) {
	schemas, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corpus.All() {
		t.Run(c.ID, func(t *testing.T) {
			r, _, err := c.Open()
			if err != nil {
				t.Fatal(err)
			}
			v, err := build.Judge(r, c.Kind, c.Flavour, schemas)
			if err != nil {
				t.Fatal(err)
			}
			want := c.Expect.Failure
			if c.Expect.Outcome == corpus.Accept || c.Expect.Outcome == corpus.Tolerate {
				want = ""
				if !c.SchemaValid {
					want = "schema" // a quirk that is schema-invalid on purpose
				}
			}
			if v.Failure != want {
				t.Errorf("fails as %q, manifest says %q", v.Failure, want)
			}
			if !slices.Equal(v.Deviations, c.Deviations) || v.MIME != c.MIME || v.SchemaValid != c.SchemaValid {
				t.Errorf("read as %v %+v schema-valid=%v; manifest says %v %+v %v",
					v.Deviations, v.MIME, v.SchemaValid, c.Deviations, c.MIME, c.SchemaValid)
			}
			if c.Expect.Outcome == corpus.Accept && !c.SchemaValid && len(c.Deviations) == 0 {
				t.Error("schema-invalid positive case names no quirk")
			}
		})
	}
}

// soapOf is a stored case's SOAP part, in UTF-8.
func soapOf(t *testing.T, c *corpus.Case) []byte {
	t.Helper()
	raw, err := c.Raw()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := swa.ReadHTTP(raw)
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{})
	if err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	doc, _, err := mm7.NormalizeCharset(m.SOAP(), m.Charset())
	if err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	return doc
}

func officialSchemas(t *testing.T) *xsd.Schemas {
	dir := filepath.Join("..", "..", "shared", "3gpp-xsd")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("official schemas not found in %s; under CI they must be", dir)
		}
		t.Skipf("SKIPPED: official schemas not found in %s", dir)
	}
	s, err := xsd.LoadDir(dir, mm7.Flavour550.Release, mm7.Flavour680.Release)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every positive case's SOAP part validates against the project's schemas
// and the official ones, except the quirks that deviate on purpose — which
// both sets then refuse.
func TestPositiveCasesValidateAgainstBothSchemaSets(t *testing.T) {
	ours, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	official := officialSchemas(t)
	n := 0
	positives := append(corpus.Select(corpus.Filter{Outcome: corpus.Accept}), corpus.Select(corpus.Filter{Outcome: corpus.Tolerate})...)
	for _, c := range positives {
		doc := soapOf(t, c)
		a, b := ours.Validate(doc), official.Validate(doc)
		if a.Valid() != c.SchemaValid || b.Valid() != c.SchemaValid {
			t.Errorf("%s: project schemas valid=%v %v, official valid=%v %v; manifest says %v", c.ID, a.Valid(), a.Errors, b.Valid(), b.Errors, c.SchemaValid)
		}
		n++
	}
	if n < 80 {
		t.Errorf("only %d positive cases", n)
	}
}

// Every expectation says what it rests on: a reject its level and clause,
// a survive why the choice is the receiver's, a tolerated quirk the Vibes
// page it comes from and what refusing it risks.
func TestExpectationsSayWhatTheyRestOn(t *testing.T) {
	count := map[corpus.Outcome]int{}
	for _, c := range corpus.All() {
		e := c.Expect
		count[e.Outcome]++
		switch e.Outcome {
		case corpus.Reject:
			if e.Level != corpus.LevelMust && e.Level != corpus.LevelShould || e.Clause == "" || e.Failure == "" || len(e.HTTP) == 0 {
				t.Errorf("%s: reject without level, clause, failure or reactions: %+v", c.ID, e)
			}
		case corpus.Survive:
			if e.Clause == "" || e.Level != "" {
				t.Errorf("%s: survive must say why the choice is the receiver's, and has no level: %+v", c.ID, e)
			}
		case corpus.Tolerate:
			if e.Clause == "" || e.Risk == "" || c.Origin != corpus.OriginQuirk {
				t.Errorf("%s: a tolerated quirk names its source and risk: %+v", c.ID, e)
			}
		case corpus.Accept:
			if e.Level != "" || e.Risk != "" {
				t.Errorf("%s: accept with %+v", c.ID, e)
			}
		default:
			t.Errorf("%s: outcome %q", c.ID, e.Outcome)
		}
	}
	if count[corpus.Survive] < 10 || count[corpus.Tolerate] < 3 || count[corpus.Reject] < 50 {
		t.Errorf("outcomes %v", count)
	}
}

// Both flavours get the same robustness set: every negative case exists
// in 5.5.0 and 6.8.0 alike, but for those tied to one flavour.
func TestBothFlavoursGetTheSameNegatives(t *testing.T) {
	only := map[string]string{
		"550-neg-seed-example-as-printed": "the seed page's own 5.5.0 example",
		"550-neg-seed-typographic-quotes": "the seed page's own 5.5.0 example",
		"550-neg-seed-boundary-mismatch":  "the seed page's own 5.5.0 example",
		"550-neg-dlr-deferred":            "Deferred is a REL-6 status",
		"550-neg-mm7version-680":          "the other flavour's MM7Version (6.8.0 has mm7version-690)",
		"680-neg-mm7version-690":          "an MM7Version REL-6 does not define (5.5.0 has mm7version-680)",
	}
	names := map[string][]string{}
	for _, c := range corpus.Select(corpus.Filter{Origin: corpus.OriginNegative}) {
		if _, ok := only[c.ID]; ok {
			continue
		}
		name := strings.SplitN(c.ID, "-", 2)[1]
		names[name] = append(names[name], c.Flavour.Name)
	}
	for name, fl := range names {
		if len(fl) != 2 {
			t.Errorf("%s exists for %v only", name, fl)
		}
	}
	n5 := len(corpus.Select(corpus.Filter{Origin: corpus.OriginNegative, Flavour: mm7.Flavour550}))
	n6 := len(corpus.Select(corpus.Filter{Origin: corpus.OriginNegative, Flavour: mm7.Flavour680}))
	if n5 < 40 || n6 < 40 {
		t.Errorf("negatives: 5.5.0 %d, 6.8.0 %d", n5, n6)
	}
}

// What the manifest claims about schemas holds for the official files
// too: a case rejected as schema-invalid is refused by them, and so is a
// tolerated quirk that is schema-invalid (else it would be no risk).
func TestSchemaClaimsHoldForTheOfficialSchemas(t *testing.T) {
	official := officialSchemas(t)
	n := 0
	for _, c := range corpus.All() {
		claim := c.Expect.Failure == "schema" || c.Expect.Outcome == corpus.Tolerate && !c.SchemaValid
		if !claim {
			continue
		}
		doc := soapOf(t, c)
		if official.Validate(doc).Valid() {
			t.Errorf("%s: the official schemas accept it; the manifest says it is schema-invalid", c.ID)
		}
		n++
	}
	if n < 15 {
		t.Errorf("only %d schema claims checked", n)
	}
}

// The corpus covers what the issue lists.
func TestCoverage(t *testing.T) {
	if n := len(corpus.Select(corpus.Filter{Origin: corpus.OriginNegative})); n < 40 {
		t.Errorf("%d negative cases, want at least 40", n)
	}
	for _, v := range mm7.Flavours() {
		f := v.ID
		for _, id := range []string{"mo-seed", "mo-jpeg", "mo-png", "mo-gif", "mo-3gpp", "mo-amr", "mo-text", "mo-smil",
			"mo-enc-base64", "mo-enc-binary", "mo-enc-8bit", "mo-enc-quoted-printable", "mo-cid-bare", "mo-cid-bracketed",
			"mo-content-location", "mo-no-subject", "mo-long-subject", "mo-from-e164", "mo-from-10-digit", "mo-from-11-digit",
			"mo-from-shortcode", "mo-from-email", "mo-group", "mo-size-1k", "mo-size-2m", "dlr-java-date",
			"submit-dlr-true", "submit-dlr-false", "readreply-read", "quirk-utf16-declaration", "quirk-no-start",
			"quirk-prefix-soap-env", "quirk-prefix-soapenv", "quirk-prefix-default", "quirk-content-id-case"} {
			if _, err := corpus.Get(f + "-" + id); err != nil {
				t.Error(err)
			}
		}
		for _, st := range []string{"retrieved", "rejected", "indeterminate", "expired", "forwarded"} {
			for _, form := range []string{"", "-multipart"} {
				if _, err := corpus.Get(f + "-dlr-" + st + form); err != nil {
					t.Error(err)
				}
			}
		}
		// Sizes weighted to the 300 KB - 1 MB carriers use.
		inBand := 0
		for _, c := range corpus.Select(corpus.Filter{Flavour: v, IDs: []string{f + "-mo-size-*"}}) {
			if c.Size >= 300<<10 && c.Size <= 1<<20 {
				inBand++
			}
		}
		if inBand < 4 {
			t.Errorf("%s: %d size cases between 300 KB and 1 MB", v.Name, inBand)
		}
	}
}

var tidInBody = regexp.MustCompile(`TransactionID[^>]*>([0-9a-f]{16})<`)

func TestStampGivesFreshValidMessages(t *testing.T) {
	schemas, _ := xsd.Embedded()
	c, err := corpus.Get("680-dlr-retrieved")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
	raw1, tid1, err := c.Stamp(now)
	if err != nil {
		t.Fatal(err)
	}
	raw2, tid2, _ := c.Stamp(now)
	if tid1 == tid2 || !mm7.IsVibesTransactionID(tid1) || tid1 == c.TransactionID {
		t.Fatalf("TransactionIDs %q, %q: want fresh 16-hex IDs", tid1, tid2)
	}
	h, _ := swa.ReadHTTP(raw1)
	if h.CheckContentLength() != nil || h.ContentLength != int64(len(h.Body)) {
		t.Fatalf("Content-Length wrong after stamping: %v", h.CheckContentLength())
	}
	if m := tidInBody.FindSubmatch(h.Body); m == nil || string(m[1]) != tid1 {
		t.Errorf("body carries %q, want %s", m, tid1)
	}
	env, err := mm7.Decode(h.Body, "utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if d := env.Message.(*mm7.DeliveryReportReq).Date; d != "2027-03-04T00:06:07-05:00" && !strings.HasPrefix(string(d), "2027-03-0") {
		t.Errorf("date not refreshed: %s", d)
	}
	if bytes.Equal(raw1, raw2) {
		t.Error("two stamps gave the same bytes")
	}
	v, err := build.Judge(bytes.NewReader(raw1), c.Kind, c.Flavour, schemas)
	if err != nil || v.Failure != "" || !v.SchemaValid {
		t.Errorf("stamped message no longer valid: %+v %v", v, err)
	}
	// Every stampable case stays as it was after stamping.
	for _, c := range corpus.All() {
		if c.Generator != "" || c.TransactionID == "" {
			continue
		}
		raw, _, err := c.Stamp(now)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		v, err := build.Judge(bytes.NewReader(raw), c.Kind, c.Flavour, schemas)
		if err != nil || v.SchemaValid != c.SchemaValid || !slices.Equal(v.Deviations, c.Deviations) {
			t.Errorf("%s: stamped case reads as %+v %v", c.ID, v, err)
		}
	}
}

func TestRequest(t *testing.T) {
	type seen struct {
		header http.Header
		body   []byte
		n      int64
	}
	got := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), b, r.ContentLength}
	}))
	defer srv.Close()
	c, _ := corpus.Get("680-mo-seed")
	for i := 0; i < 2; i++ {
		req, err := c.Request(srv.URL + "/mm7/mo")
		if err != nil {
			t.Fatal(err)
		}
		rsp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rsp.Body.Close()
		s := <-got
		if s.header.Get("User-Agent") != "Java/1.6.0_65" || !strings.HasPrefix(s.header.Get("Content-Type"), "multipart/related") || s.n != int64(len(s.body)) {
			t.Errorf("request %d: headers %v, Content-Length %d for %d bytes", i, s.header, s.n, len(s.body))
		}
		if bytes.Contains(s.body, []byte("becc3e4a6e065bd6")) {
			t.Errorf("request %d carries the stored TransactionID, want a fresh one", i)
		}
	}
	raw, _ := corpus.Get("680-neg-content-length-long")
	if _, err := raw.Request(srv.URL); !errors.Is(err, corpus.ErrRawOnly) {
		t.Errorf("raw-only case: got %v, want ErrRawOnly", err)
	}
	big, _ := corpus.Get("680-neg-body-20mb")
	req, err := big.Request(srv.URL)
	if err != nil || req.ContentLength != 20<<20 {
		t.Fatalf("generated case: %v, Content-Length %d", err, req.ContentLength)
	}
	if _, err := big.Raw(); !errors.Is(err, corpus.ErrStreamed) {
		t.Errorf("generated case Raw: got %v, want ErrStreamed", err)
	}
}

func TestSelect(t *testing.T) {
	all := corpus.All()
	dlr := corpus.Select(corpus.Filter{Flavour: mm7.Flavour550, Kind: corpus.KindDeliveryReport})
	if len(dlr) == 0 || len(dlr) >= len(all) {
		t.Fatalf("%d of %d", len(dlr), len(all))
	}
	for _, c := range dlr {
		if c.Flavour != mm7.Flavour550 || c.Kind != corpus.KindDeliveryReport {
			t.Errorf("%s selected", c.ID)
		}
	}
	if got := corpus.Select(corpus.Filter{IDs: []string{"680-mo-size-*", "550-mo-seed"}}); len(got) != 11 {
		t.Errorf("prefix selection: %d cases", len(got))
	}
	if _, err := corpus.Get("no-such-case"); err == nil {
		t.Error("unknown id found")
	}
	_ = strconv.Itoa
}
