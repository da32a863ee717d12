package swa_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/internal/needs"
)

// randomMessage builds a message in style s with a random tree of
// attachments: every transfer encoding, bracketed and bare Content-IDs,
// Content-Locations, nested multipart/related and multipart/mixed.
func randomMessage(r *rand.Rand, s swa.Style) *swa.Message {
	env, err := mm7.Encode(mm7gen.New(r.Uint64(), mm7.Flavour680).Envelope(mm7.KindDeliverReq))
	if err != nil {
		panic(err)
	}
	var leaf func(i int) *swa.Part
	leaf = func(i int) *swa.Part {
		types := []string{"image/gif", "image/jpeg", "image/png", "video/3gpp", "audio/amr", "text/plain; charset=utf-8", "application/smil"}
		encs := []string{"base64", "binary", "8bit", "7bit", "quoted-printable", "Base64", ""}
		enc := encs[r.IntN(len(encs))]
		var body []byte
		switch strings.ToLower(enc) {
		case "7bit", "quoted-printable":
			lines := []string{"Hello", "ASCII only = fine", "", "last line"}
			if enc == "quoted-printable" {
				lines = append(lines, "Grüße 🎉 über")
			}
			body = []byte(strings.Join(lines[:1+r.IntN(len(lines))], "\r\n"))
		default:
			body = make([]byte, r.IntN(3000))
			for j := range body {
				body[j] = byte(r.IntN(256))
			}
		}
		p := swa.NewPart(types[r.IntN(len(types))], enc, body)
		switch r.IntN(4) {
		case 0:
			p.SetContentID(fmt.Sprintf("<part%d@example.com>", i))
		case 1:
			p.SetContentID(fmt.Sprintf("part%d", i))
		case 2:
			p.SetContentLocation(fmt.Sprintf("file%d.bin", i))
		}
		return p
	}
	var parts []*swa.Part
	for i := 0; i < 1+r.IntN(3); i++ {
		if r.IntN(3) == 0 {
			inner := []*swa.Part{leaf(10*i + 1), leaf(10*i + 2)}
			ct := "multipart/mixed"
			if r.IntN(2) == 0 {
				ct = `multipart/related; type="application/smil"; start="<part` + fmt.Sprint(10*i+1) + `@example.com>"`
				inner[0].SetContentID(fmt.Sprintf("<part%d@example.com>", 10*i+1))
			}
			parts = append(parts, swa.NewMultipart(ct, inner...).SetContentID(fmt.Sprintf("<mms%d>", i)))
		} else {
			parts = append(parts, leaf(i))
		}
	}
	return swa.New(s, env, parts...)
}

// sameTree compares what a reader can know of two part trees: types and
// parameters (the boundary aside), IDs, locations, encodings, decoded bodies.
func sameTree(t *testing.T, want, got *swa.Part) {
	t.Helper()
	wp, gp := cloneParams(want.Params), cloneParams(got.Params)
	if want.MediaType != got.MediaType || fmt.Sprint(wp) != fmt.Sprint(gp) || want.ContentID != got.ContentID ||
		want.ContentLocation != got.ContentLocation || want.Encoding != got.Encoding || len(want.Parts) != len(got.Parts) {
		t.Fatalf("part %q: got %s %v id=%q loc=%q enc=%q %d parts; want %s %v id=%q loc=%q enc=%q %d parts",
			got.Path, got.MediaType, gp, got.ContentID, got.ContentLocation, got.Encoding, len(got.Parts),
			want.MediaType, wp, want.ContentID, want.ContentLocation, want.Encoding, len(want.Parts))
	}
	if !want.IsMultipart() && !bytes.Equal(want.Body, got.Body) {
		t.Fatalf("part %q: body differs (%d vs %d bytes)", got.Path, len(got.Body), len(want.Body))
	}
	for i := range want.Parts {
		sameTree(t, want.Parts[i], got.Parts[i])
	}
}

func cloneParams(p map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range p {
		if k != "boundary" {
			out[k] = v
		}
	}
	return out
}

// Property: read(write(m)) equals m, and writing what was read with its
// own boundaries gives the same bytes again.
func TestWriteReadRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []swa.Style{swa.StyleVibes, swa.StyleStrict} {
		for i := 0; i < 200; i++ {
			m := randomMessage(r, s)
			ct, body, err := swa.Writer{Style: s}.Write(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := swa.ReadBytes(ct, body, swa.ReadOptions{})
			if err != nil {
				t.Fatalf("%s #%d: %v\n%s", s, i, err, body)
			}
			sameTree(t, m.Top, got.Top)
			if got.Root.Path != "1" || !bytes.Equal(got.SOAP(), m.SOAP()) {
				t.Fatalf("%s #%d: root %q", s, i, got.Root.Path)
			}
			if !bytes.Equal(got.Raw(), body) {
				t.Fatalf("%s #%d: raw bytes differ from what was read", s, i)
			}
			ct2, body2, err := swa.Writer{Style: s}.Write(got)
			if err != nil || ct2 != ct || !bytes.Equal(body2, body) {
				t.Fatalf("%s #%d: re-writing what was read changed the bytes (err %v)", s, i, err)
			}
			if s == swa.StyleStrict && len(got.Deviations) != 0 {
				t.Fatalf("strict #%d: deviations %v", i, got.Deviations)
			}
		}
	}
}

func TestVibesStyle(t *testing.T) {
	gif := swa.NewPart("image/gif; name=sample.gif", "base64", []byte("GIF89a...")).SetContentID("<sample.gif>")
	m := swa.New(swa.StyleVibes, []byte(soap), gif)
	ct, body, err := swa.Writer{Style: swa.StyleVibes}.Write(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ct, `multipart/related; type="text/xml"; boundary="----=_Part_`) || strings.Contains(ct, "start=") {
		t.Errorf("Content-Type: %s", ct)
	}
	lines := strings.Split(string(body), "\r\n")
	if !strings.HasPrefix(lines[0], "------=_Part_") || lines[1] != "Content-Type: text/xml; charset=utf-8" ||
		lines[2] != "Content-Transfer-Encoding: 8bit" || !strings.HasPrefix(lines[3], "Content-Id: ") ||
		strings.ContainsAny(lines[3], "<>") || !strings.HasSuffix(lines[3], ".sun-soap.mm7harness") {
		t.Errorf("SOAP part header:\n%s", strings.Join(lines[:5], "\n"))
	}
	got := read(t, ct, body)
	if !mm7.Has(got.Deviations, swa.DevContentIDBare) || got.Root.Path != "1" {
		t.Errorf("read back: %v", got.Deviations)
	}
}

func TestStrictStyle(t *testing.T) {
	m := swa.New(swa.StyleStrict, []byte(soap), swa.NewPart("text/plain", "7bit", []byte("hi")).SetContentID("<t@x>"))
	ct, body, err := swa.Writer{Style: swa.StyleStrict}.Write(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ct, `start="<soap-envelope@mm7harness>"`) || !strings.Contains(string(body), "Content-ID: <soap-envelope@mm7harness>\r\n") {
		t.Errorf("Content-Type %s\n%s", ct, body)
	}
	if got := read(t, ct, body); len(got.Deviations) != 0 {
		t.Errorf("strict output has deviations: %v", got.Deviations)
	}
}

// The writer avoids a boundary that occurs in the content.
func TestWriterAvoidsBoundaryInContent(t *testing.T) {
	n := 0
	w := swa.Writer{Boundary: func() string { n++; return fmt.Sprintf("b%d", n) }}
	evil := swa.NewPart("text/plain", "binary", []byte("line\r\n--b1\r\n--b1--\r\nmore"))
	ct, body, err := w.Write(swa.New(swa.StyleVibes, []byte(soap), evil))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ct, `boundary="b1"`) {
		t.Fatalf("chose the boundary that occurs in the content: %s", ct)
	}
	got := read(t, ct, body)
	if len(got.Top.Parts) != 2 || !bytes.Equal(got.Top.Parts[1].Body, evil.Body) {
		t.Errorf("content damaged: %q", got.Top.Parts[1].Body)
	}
}

const pyMIME = `
import email, email.policy, hashlib, json, sys
msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.compat32)
out = []
for part in msg.walk():
    if part.is_multipart():
        continue
    body = part.get_payload(decode=True) or b""
    out.append({"cid": part.get("Content-ID") or "", "sha": hashlib.sha256(body).hexdigest(), "n": len(body)})
json.dump(out, sys.stdout)
`

// An independent MIME implementation (Python's email package) reads what
// the writer produced the same way: part count, Content-IDs, decoded bytes.
func TestPythonEmailAgrees(t *testing.T) {
	py := needs.Tool(t, "python3", "the cross-check of the writer against another MIME parser")
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 40; i++ {
		s := swa.Style(i % 2)
		ct, body, err := swa.Writer{Style: s}.Write(randomMessage(r, s))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(py, "-c", pyMIME)
		cmd.Stdin = bytes.NewReader(append([]byte("MIME-Version: 1.0\r\nContent-Type: "+ct+"\r\n\r\n"), body...))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("python: %v", err)
		}
		var theirs []struct {
			CID string `json:"cid"`
			Sha string `json:"sha"`
			N   int    `json:"n"`
		}
		if err := json.Unmarshal(out, &theirs); err != nil {
			t.Fatalf("python output %q: %v", out, err)
		}
		ours := read(t, ct, body)
		var leaves []*swa.Part
		ours.Walk(func(p *swa.Part) {
			if !p.IsMultipart() {
				leaves = append(leaves, p)
			}
		})
		if len(leaves) != len(theirs) {
			t.Fatalf("#%d: we see %d leaf parts, Python %d", i, len(leaves), len(theirs))
		}
		for j, p := range leaves {
			sum := sha256hex(p.Body)
			if swa.NormalizeID(theirs[j].CID) != p.ContentID || theirs[j].Sha != sum {
				t.Errorf("#%d part %s: Python id=%q %d bytes %s; ours id=%q %d bytes %s",
					i, p.Path, theirs[j].CID, theirs[j].N, theirs[j].Sha[:8], p.ContentID, len(p.Body), sum[:8])
			}
		}
	}
}

func sha256hex(b []byte) string {
	h := sha256.New()
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Regression (found by FuzzRead): a quoted-printable body with a bare LF
// came back with CRLF, because text-mode QP rewrites line breaks.
func TestQuotedPrintableKeepsBareLineFeeds(t *testing.T) {
	for _, body := range []string{"\n", "a\nb", "a\rb", "a\r\nb\n", "Grüße\r\nzwei\r\n"} {
		m := swa.New(swa.StyleStrict, []byte(soap), swa.NewPart("text/plain; charset=utf-8", "quoted-printable", []byte(body)))
		ct, raw, err := swa.Writer{}.Write(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, ct, raw).Top.Parts[1].Body; string(got) != body {
			t.Errorf("%q came back as %q", body, got)
		}
	}
}
