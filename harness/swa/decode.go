package swa

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

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

// decodeBase64 decodes line-wrapped base64. The fast path is the standard
// decoder, which skips CR and LF; other white space and missing padding
// take the lenient path.
func decodeBase64(raw []byte) (out []byte, lenient bool, err error) {
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(dst, raw)
	if err == nil {
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
	n, err = base64.RawStdEncoding.Decode(dst, clean)
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
