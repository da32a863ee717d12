package swa

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"

	simdbase64 "github.com/segmentio/asm/base64"
)

// fastBase64 decodes exactly as base64.StdEncoding does, with AVX2 or NEON
// where the processor has them.
var fastBase64 = simdbase64.StdEncoding

// decode undoes p's Content-Transfer-Encoding. Identity encodings return
// p.Raw itself, so the content is not copied.
func (r *reader) decode(p *Part) ([]byte, error) {
	switch p.Encoding {
	case "", "7bit", "8bit", "binary":
		return p.Raw, nil
	case "base64":
		out, lenient, err := decodeBase64(p.Raw)
		if err != nil && r.opts.LenientBase64 {
			out, lenient, err = decodeAlphabet(p.Raw), true, nil
		}
		if err != nil {
			return nil, newErr(ErrEncoding, p.Path, "base64: %v", err)
		}
		if lenient {
			r.m.deviateOnce(DevBase64Lenient, "part %s: base64 with stray characters or missing padding", p.Path)
		}
		return out, nil
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.Raw)))
		if err != nil {
			return nil, newErr(ErrEncoding, p.Path, "quoted-printable: %v", err)
		}
		return out, nil
	}
	r.m.deviate(DevUnknownEncoding, "part %s: Content-Transfer-Encoding %q taken as binary", p.Path, p.Encoding)
	return p.Raw, nil
}

// decodeBase64 decodes line-wrapped base64. What the standard decoder
// accepts — the alphabet, CR and LF anywhere, padding at the end — is
// decoded as it decodes it: with SIMD when the lines are as MIME writes
// them (decodeWrapped), by the standard decoder otherwise. Other white
// space and missing padding take the lenient path.
func decodeBase64(raw []byte) (out []byte, lenient bool, err error) {
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	if n, ok := decodeWrapped(dst, raw); ok {
		return dst[:n], false, nil
	}
	if n, err := base64.StdEncoding.Decode(dst, raw); err == nil {
		return dst[:n], false, nil
	}
	clean := make([]byte, 0, len(raw))
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
		default:
			clean = append(clean, c)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	// Unpadded input may decode to more than the padded estimate ("00" is
	// one byte; DecodedLen(2) is 0): size the buffer for it.
	if need := base64.RawStdEncoding.DecodedLen(len(clean)); need > len(dst) {
		dst = make([]byte, need)
	}
	n, err := base64.RawStdEncoding.Decode(dst, clean)
	if err != nil {
		return nil, false, err
	}
	return dst[:n], true, nil
}

// decodeAlphabet decodes what base64 there is in raw, as RFC 2045
// section 6.8 says: characters outside the alphabet are ignored, the data
// ends at the first pad character, and a final quantum too short to hold
// a byte is dropped.
func decodeAlphabet(raw []byte) []byte {
	clean := make([]byte, 0, len(raw))
	for _, c := range raw {
		if c == '=' {
			break
		}
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// b64Chunk is how many base64 characters, line breaks removed, are decoded
// at a time: a multiple of 4, so that chunks end on whole quanta, and
// small enough to live on the stack.
const b64Chunk = 16 << 10

// decodeWrapped decodes MIME's line-wrapped base64 into dst with SIMD, and
// reports whether it did. Line breaks are taken out a chunk at a time
// (MIME has one every 76 characters, and the SIMD decoder stops at the
// first), so no copy of the whole body is made. When it says yes, the
// bytes are those base64.StdEncoding.Decode gives; it may say no where
// that decoder would still say yes (lines ended by CR alone, a CR inside a
// line that moves a chunk's end off a quantum), and the caller then asks
// that decoder.
func decodeWrapped(dst, raw []byte) (int, bool) {
	var buf [b64Chunk]byte
	n, fill := 0, 0
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		for len(line) > 0 {
			if fill == len(buf) {
				// Not the last chunk: it must decode whole, and end
				// without padding, which ends the data.
				m, err := fastBase64.Decode(dst[n:], buf[:])
				if err != nil || endsPadded(buf[:]) {
					return 0, false
				}
				n, fill = n+m, 0
			}
			c := copy(buf[fill:], line)
			fill += c
			line = line[c:]
		}
	}
	m, err := fastBase64.Decode(dst[n:], buf[:fill])
	if err != nil {
		return 0, false
	}
	return n + m, true
}

// endsPadded reports whether the last base64 character of b, line breaks
// aside, is padding. In base64 that decoded, padding can be nowhere else.
func endsPadded(b []byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case '\r', '\n':
			continue
		case '=':
			return true
		}
		return false
	}
	return false
}
