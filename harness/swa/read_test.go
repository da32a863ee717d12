package swa_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// crlf joins lines with CRLF.
func crlf(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }

const soap = `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>`

func read(t *testing.T, ct string, body []byte) *swa.Message {
	t.Helper()
	m, err := swa.ReadBytes(ct, body, swa.ReadOptions{})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

func TestSeedMO680(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "seed", "vibes-680-mo.http"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := swa.ReadHTTP(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Request || h.Method != "POST" || h.Target != "/client/mms/deliver" || h.Header.Get("User-Agent") != "Java/1.6.0_65" {
		t.Errorf("request line/header: %+v", h)
	}
	// The page's Content-Length is that of the full capture.
	if !mm7.Has(h.Deviations, swa.DevContentLength) || !errors.Is(h.CheckContentLength(), swa.ErrContentLength) {
		t.Errorf("Content-Length 47103 over a %d-byte body not reported: %v", len(h.Body), h.Deviations)
	}
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != m.Top.Parts[0] || m.Root.ContentID != "549710183.1414695261747.sun-soap.jeetumac.local" || m.Charset() != "utf-8" {
		t.Errorf("root: %+v", m.Root)
	}
	if !mm7.Has(m.Deviations, swa.DevContentIDBare) {
		t.Errorf("deviations %v: want %s", m.Deviations, swa.DevContentIDBare)
	}
	if !bytes.HasPrefix(m.SOAP(), []byte(`<?xml version="1.0" encoding="utf-16"?>`)) || !bytes.HasSuffix(m.SOAP(), []byte("</SOAP-ENV:Envelope>")) {
		t.Errorf("SOAP part: %q…", m.SOAP()[:60])
	}
	// Nested multipart/mixed with the GIF and the text, addressed by
	// bracketed Content-IDs; the container's own ID has brackets inside.
	att := m.Attachments()
	if len(att) != 1 || att[0].MediaType != "multipart/mixed" || len(att[0].Parts) != 2 || att[0].ContentID != "<sample.gif>-<Simple.txt>" {
		t.Fatalf("attachments: %+v", att)
	}
	gif, err := m.Resolve("cid:sample.gif")
	if err != nil || gif.MediaType != "image/gif" || !bytes.HasPrefix(gif.Body, []byte("GIF89a")) || gif.Path != "2.1" {
		t.Errorf("cid:sample.gif: %v %+v", err, gif)
	}
	txt, err := m.Resolve("cid:%3CSimple.txt%3E")
	if err != nil || string(txt.Body) != "Simple Attachment" {
		t.Errorf("cid:<Simple.txt>: %v %q", err, txt.Body)
	}
	// The SOAP bytes sit at RootOffset in the body, and the body at
	// BodyOffset in the file, so positions map back to the file.
	if off := h.BodyOffset + m.RootOffset(); !bytes.HasPrefix(raw[off:], m.SOAP()) {
		t.Errorf("RootOffset does not point at the SOAP bytes in the file")
	}
}

func TestSeedExample550BoundaryMismatch(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join("testdata", "seed", "vibes-550-example.http"))
	h, err := swa.ReadHTTP(raw)
	if err != nil {
		t.Fatal(err)
	}
	_, err = swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{})
	if !errors.Is(err, swa.ErrBoundaryMismatch) || !strings.Contains(err.Error(), "----=_Part_1_1764018763.1515602889819") {
		t.Fatalf("got %v, want a boundary mismatch naming the body's boundary", err)
	}
	if se := (*swa.Error)(nil); !errors.As(err, &se) || se.Limit() {
		t.Errorf("got %v, want a body that does not read, not a limit passed", err)
	}
	// Diagnosis is opt-in; it reads the body's boundary, keeps the
	// truncated base64 ("iVBORw0...") raw, and lists both problems.
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{Diagnose: true})
	if err != nil {
		t.Fatalf("diagnose: %v", err)
	}
	if !mm7.Has(m.Deviations, swa.DevBoundaryRecovered) || m.Root.ContentID != "rootpart" {
		t.Errorf("recovered: %v %+v", m.Deviations, m.Root)
	}
	if len(m.Problems) != 2 || !errors.Is(m.Problems[0], swa.ErrBoundaryMismatch) || !errors.Is(m.Problems[1], swa.ErrEncoding) {
		t.Errorf("problems: got %v, want the boundary mismatch and the base64 error", m.Problems)
	}
}

func TestEncodings(t *testing.T) {
	payload := []byte("Grüße\r\nline two = 3\r\n\x00\x01\xff binary")
	b64 := "R3LDvMOfZQ0KbGluZSB0d28gPSAzDQoAAf8gYmluYXJ5"
	cases := []struct {
		name, enc, body string
		want            []byte
		dev             mm7.DeviationID
	}{
		{"base64", "base64", b64, payload, ""},
		{"BASE64 upper case", "BASE64", b64, payload, ""},
		{"base64 wrapped", "Base64", b64[:12] + "\r\n" + b64[12:24] + "\r\n" + b64[24:], payload, ""},
		{"base64 stray spaces", "base64", b64[:8] + " \t " + b64[8:], payload, swa.DevBase64Lenient},
		{"base64 no padding", "base64", strings.TrimRight(b64, "="), payload, ""},
		{"quoted-printable", "Quoted-Printable", "Gr=C3=BC=C3=9Fe\r\nline two =3D 3", []byte("Grüße\r\nline two = 3"), ""},
		{"7bit", "7bit", "plain", []byte("plain"), ""},
		{"8bit", "8BIT", "Grüße", []byte("Grüße"), ""},
		{"binary", "binary", string(payload), payload, ""},
		{"none", "", "as is", []byte("as is"), ""},
		{"unknown", "x-uuencode", "begin 644", []byte("begin 644"), swa.DevUnknownEncoding},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := crlf("--b", "Content-Type: text/xml", "", soap, "--b",
				"Content-Type: application/octet-stream", "Content-Transfer-Encoding: "+c.enc, "Content-ID: <x>", "", c.body, "--b--")
			if c.enc == "" {
				body = bytes.Replace(body, []byte("Content-Transfer-Encoding: \r\n"), nil, 1)
			}
			m := read(t, `multipart/related; type="text/xml"; boundary=b`, body)
			p, err := m.Resolve("cid:x")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(p.Body, c.want) {
				t.Errorf("got %q, want %q", p.Body, c.want)
			}
			if c.dev != "" && !mm7.Has(m.Deviations, c.dev) {
				t.Errorf("deviations %v: want %s", m.Deviations, c.dev)
			}
		})
	}
}

func TestBadBase64IsAnError(t *testing.T) {
	body := crlf("--b", "", soap, "--b", "Content-Transfer-Encoding: base64", "", "!!!not base64!!!", "--b--")
	_, err := swa.ReadBytes("multipart/related; boundary=b", body, swa.ReadOptions{})
	if !errors.Is(err, swa.ErrEncoding) || !strings.Contains(err.Error(), "part 2") {
		t.Fatalf("got %v, want an encoding error at part 2", err)
	}
}

// RFC 2045 section 6.8: a decoder ignores characters outside the base64
// alphabet. Asked to, the reader does, and says so.
func TestLenientBase64IgnoresStrayCharacters(t *testing.T) {
	body := crlf("--b", "", soap, "--b", "Content-Transfer-Encoding: base64", "", "aGVs*bG8g!d29y~bGQ=", "--b--")
	m, err := swa.ReadBytes("multipart/related; boundary=b", body, swa.ReadOptions{LenientBase64: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(m.Top.Parts[1].Body); got != "hello world" || !mm7.Has(m.Deviations, swa.DevBase64Lenient) {
		t.Errorf("got %q, deviations %v; want \"hello world\" and %s", got, m.Deviations, swa.DevBase64Lenient)
	}
	// A last quantum too short to hold a byte is dropped, not an error.
	body = crlf("--b", "", soap, "--b", "Content-Transfer-Encoding: base64", "", "aGk=Q", "--b--")
	if m, err := swa.ReadBytes("multipart/related; boundary=b", body, swa.ReadOptions{LenientBase64: true}); err != nil || string(m.Top.Parts[1].Body) != "hi" {
		t.Errorf("trailing character: %v", err)
	}
}

func TestStructure(t *testing.T) {
	smil := `<smil><body><par><img src="cid:img"/><text src="cid:txt"/></par></body></smil>`
	cases := []struct {
		name  string
		ct    string
		body  []byte
		check func(t *testing.T, m *swa.Message)
	}{
		{"plain text/xml body", "text/xml; charset=utf-8", []byte(soap), func(t *testing.T, m *swa.Message) {
			if m.Root != m.Top || m.Charset() != "utf-8" || string(m.SOAP()) != soap || m.RootOffset() != 0 {
				t.Errorf("root: %+v", m.Root)
			}
		}},
		{"start with brackets picks the named part", `multipart/related; type="text/xml"; start="<root>"; boundary="b"`,
			crlf("--b", "Content-Type: text/plain", "", "first", "--b", "Content-Type: text/xml", "Content-ID: <root>", "", soap, "--b--"),
			func(t *testing.T, m *swa.Message) {
				if m.Root.Path != "2" || len(m.Deviations) != 0 {
					t.Errorf("root %s, deviations %v", m.Root.Path, m.Deviations)
				}
			}},
		{"start without brackets", `multipart/related; type="text/xml"; start=root; boundary=b`,
			crlf("--b", "Content-Type: text/plain", "", "first", "--b", "Content-Type: text/xml", "Content-Id: root", "", soap, "--b--"),
			func(t *testing.T, m *swa.Message) {
				if m.Root.Path != "2" || !mm7.Has(m.Deviations, swa.DevStartUnbracketed) || !mm7.Has(m.Deviations, swa.DevContentIDBare) {
					t.Errorf("root %s, deviations %v", m.Root.Path, m.Deviations)
				}
			}},
		{"start naming nothing falls back to the first part", `multipart/related; type="text/xml"; start="<nope>"; boundary=b`,
			crlf("--b", "Content-Type: text/xml", "", soap, "--b--"),
			func(t *testing.T, m *swa.Message) {
				if m.Root.Path != "1" || !mm7.Has(m.Deviations, swa.DevStartNotFound) {
					t.Errorf("root %s, deviations %v", m.Root.Path, m.Deviations)
				}
			}},
		{"no type parameter", `multipart/related; boundary=b`, crlf("--b", "Content-Type: text/xml", "", soap, "--b--"),
			func(t *testing.T, m *swa.Message) {
				if !mm7.Has(m.Deviations, swa.DevRelatedNoType) {
					t.Errorf("deviations %v", m.Deviations)
				}
			}},
		{"LF-only line ends, preamble, epilogue, unquoted boundary", `multipart/related; type="text/xml"; boundary=simple`,
			[]byte("This is a preamble.\n--simple\nContent-Type: text/xml\n\n" + soap + "\n--simple--\nepilogue\n"),
			func(t *testing.T, m *swa.Message) {
				if string(m.SOAP()) != soap || string(m.Top.Preamble) != "This is a preamble." || string(m.Top.Epilogue) != "epilogue\n" {
					t.Errorf("soap %q preamble %q epilogue %q", m.SOAP(), m.Top.Preamble, m.Top.Epilogue)
				}
				if !mm7.Has(m.Deviations, swa.DevLFLineEndings) {
					t.Errorf("deviations %v", m.Deviations)
				}
			}},
		{"SMIL presentation: related with start inside related", `multipart/related; type="text/xml"; boundary="outer"`,
			crlf("--outer", "Content-Type: text/xml", "", soap, "--outer",
				`Content-Type: multipart/related; type="application/smil"; start="<pres>"; boundary="inner"`, "Content-ID: <mms>", "",
				"--inner", "Content-Type: application/smil", "Content-ID: <pres>", "", smil,
				"--inner", "Content-Type: image/png", "Content-ID: <img>", "Content-Transfer-Encoding: base64", "", "iVBORw0KGgo=",
				"--inner", "Content-Type: text/plain; charset=utf-8", "Content-Location: hello.txt", "", "hello 👋",
				"--inner--", "--outer--"),
			func(t *testing.T, m *swa.Message) {
				mms, _ := m.Resolve("cid:mms")
				img, _ := m.Resolve("cid:img")
				txt, err := m.Resolve("hello.txt")
				if mms == nil || len(mms.Parts) != 3 || img == nil || !bytes.Equal(img.Body, []byte("\x89PNG\r\n\x1a\n")) {
					t.Fatalf("tree: %+v %+v", mms, img)
				}
				if err != nil || string(txt.Body) != "hello 👋" || !mm7.Has(m.Deviations, swa.DevHrefWithoutCID) {
					t.Errorf("Content-Location reference: %v %+v %v", err, txt, m.Deviations)
				}
			}},
		{"boundary that prefixes a longer line", `multipart/related; boundary=b`,
			crlf("--b", "Content-Type: text/xml", "", soap, "--bb is not a delimiter", "--b--"),
			func(t *testing.T, m *swa.Message) {
				if !bytes.HasSuffix(m.SOAP(), []byte("--bb is not a delimiter")) {
					t.Errorf("soap %q", m.SOAP())
				}
			}},
		{"no close delimiter", `multipart/related; boundary=b`, crlf("--b", "Content-Type: text/xml", "", soap),
			func(t *testing.T, m *swa.Message) {
				if string(m.SOAP()) != soap || !mm7.Has(m.Deviations, swa.DevUnterminated) {
					t.Errorf("soap %q deviations %v", m.SOAP(), m.Deviations)
				}
			}},
		{"lenient Content-Type", `multipart/related;; type="text/xml"; boundary=b;`, crlf("--b", "", soap, "--b--"),
			func(t *testing.T, m *swa.Message) {
				if !mm7.Has(m.Deviations, swa.DevContentTypeLenient) || string(m.SOAP()) != soap {
					t.Errorf("deviations %v", m.Deviations)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, read(t, c.ct, c.body)) })
	}
}

func TestLimits(t *testing.T) {
	many := [][]byte{}
	for i := 0; i < 10; i++ {
		many = append(many, crlf("--b", "", "x"))
	}
	manyParts := append(bytes.Join(many, []byte("\r\n")), crlf("", "--b--")...)
	deep := []byte(soap)
	ct := "text/xml"
	for i := 0; i < 5; i++ {
		b := fmt.Sprintf("b%d", i)
		deep = crlf("--"+b, "Content-Type: "+ct, "", string(deep), "--"+b+"--")
		ct = `multipart/related; boundary="` + b + `"`
	}
	bigHeader := crlf("--b", "X-Big: "+strings.Repeat("a", 2000), "", "x", "--b--")
	cases := []struct {
		name string
		ct   string
		body []byte
		lim  swa.Limits
		want error
	}{
		{"bytes", "text/xml", []byte(soap), swa.Limits{MaxBytes: 10}, swa.ErrTooLarge},
		{"parts", "multipart/related; boundary=b", manyParts, swa.Limits{MaxParts: 5}, swa.ErrTooManyParts},
		{"depth", ct, deep, swa.Limits{MaxDepth: 3}, swa.ErrTooDeep},
		{"header bytes", "multipart/related; boundary=b", bigHeader, swa.Limits{MaxHeaderBytes: 1000}, swa.ErrHeaderTooLarge},
		{"no boundary", "multipart/related", []byte("--b\r\n\r\nx\r\n--b--"), swa.Limits{}, swa.ErrNoBoundary},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := swa.ReadBytes(c.ct, c.body, swa.ReadOptions{Limits: c.lim})
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			// The streaming entry point enforces the byte limit while reading.
			_, err = swa.Read(c.ct, bytes.NewReader(c.body), swa.ReadOptions{Limits: c.lim})
			if !errors.Is(err, c.want) {
				t.Fatalf("Read: got %v, want %v", err, c.want)
			}
		})
	}
	// Within the limits the same messages read.
	if _, err := swa.ReadBytes(ct, deep, swa.ReadOptions{}); err != nil {
		t.Errorf("5-deep message under the default limits: %v", err)
	}
}

// Read stops at the limit instead of buffering an endless body.
func TestReadStopsAtTheLimit(t *testing.T) {
	endless := &countingReader{}
	_, err := swa.Read("text/xml", endless, swa.ReadOptions{Limits: swa.Limits{MaxBytes: 1 << 20}})
	if !errors.Is(err, swa.ErrTooLarge) || endless.n > 1<<20+1 {
		t.Fatalf("got %v after reading %d bytes", err, endless.n)
	}
}

type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestReadHTTP(t *testing.T) {
	rsp, err := swa.ReadHTTP([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4\r\n\r\n<a/>"))
	if err != nil || rsp.Request || rsp.StatusCode != 200 || rsp.Reason != "OK" || string(rsp.Body) != "<a/>" || len(rsp.Deviations) != 0 {
		t.Fatalf("response: %v %+v", err, rsp)
	}
	blank, err := swa.ReadHTTP([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	if err != nil || len(blank.Body) != 0 || blank.CheckContentLength() != nil {
		t.Fatalf("blank 200: %v %+v", err, blank)
	}
	chunked, err := swa.ReadHTTP([]byte("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<a/>\r\n0\r\n\r\n"))
	if err != nil || string(chunked.Body) != "<a/>" || !mm7.Has(chunked.Deviations, swa.DevChunked) {
		t.Fatalf("chunked: %v %+v", err, chunked)
	}
	for _, bad := range []string{"", "<a/>", "HTTP/1.1 abc OK\r\n\r\n", "POST /x\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"} {
		if _, err := swa.ReadHTTP([]byte(bad)); !errors.Is(err, swa.ErrMalformedHTTP) {
			t.Errorf("%q: got %v, want %v", bad, err, swa.ErrMalformedHTTP)
		}
	}
}

func TestResolveIDWithInnerBrackets(t *testing.T) {
	body := crlf("--b", "", soap, "--b", "Content-ID: <<sample.gif>-<Simple.txt>>", "", "x", "--b--")
	m := read(t, "multipart/related; boundary=b", body)
	for _, href := range []string{"cid:%3Csample.gif%3E-%3CSimple.txt%3E", "cid:<<sample.gif>-<Simple.txt>>"} {
		if p, err := m.Resolve(href); err != nil || p.Path != "2" {
			t.Errorf("%s: %v", href, err)
		}
	}
}

// Regression (found by FuzzRead): a Content-Type folded onto a blank
// continuation line read as an empty media type, and as text/plain once
// written back. Blank is absent: the RFC 2045 default.
func TestBlankContentTypeIsTheDefault(t *testing.T) {
	m := read(t, "multipart/mixed; boundary=b", []byte("--b\nContent-Type:\n \n\nx\n--b--"))
	if p := m.Top.Parts[0]; p.MediaType != "text/plain" || p.Params["charset"] != "us-ascii" || p.Header.Get("Content-Type") != "" {
		t.Fatalf("got %q %v, header %q", p.MediaType, p.Params, p.Header.Get("Content-Type"))
	}
}

// Regression (a panic found by FuzzRead): unpadded base64 shorter than a
// quad ("00") decoded into a buffer sized for padded input.
func TestBase64WithoutPaddingShorterThanAQuad(t *testing.T) {
	for body, want := range map[string]string{"00": "\xd3", "AAA": "\x00\x00", "QQ": "A"} {
		m := read(t, "multipart/mixed; boundary=b", []byte("--b\nContent-Transfer-Encoding: base64\n\n"+body+"\n--b--"))
		if got := string(m.Top.Parts[0].Body); got != want {
			t.Errorf("%q: got %q, want %q", body, got, want)
		}
	}
}

// Regression: Read allocated the declared size before any byte came, so
// 300 connections promising 16 MB and sending one byte each took a server
// to its memory limit. Memory now follows the bytes that arrive.
func TestReadGrowsWithTheBytesNotThePromise(t *testing.T) {
	body := crlf("--b", "", soap, "--b--")
	allocated := func(hint int64) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := 0; i < 10; i++ {
			swa.Read("multipart/related; boundary=b", bytes.NewReader(body), swa.ReadOptions{SizeHint: hint})
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 10
	}
	if lying, honest := allocated(16_000_000), allocated(int64(len(body))); lying > 128<<10 || lying > 4*honest+64<<10 {
		t.Errorf("a body of %d bytes promising 16 MB costs %d bytes (%d when honest)", len(body), lying, honest)
	}
}
