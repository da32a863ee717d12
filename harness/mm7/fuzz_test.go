package mm7_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

// FuzzDecode: the decoder never panics, and whatever it accepts and the
// encoder can write is a fixed point: decode → encode → decode → encode
// gives the same message and the same bytes.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seed", "*.xml"))
	samples, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "3gpp-xsd", "samples", "*", "*.xml"))
	top, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "3gpp-xsd", "samples", "*.xml"))
	for _, p := range append(append(seeds, samples...), top...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "utf-8")
		}
	}
	for _, v := range mm7.Flavours() {
		g := mm7gen.New(1, v)
		for _, k := range mm7gen.Kinds {
			if b, err := mm7.Encode(g.Envelope(k)); err == nil {
				f.Add(b, "")
			}
		}
	}
	f.Add([]byte(mm7gen.BillionLaughs), "")
	f.Fuzz(func(t *testing.T, data []byte, charset string) {
		env, err := mm7.Decode(data, charset)
		if err != nil || env == nil || env.Message == nil || env.Flavour.IsZero() {
			return
		}
		out, err := mm7.Encode(env)
		if err != nil {
			return // accepted leniently, not writable strictly: fine
		}
		again, err := mm7.Decode(out, "utf-8")
		if err != nil {
			t.Fatalf("encoder output does not decode: %v\n%s", err, out)
		}
		out2, err := mm7.Encode(again)
		if err != nil {
			t.Fatalf("re-encoding the encoder's own output failed: %v\n%s", err, out)
		}
		third, err := mm7.Decode(out2, "utf-8")
		if err != nil {
			t.Fatalf("second encoding does not decode: %v", err)
		}
		if diff := cmp.Diff(again.Message, third.Message); diff != "" || string(out) != string(out2) {
			t.Fatalf("encoding is not stable (-first +second):\n%s\n%s\n%s", diff, out, out2)
		}
	})
}
