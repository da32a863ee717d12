package swa_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/swa"
)

// mmsOf builds a Vibes-style MO of about size bytes: the SOAP part, then a
// multipart/mixed holding a JPEG (base64, or binary) and a text part, as
// handsets send them.
func mmsOf(size int, enc string) (string, []byte) {
	r := rand.New(rand.NewPCG(uint64(size), 9))
	n := size
	if enc == "base64" {
		n = size * 3 / 4
	}
	img := make([]byte, n)
	for i := range img {
		img[i] = byte(r.IntN(256))
	}
	mixed := swa.NewMultipart("multipart/mixed",
		swa.NewPart("image/jpeg; name=photo.jpg", enc, img).SetContentID("<photo.jpg>"),
		swa.NewPart("text/plain; charset=utf-8", "8bit", []byte("Sent from my phone 📷")).SetContentID("<text.txt>"),
	).SetContentID("<mms>")
	ct, body, err := swa.Writer{Style: swa.StyleVibes}.Write(swa.New(swa.StyleVibes, []byte(soap), mixed))
	if err != nil {
		panic(err)
	}
	return ct, body
}

// readWithStdlib reads the same message with mime/multipart, decoding
// base64 parts and recursing into nested multiparts: the same work.
func readWithStdlib(ct string, body []byte) (int, error) {
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return 0, err
	}
	return stdParts(multipart.NewReader(bytes.NewReader(body), params["boundary"]))
}

func stdParts(mr *multipart.Reader) (int, error) {
	total := 0
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return 0, err
		}
		media, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if strings.HasPrefix(media, "multipart/") {
			n, err := stdParts(multipart.NewReader(p, params["boundary"]))
			if err != nil {
				return 0, err
			}
			total += n
			continue
		}
		var src io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			src = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(src)
		if err != nil {
			return 0, err
		}
		total += len(b)
	}
}

func decodedBytes(m *swa.Message) int {
	n := 0
	m.Walk(func(p *swa.Part) {
		if !p.IsMultipart() {
			n += len(p.Body)
		}
	})
	return n
}

// BenchmarkReadVsMimeMultipart reads the same 300 KB and 2 MB messages with
// this package and with mime/multipart in the same run. speed-vs-stdlib is
// the standard library's time per message divided by ours (target ≥ 1.0);
// heap-x-size is what one Read allocates (the body buffer included), per
// byte of message (target ≤ 3).
func BenchmarkReadVsMimeMultipart(b *testing.B) {
	for _, c := range []struct {
		name string
		size int
		enc  string
	}{{"300KB-base64", 300 << 10, "base64"}, {"2MB-base64", 2 << 20, "base64"}, {"2MB-binary", 2 << 20, "binary"}} {
		ct, body := mmsOf(c.size, c.enc)
		b.Run(c.name, func(b *testing.B) {
			want, err := readWithStdlib(ct, body)
			if err != nil {
				b.Fatal(err)
			}
			m, err := swa.ReadBytes(ct, body, swa.ReadOptions{})
			if err != nil || decodedBytes(m) != want {
				b.Fatalf("readers disagree: %v, %d vs %d bytes", err, decodedBytes(m), want)
			}
			const rounds = 20
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := 0; i < rounds; i++ {
				if _, err := swa.Read(ct, bytes.NewReader(body), swa.ReadOptions{SizeHint: int64(len(body))}); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			heap := float64(after.TotalAlloc-before.TotalAlloc) / rounds / float64(len(body))

			// The baseline runs as many times as ours, untimed by the framework.
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := readWithStdlib(ct, body); err != nil {
					b.Fatal(err)
				}
			}
			stdNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)

			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := swa.ReadBytes(ct, body, swa.ReadOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			ours := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(stdNs)/ours, "speed-vs-stdlib")
			b.ReportMetric(heap, "heap-x-size")
		})
	}
}
