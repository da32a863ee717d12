package mm7_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestEncodeGolden pins the encoder's exact bytes for one message of every
// kind in both flavours: a change to the wire format shows up here.
func TestEncodeGolden(t *testing.T) {
	for _, v := range mm7.Flavours() {
		g := mm7gen.New(2026, v)
		for _, k := range mm7gen.Kinds {
			name := filepath.Join("testdata", "golden", v.Name+"-"+string(k)+".xml")
			got, err := mm7.Encode(g.Envelope(k))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if *update {
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if line, g, w, differ := firstDiff(string(got), string(want)); differ {
				t.Errorf("%s: line %d differs:\n got: %s\nwant: %s", name, line, g, w)
			}
		}
	}
}

func firstDiff(got, want string) (line int, g, w string, differ bool) {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			return i + 1, a, b, true
		}
	}
	return 0, "", "", false
}

func TestTransactionID(t *testing.T) {
	a, b := mm7.NewTransactionID(), mm7.NewTransactionID()
	if !mm7.IsVibesTransactionID(a) || !mm7.IsVibesTransactionID(b) || a == b {
		t.Fatalf("got %q and %q, want two different 16-hex IDs", a, b)
	}
	for _, bad := range []string{"", "BECC3E4A6E065BD6", "becc3e4a6e065bd", "ea92fdc3-44e9-466a-9c40-f51a704a2590", "becc3e4a6e065bdg"} {
		if mm7.IsVibesTransactionID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
