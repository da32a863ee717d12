package mm7

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// NormalizeCharset returns the XML document data as UTF-8, with its XML
// declaration rewritten to say so, plus the deviations seen on the way.
//
// The MIME part's charset, when given, wins over the XML declaration (RFC
// 7303 section 3; WS-I Basic Profile R1019). Without one the encoding comes
// from a byte-order mark, then from the byte pattern of "<?xml", then from
// the declaration — except that a declaration of UTF-16 over bytes that are
// plainly not UTF-16 is overruled by the bytes.
//
// QUIRK: Vibes declares encoding="utf-16" over UTF-8 bytes sent as
// "text/xml; charset=utf-8" (seed page, every example). libxml2 refuses that
// document as it stands, so the declaration is rewritten before parsing and
// the disagreement is recorded as DevEncodingMismatch.
//
// Lines are preserved, so positions reported on the result hold for the
// original. When nothing needs changing, data itself is returned.
func NormalizeCharset(data []byte, mimeCharset string) ([]byte, []Deviation, error) {
	var devs []Deviation
	body, bomEnc := stripBOM(data)
	if bomEnc != "" {
		devs = append(devs, Deviation{ID: DevByteOrderMark, Line: 1, Detail: "document starts with a " + bomEnc + " byte-order mark"})
	}
	pattern := bytePattern(body)
	declared := declaredEncoding(body, pattern)

	effective := ""
	switch {
	case mimeCharset != "":
		effective = canonicalCharset(mimeCharset)
		if _, err := lookupCharset(effective); err != nil {
			return nil, devs, newDecodeError(ReasonCharset, 0, 0, "unsupported MIME charset %q", mimeCharset)
		}
	case bomEnc != "":
		effective = bomEnc
	case pattern != "":
		effective = pattern
	case declared != "" && !strings.HasPrefix(canonicalCharset(declared), "utf-16"):
		effective = canonicalCharset(declared)
		if _, err := lookupCharset(effective); err != nil {
			return nil, devs, newDecodeError(ReasonCharset, 1, 1, "unsupported encoding %q in the XML declaration", declared)
		}
	default:
		effective = "utf-8"
	}
	if declared != "" && !sameCharset(declared, effective) {
		devs = append(devs, Deviation{ID: DevEncodingMismatch, Line: 1, Detail: fmt.Sprintf(
			"XML declaration says %q, the bytes are %s", declared, effective)})
	}

	out, err := toUTF8(body, effective)
	if err != nil {
		return nil, devs, err
	}
	if declared != "" && !sameCharset(declared, "utf-8") {
		out = rewriteDeclaration(out)
	}
	return out, devs, nil
}

func stripBOM(b []byte) ([]byte, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], "utf-8"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return b[2:], "utf-16le"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return b[2:], "utf-16be"
	}
	return b, ""
}

// bytePattern recognises "<?" written in UTF-16 without a byte-order mark
// (XML 1.0 appendix F).
func bytePattern(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0x3C, 0x00, 0x3F, 0x00}):
		return "utf-16le"
	case bytes.HasPrefix(b, []byte{0x00, 0x3C, 0x00, 0x3F}):
		return "utf-16be"
	}
	return ""
}

// encodingValue finds the encoding pseudo-attribute in a declaration and
// returns the bounds of its value.
func encodingValue(decl []byte) (start, end int, ok bool) {
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return 0, 0, false
	}
	j := i + len("encoding")
	for j < len(decl) && isSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || decl[j] != '=' {
		return 0, 0, false
	}
	j++
	for j < len(decl) && isSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return 0, 0, false
	}
	k := bytes.IndexByte(decl[j+1:], decl[j])
	if k < 0 {
		return 0, 0, false
	}
	return j + 1, j + 1 + k, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// declaredEncoding reads the encoding pseudo-attribute of the XML
// declaration, "" when there is none.
func declaredEncoding(b []byte, pattern string) string {
	head := b
	if len(head) > 512 {
		head = head[:512]
	}
	if pattern != "" {
		u, err := toUTF8(head[:len(head)&^1], pattern)
		if err != nil {
			return ""
		}
		head = u
	}
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	vs, ve, ok := encodingValue(head[:end])
	if !ok {
		return ""
	}
	return string(head[vs:ve])
}

// rewriteDeclaration makes the declaration of a UTF-8 document say UTF-8.
func rewriteDeclaration(b []byte) []byte {
	end := bytes.Index(b, []byte("?>"))
	if !bytes.HasPrefix(b, []byte("<?xml")) || end < 0 {
		return b
	}
	vs, ve, ok := encodingValue(b[:end])
	if !ok {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	out = append(out, b[:vs]...)
	out = append(out, "UTF-8"...)
	return append(out, b[ve:]...)
}

func canonicalCharset(s string) string {
	s = strings.ToLower(strings.Trim(strings.TrimSpace(s), `"'`))
	switch s {
	case "utf8":
		return "utf-8"
	case "utf16":
		return "utf-16"
	case "latin1", "latin-1", "iso8859-1", "iso_8859-1":
		return "iso-8859-1"
	case "ascii":
		return "us-ascii"
	}
	return s
}

// sameCharset treats the UTF-16 names as one family: a declaration of
// "UTF-16" over UTF-16LE bytes with a byte-order mark is correct.
func sameCharset(a, b string) bool {
	a, b = canonicalCharset(a), canonicalCharset(b)
	if a == b {
		return true
	}
	if strings.HasPrefix(a, "utf-16") && strings.HasPrefix(b, "utf-16") {
		return true
	}
	// US-ASCII is a subset of UTF-8; a declaration of either over ASCII-only
	// bytes is not worth a deviation.
	return (a == "us-ascii" && b == "utf-8") || (a == "utf-8" && b == "us-ascii")
}

func lookupCharset(name string) (encoding.Encoding, error) {
	switch name {
	case "utf-8", "us-ascii":
		return unicode.UTF8, nil
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), nil
	case "utf-16be", "utf-16":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), nil
	}
	e, err := ianaindex.IANA.Encoding(name)
	if err != nil || e == nil {
		return nil, fmt.Errorf("unknown charset %q", name)
	}
	return e, nil
}

func toUTF8(b []byte, charset string) ([]byte, error) {
	switch charset {
	case "utf-8", "us-ascii":
		if !utf8.Valid(b) {
			line, col := badUTF8At(b)
			return nil, newDecodeError(ReasonCharset, line, col, "bytes are not valid %s", strings.ToUpper(charset))
		}
		return b, nil
	}
	enc, err := lookupCharset(charset)
	if err != nil {
		return nil, newDecodeError(ReasonCharset, 0, 0, "%v", err)
	}
	if strings.HasPrefix(charset, "utf-16") && len(b)%2 != 0 {
		return nil, newDecodeError(ReasonCharset, 0, 0, "UTF-16 document has an odd number of bytes")
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return nil, newDecodeError(ReasonCharset, 0, 0, "bytes are not valid %s: %v", charset, err)
	}
	return out, nil
}

func badUTF8At(b []byte) (line, col int) {
	line, col = 1, 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		b = b[size:]
	}
	return line, col
}
