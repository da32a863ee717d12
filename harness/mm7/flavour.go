package mm7

import (
	"fmt"
	"slices"
	"strings"
)

// Flavour is one of the MM7 flavours Vibes offers. A customer picks one
// and uses it for every exchange. Everything the harness knows of a
// flavour is in its entry of the table below: the corpus folder and case
// ID prefix, the CLI's values and help, report labels and JSON values are
// all derived from it, and the schema is the embedded file named for its
// release (harness/xsd/schema).
type Flavour struct {
	// Name is what Vibes calls the flavour ("6.8.0"): the word users write,
	// the corpus folder, the value in reports.
	Name string
	// ID is the flavour in corpus case IDs ("680-mo-seed").
	ID string
	// Release is the schema whose namespace the flavour's messages use.
	Release Release
	// MM7Version is the value carried in the MM7Version element. For "5.5.0"
	// it is 5.3.0, the only value REL-5-MM7-1-2 allows (Vibes: "because of a
	// bug in the 5.5.0 XSD").
	MM7Version string
}

// flavour is an entry of the table: the flavour and the other spellings
// users write for it.
type flavour struct {
	Flavour
	aliases []string
}

// flavours is the table, oldest first. A new flavour is a new entry here
// and its schema file in harness/xsd/schema; the corpus builder then makes
// its cases (go generate ./corpus).
var flavours = []flavour{
	{Flavour{Name: "5.5.0", ID: "550", Release: "REL-5-MM7-1-2", MM7Version: "5.3.0"}, []string{"5.3.0", "5.5", "5"}},
	{Flavour{Name: "6.8.0", ID: "680", Release: "REL-6-MM7-1-4", MM7Version: "6.8.0"}, []string{"6.8", "6"}},
}

// The flavours by name, for code that is about one of them (a quirk of
// Vibes' 5.5.0, a test).
var (
	Flavour550 = flavours[0].Flavour
	Flavour680 = flavours[1].Flavour
)

// NewestFlavour is the last flavour of the table: what the harness speaks
// when nothing says which (a fault to a request that did not decode).
func NewestFlavour() Flavour { return flavours[len(flavours)-1].Flavour }

// Flavours lists the flavours, oldest first.
func Flavours() []Flavour {
	out := make([]Flavour, len(flavours))
	for i, f := range flavours {
		out[i] = f.Flavour
	}
	return out
}

// FlavourNames lists the flavours' names, oldest first.
func FlavourNames() []string {
	out := make([]string, len(flavours))
	for i, f := range flavours {
		out[i] = f.Name
	}
	return out
}

// FlavourChoice says which flavours there are, for help and errors:
// "5.5.0 or 6.8.0".
func FlavourChoice() string {
	names := FlavourNames()
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ParseFlavour takes a flavour as users write it: its name ("6.8.0"), its
// ID ("680"), or another spelling of the table ("5.3.0", the value the
// 5.5.0 flavour carries on the wire).
func ParseFlavour(s string) (Flavour, error) {
	s = strings.TrimSpace(s)
	for _, f := range flavours {
		if s == f.Name || s == f.ID || slices.Contains(f.aliases, s) {
			return f.Flavour, nil
		}
	}
	return Flavour{}, fmt.Errorf("mm7: unknown flavour %q (want %s)", s, FlavourChoice())
}

// Namespace is the flavour's MM7 namespace.
func (f Flavour) Namespace() string { return f.Release.Namespace() }

// IsZero reports whether f is the zero Flavour (none chosen).
func (f Flavour) IsZero() bool { return f.Name == "" }

func (f Flavour) String() string { return f.Name }

// MarshalText writes the flavour as its name.
func (f Flavour) MarshalText() ([]byte, error) { return []byte(f.Name), nil }

// UnmarshalText reads a flavour as ParseFlavour does; empty is the zero
// Flavour.
func (f *Flavour) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*f = Flavour{}
		return nil
	}
	v, err := ParseFlavour(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// FlavourFor maps an MM7 namespace to the flavour that reads it: the
// flavour of that release, else the newest flavour of the same 3GPP
// release number (a REL-6-MM7-1-3 message is read as 6.8.0, with a
// deviation). ok is false when no flavour reads the namespace.
func FlavourFor(ns string) (f Flavour, r Release, ok bool) {
	r, ok = ReleaseOf(ns)
	if !ok {
		return Flavour{}, "", false
	}
	for i := len(flavours) - 1; i >= 0; i-- {
		if flavours[i].Release == r {
			return flavours[i].Flavour, r, true
		}
	}
	for i := len(flavours) - 1; i >= 0; i-- {
		if flavours[i].Release.Major() == r.Major() {
			return flavours[i].Flavour, r, true
		}
	}
	return Flavour{}, r, false
}

// AnswerMM7Version is the MM7Version an answer to a request of release rel
// that carried reqVersion holds, for an account of flavour f: the
// request's own when rel (the flavour's when unknown) allows it, else the flavour's when rel allows
// that, else rel's newest. The reference receiver answers with it and the
// checks expect it.
func (f Flavour) AnswerMM7Version(reqVersion string, rel Release) string {
	if rel == "" {
		rel = f.Release
	}
	switch {
	case rel.AllowsMM7Version(reqVersion):
		return reqVersion
	case rel.AllowsMM7Version(f.MM7Version):
		return f.MM7Version
	}
	return rel.DefaultMM7Version()
}
