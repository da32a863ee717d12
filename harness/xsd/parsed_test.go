package xsd_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// decodedAlike decodes doc twice — from its bytes, and from the parse the
// validator made (the receiver's parse-once path) — and fails unless both
// give the same envelope and the same error. It reports whether the
// validator's parse was used at all.
func decodedAlike(t testing.TB, s *xsd.Schemas, name string, doc []byte, charset string) bool {
	t.Helper()
	o := mm7.DecodeOptions{Charset: charset}
	want, wantErr := o.Decode(doc)
	norm, _, err := mm7.NormalizeCharset(doc, charset)
	if err != nil {
		return false
	}
	_, parsed := s.ValidateParsed(norm, "")
	got, gotErr := o.DecodeParsed(doc, parsed)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: the envelope decoded from the validator's parse differs (-bytes +parse):\n%s", name, diff)
	}
	if msg := errText(gotErr); msg != errText(wantErr) {
		t.Errorf("%s: error from the validator's parse %q, from the bytes %q", name, msg, errText(wantErr))
	}
	return parsed != nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	var de *mm7.DecodeError
	if errors.As(err, &de) {
		return string(de.Reason) + ": " + de.Error()
	}
	return err.Error()
}

// parseOnceDocs are the documents the parse-once path must read exactly as
// the byte decoder does: every SOAP part of the corpus (those a correct
// endpoint refuses included), the decoder's seeds and goldens, generated
// messages of every kind in both flavours, and the schema mutants.
func parseOnceDocs(t testing.TB) (docs []struct {
	name, charset string
	doc           []byte
}) {
	add := func(name, charset string, doc []byte) {
		docs = append(docs, struct {
			name, charset string
			doc           []byte
		}{name, charset, doc})
	}
	for _, c := range corpus.All() {
		raw, err := c.Raw()
		if err != nil || c.Size > 4<<20 {
			continue
		}
		h, err := swa.ReadHTTP(raw)
		if err != nil {
			continue
		}
		msg, err := swa.Read(h.ContentType(), bytes.NewReader(h.Body), swa.ReadOptions{})
		if err != nil || msg.SOAP() == nil {
			continue
		}
		add("corpus "+c.ID, msg.Charset(), msg.SOAP())
	}
	for _, dir := range []string{"seed", "golden"} {
		paths, _ := filepath.Glob(filepath.Join("..", "mm7", "testdata", dir, "*.xml"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			add(dir+" "+filepath.Base(p), "", b)
		}
	}
	for _, v := range mm7.Flavours() {
		for seed := uint64(1); seed <= 20; seed++ {
			g := mm7gen.New(seed, v)
			for _, k := range mm7gen.Kinds {
				b, err := mm7.Encode(g.Envelope(k))
				if err != nil {
					t.Fatal(err)
				}
				add(v.Name+" generated "+string(k), "", b)
				base, err := parseTree(b)
				if err != nil {
					t.Fatal(err)
				}
				if seed == 1 {
					for _, m := range mutants(base, string(k)) {
						add(v.Name+" mutant "+m.name, "", m.doc)
					}
				}
			}
		}
	}
	return docs
}

// TestParseOnceDecodesAlike: decoding from the validator's parse gives
// what decoding the bytes gives, envelope, deviations (lines included) and
// errors alike, over every document above; and it is the path actually
// taken for nearly all of them.
func TestParseOnceDecodesAlike(t *testing.T) {
	s := embedded(t)
	docs := parseOnceDocs(t)
	used := 0
	for _, d := range docs {
		if decodedAlike(t, s, d.name, d.doc, d.charset) {
			used++
		}
	}
	t.Logf("%d documents, %d decoded from the validator's parse", len(docs), used)
	if len(docs) < 1000 || used < len(docs)*9/10 {
		t.Errorf("%d documents, %d read from the validator's parse: too few to say the paths agree", len(docs), used)
	}
}

// TestParseOnceAwkwardSpellings covers what a tree hides and the bytes
// show: CDATA, character references, entities, comments, namespace
// declarations in odd places, attributes spread over lines, a document
// that is well-formed but breaks the namespace rules.
func TestParseOnceAwkwardSpellings(t *testing.T) {
	s := embedded(t)
	base := env(goodRsp)
	cases := map[string]string{
		"cdata":              strings.Replace(base, "Success", "<![CDATA[Suc]]>cess", 1),
		"character refs":     strings.Replace(base, "Success", "&#x53;ucc&#101;ss &amp; &lt;more&gt;", 1),
		"comments":           strings.Replace(base, "<m:Status>", "<!-- a --><m:Status><!-- b -->", 1),
		"many comments":      strings.Replace(base, "<m:Status>", strings.Repeat("<!--\n-->", 20000)+"<m:Status>", 1),
		"processing instr":   strings.Replace(base, "<m:Status>", "<?pi x?><m:Status>", 1),
		"lines in a tag":     strings.Replace(base, "<m:DeliverRsp ", "<m:DeliverRsp\n\n   ", 1),
		"undeclared prefix":  strings.Replace(base, "<m:Status>", "<q:Status>", 1),
		"redeclared prefix":  strings.Replace(base, "<m:Status>", `<m:Status xmlns:m="urn:example:x">`, 1),
		"empty default ns":   strings.Replace(base, "<m:StatusCode>", `<StatusCode xmlns="">`, 1),
		"xml:lang":           strings.Replace(base, "<m:StatusText>", `<m:StatusText xml:lang="en">`, 1),
		"tid with spaces":    strings.Replace(base, ">t1<", ">\n  t1\t<", 1),
		"tid mustUnderstand": strings.Replace(base, `soap:mustUnderstand="1"`, `soap:mustUnderstand="true"`, 1),
		"trailing comment":   base + "\n<!-- end -->\n",
		"tag over lines":     strings.Replace(base, `<m:TransactionID xmlns:m=`, "<!--\n\n-->\n<m:TransactionID\n\n  soap:mustUnderstand=\"0\"\n xmlns:m=", 1),
		"details kept":       strings.Replace(base, "</m:StatusText>", `</m:StatusText><m:Details><r xmlns="urn:x">why</r></m:Details>`, 1),
		"fault with detail": env(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>x</faultstring><detail>` +
			`<m:VASPErrorRsp xmlns:m="` + ns6 + `"><m:MM7Version>6.8.0</m:MM7Version><m:Status><m:StatusCode>3000</m:StatusCode>` +
			`<m:StatusText>x</m:StatusText></m:Status></m:VASPErrorRsp></detail></soap:Fault>`),
		"two messages":  env(goodRsp + goodRsp),
		"text in body":  env("text" + goodRsp),
		"no body":       strings.Replace(strings.Replace(base, "<soap:Body>", "", 1), "</soap:Body>", "", 1),
		"unknown op":    env(`<m:CancelReq xmlns:m="` + ns6 + `"/>`),
		"bad status":    strings.Replace(base, ">1000<", ">OK<", 1),
		"mandatory hdr": strings.Replace(base, "</soap:Header>", `<x:Y xmlns:x="urn:x" soap:mustUnderstand="1"/></soap:Header>`, 1),
	}
	for name, doc := range cases {
		decodedAlike(t, s, name, []byte(doc), "")
	}
	// The details' inner XML is as written, which only the bytes keep.
	_, parsed := s.ValidateParsed([]byte(cases["details kept"]), "")
	got, err := mm7.DecodeOptions{}.DecodeParsed([]byte(cases["details kept"]), parsed)
	if err != nil {
		t.Fatal(err)
	}
	if d := mm7.ResponseOf(got.Message).Status.Details; d == nil || !strings.Contains(d.InnerXML, `<r xmlns="urn:x">why</r>`) {
		t.Errorf("details: got %+v, want the inner XML as written", d)
	}
}

// FuzzParseOnce: for any document, decoding from the validator's parse
// agrees with decoding the bytes.
func FuzzParseOnce(f *testing.F) {
	for _, d := range parseOnceDocs(f) {
		if len(d.doc) < 64<<10 && strings.HasPrefix(d.name, "corpus") || strings.HasPrefix(d.name, "seed") {
			f.Add(d.doc, d.charset)
		}
	}
	s, err := xsd.Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte, charset string) {
		decodedAlike(t, s, "input", doc, charset)
	})
}
