package mm7_test

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf16"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

func utf16le(s string, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.Write([]byte{0xFF, 0xFE})
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b.WriteByte(byte(u))
		b.WriteByte(byte(u >> 8))
	}
	return b.Bytes()
}

func TestNormalizeCharset(t *testing.T) {
	doc := `<?xml version="1.0" encoding="%s"?>` + "\n<a>Grüße 🎉</a>"
	decl := func(enc string) string { return string(bytes.Replace([]byte(doc), []byte("%s"), []byte(enc), 1)) }
	cases := []struct {
		name     string
		in       []byte
		charset  string
		want     string
		mismatch bool
	}{
		{"utf-8 declared, no MIME charset", []byte(decl("utf-8")), "", decl("utf-8"), false},
		{"utf-16 declared over UTF-8, MIME utf-8", []byte(decl("utf-16")), "utf-8", decl("UTF-8"), true},
		{"utf-16 declared over UTF-8, no MIME charset", []byte(decl("utf-16")), "", decl("UTF-8"), true},
		{"real UTF-16LE with BOM", utf16le(decl("UTF-16"), true), "", decl("UTF-8"), false},
		{"real UTF-16LE, MIME utf-16le", utf16le(decl("UTF-16"), false), "UTF-16LE", decl("UTF-8"), false},
		{"latin-1 by MIME charset", []byte("<?xml version=\"1.0\"?>\n<a>Gr\xfc\xdfe</a>"), "iso-8859-1", "<?xml version=\"1.0\"?>\n<a>Grüße</a>", false},
		{"MIME charset wins over declaration", []byte("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a>Gr\xfc\xdfe</a>"), "ISO-8859-1",
			"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a>Grüße</a>", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, devs, err := mm7.NormalizeCharset(c.in, c.charset)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("got %q, want %q", out, c.want)
			}
			if got := mm7.Has(devs, mm7.DevEncodingMismatch); got != c.mismatch {
				t.Errorf("mismatch deviation: got %v (%v), want %v", got, devs, c.mismatch)
			}
		})
	}
}

func TestNormalizeCharsetErrors(t *testing.T) {
	cases := map[string]struct {
		in      []byte
		charset string
	}{
		"invalid UTF-8":       {[]byte("<a>\xff</a>"), "utf-8"},
		"unknown charset":     {[]byte("<a/>"), "x-no-such-charset"},
		"odd-length UTF-16":   {[]byte{0xFF, 0xFE, '<', 0, 'a'}, ""},
		"unknown declaration": {[]byte(`<?xml version="1.0" encoding="x-klingon"?><a/>`), ""},
	}
	for name, c := range cases {
		_, _, err := mm7.NormalizeCharset(c.in, c.charset)
		var de *mm7.DecodeError
		if !errors.As(err, &de) || de.Reason != mm7.ReasonCharset || de.Status != mm7.StatusMessageFormatCorrupt {
			t.Errorf("%s: got %v, want a %s error (2007)", name, err, mm7.ReasonCharset)
		}
	}
}

func TestNormalizeKeepsLinesAndReusesInput(t *testing.T) {
	in := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>")
	out, _, err := mm7.NormalizeCharset(in, "utf-8")
	if err != nil {
		t.Fatal(err)
	}
	if &out[0] != &in[0] {
		t.Error("a UTF-8 document was copied; want it returned as is")
	}
	in16 := []byte("<?xml version=\"1.0\" encoding=\"utf-16\"?>\n\n<a/>\n")
	out, _, _ = mm7.NormalizeCharset(in16, "utf-8")
	if got, want := bytes.Count(out, []byte("\n")), bytes.Count(in16, []byte("\n")); got != want {
		t.Errorf("lines: got %d, want %d", got, want)
	}
}
