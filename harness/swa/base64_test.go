package swa

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/internal/benchtime"
)

// stdDecoded is what base64.StdEncoding.Decode makes of raw, and whether
// it accepts it: the result decodeWrapped must give.
func stdDecoded(raw []byte) ([]byte, bool) {
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(dst, raw)
	return dst[:n], err == nil
}

// sameAsStd: the SIMD path accepts nothing the standard decoder refuses,
// decodes what it accepts to the same bytes, and together with its
// fallback accepts exactly what the standard decoder accepts. It reports
// whether the SIMD path took the input.
func sameAsStd(t *testing.T, name string, raw []byte) bool {
	t.Helper()
	want, wantOK := stdDecoded(raw)
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, ok := decodeWrapped(dst, raw)
	if ok && !wantOK {
		t.Fatalf("%s (%d bytes): the SIMD path accepted what the standard decoder refuses", name, len(raw))
	}
	if ok && !bytes.Equal(dst[:n], want) {
		t.Fatalf("%s (%d bytes): decoded differently from the standard decoder", name, len(raw))
	}
	got, lenient, err := decodeBase64(raw)
	if (err == nil && !lenient) != wantOK || (wantOK && !bytes.Equal(got, want)) {
		t.Fatalf("%s (%d bytes): decodeBase64 strict %v, the standard decoder %v", name, len(raw), err == nil && !lenient, wantOK)
	}
	return ok
}

// wrap breaks s into lines of width characters ended by eol.
func wrap(s []byte, width int, eol string) []byte {
	var b bytes.Buffer
	for len(s) > width {
		b.Write(s[:width])
		b.WriteString(eol)
		s = s[width:]
	}
	b.Write(s)
	return b.Bytes()
}

// TestDecodeWrappedIsTheStandardDecoder: over sizes around the chunk
// boundaries, every line ending, and the damage MIME bodies carry
// (padding mid-stream, stray white space, a foreign character, a
// truncated end), the SIMD path accepts exactly what the standard decoder
// accepts and gives the same bytes.
func TestDecodeWrappedIsTheStandardDecoder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 3, 4, 45, 57, 100, b64Chunk/4*3 - 1, b64Chunk / 4 * 3, b64Chunk/4*3 + 1, 3 * b64Chunk, 200_000}
	damage := map[string]func([]byte) []byte{
		"clean":           func(b []byte) []byte { return b },
		"padding inside":  func(b []byte) []byte { return insert(b, len(b)/2, "=") },
		"quantum padding": func(b []byte) []byte { return insert(b, len(b)/4*2, "QQ==") },
		"space":           func(b []byte) []byte { return insert(b, len(b)/3, " ") },
		"tab at the end":  func(b []byte) []byte { return append(b, '\t') },
		"foreign":         func(b []byte) []byte { return insert(b, len(b)*2/3, "*") },
		"truncated":       func(b []byte) []byte { return b[:max(0, len(b)-1)] },
		"lone CR inside":  func(b []byte) []byte { return insert(b, len(b)/5, "\r") },
		"CR LF run":       func(b []byte) []byte { return insert(b, len(b)/7, "\r\n\r\n\n") },
		"eight bits":      func(b []byte) []byte { return insert(b, len(b)/2, "\xc3\xa9") },
	}
	simd := 0
	for _, size := range sizes {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		enc := []byte(base64.StdEncoding.EncodeToString(data))
		for _, eol := range []string{"\r\n", "\n", "\r"} {
			for _, width := range []int{76, 64, 1000, 1 << 20} {
				for name, d := range damage {
					raw := d(wrap(bytes.Clone(enc), width, eol))
					took := sameAsStd(t, fmt.Sprintf("%d bytes, lines of %d ended %q, %s", size, width, eol, name), raw)
					if took && name == "clean" && eol != "\r" {
						simd++
					}
				}
			}
		}
	}
	// Clean base64 in lines ended by CRLF (or LF) is what MIME carries: the
	// SIMD path must take it, or the test proves nothing of it. Lines ended
	// by CR alone may go to the standard decoder.
	if want := len(sizes) * 2 * 4; simd != want {
		t.Errorf("the SIMD path took %d of the %d clean inputs", simd, want)
	}
}

func insert(b []byte, at int, s string) []byte {
	return append(append(append([]byte{}, b[:at]...), s...), b[at:]...)
}

// FuzzDecodeWrapped: for any input, the SIMD path and the standard
// decoder agree on acceptance and on the bytes.
func FuzzDecodeWrapped(f *testing.F) {
	f.Add([]byte("QUJD\r\nREVG\r\n"))
	f.Add([]byte("QQ==\r\nQUJD"))
	f.Add(wrap([]byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfe, 1, 2}, 9000))), 76, "\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) { sameAsStd(t, "input", raw) })
}

// BenchmarkDecodeBase64: a 1 MB attachment as MIME carries it (lines of
// 76 characters ended by CRLF), through the receiver's decoder and
// through the standard one; speedup is the ratio.
func BenchmarkDecodeBase64(b *testing.B) {
	data := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	raw := wrap([]byte(base64.StdEncoding.EncodeToString(data)), 76, "\r\n")
	b.SetBytes(int64(len(raw)))
	per := func(f func()) float64 { return benchtime.PerOp(300*time.Millisecond, f) }
	ours := func() {
		if _, lenient, err := decodeBase64(raw); err != nil || lenient {
			b.Fatal(err, lenient)
		}
	}
	for i := 0; i < b.N; i++ {
		ours()
	}
	b.StopTimer()
	b.ReportMetric(per(func() { stdDecoded(raw) })/per(ours), "speedup")
}
