package mm7_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

func TestParseFlavourTakesEverySpelling(t *testing.T) {
	for in, want := range map[string]mm7.Flavour{
		"5.5.0": mm7.Flavour550, "550": mm7.Flavour550, "5.3.0": mm7.Flavour550, " 5 ": mm7.Flavour550,
		"6.8.0": mm7.Flavour680, "680": mm7.Flavour680, "6.8": mm7.Flavour680,
	} {
		got, err := mm7.ParseFlavour(in)
		if err != nil || got != want {
			t.Errorf("ParseFlavour(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "7", "6.9.0", "REL-6-MM7-1-4"} {
		if _, err := mm7.ParseFlavour(in); err == nil || !strings.Contains(err.Error(), mm7.FlavourChoice()) {
			t.Errorf("ParseFlavour(%q): %v, want an error naming the choice", in, err)
		}
	}
}

// Every flavour is reachable by its name and ID, names and IDs are unique,
// and the ID is what corpus case IDs start with.
func TestTheFlavourTableIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range mm7.Flavours() {
		for _, key := range []string{f.Name, f.ID, string(f.Release)} {
			if seen[key] {
				t.Errorf("%s: %q is not unique", f, key)
			}
			seen[key] = true
		}
		if !f.Release.Known() || !f.Release.AllowsMM7Version(f.MM7Version) {
			t.Errorf("%s: release %s does not allow MM7Version %s", f, f.Release, f.MM7Version)
		}
		if g, _, ok := mm7.FlavourFor(f.Namespace()); !ok || g != f {
			t.Errorf("%s: its own namespace reads as %v", f, g)
		}
	}
	if got := mm7.FlavourChoice(); got != "5.5.0 or 6.8.0" {
		t.Errorf("FlavourChoice() = %q", got)
	}
}

// A release no flavour is of is read by the newest flavour of its 3GPP
// release number.
func TestFlavourForOtherReleases(t *testing.T) {
	for rel, want := range map[mm7.Release]mm7.Flavour{
		"REL-5-MM7-1-0": mm7.Flavour550, "REL-5-MM7-1-4": mm7.Flavour550,
		"REL-6-MM7-1-0": mm7.Flavour680, "REL-6-MM7-1-3": mm7.Flavour680,
	} {
		got, r, ok := mm7.FlavourFor(rel.Namespace())
		if !ok || got != want || r != rel {
			t.Errorf("FlavourFor(%s) = %v, %s, %v; want %v", rel, got, r, ok, want)
		}
	}
	if _, _, ok := mm7.FlavourFor(mm7.Release("REL-7-MM7-1-0").Namespace()); ok {
		t.Error("REL-7 reads as a flavour")
	}
}

// A flavour travels in JSON as its name, and reads back from any spelling.
func TestFlavourInJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		F mm7.Flavour `json:"flavour"`
	}{mm7.Flavour550})
	if err != nil || string(b) != `{"flavour":"5.5.0"}` {
		t.Fatalf("%s, %v", b, err)
	}
	var back struct {
		F mm7.Flavour `json:"flavour"`
	}
	if err := json.Unmarshal([]byte(`{"flavour":"680"}`), &back); err != nil || back.F != mm7.Flavour680 {
		t.Errorf("%v, %v", back.F, err)
	}
	if err := json.Unmarshal([]byte(`{"flavour":"9.9.9"}`), &back); err == nil {
		t.Error("an unknown flavour reads")
	}
}
