package mm7_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// A document's shape is bounded before any parser sees it, and only its
// shape: comments, CDATA, processing instructions and quoted values that
// look like markup do not count.
func TestCheckShape(t *testing.T) {
	l := mm7.ShapeLimits{MaxElements: 10, MaxDepth: 3, MaxAttributes: 3, MaxNameBytes: 8}
	cases := []struct {
		name, doc string
		ok        bool
	}{
		{"fine", `<?xml version="1.0"?><a x="1" y='2' z="3"><b/><c><d/></c></a>`, true},
		{"markup that is not", `<a><!-- <b><b><b><b> --><![CDATA[<b><b><b><b>]]><?pi <b><b>?><c v="<b><b>>"/></a>`, true},
		{"a DTD's subset", `<!DOCTYPE a [<!ENTITY e "<b><b><b>">]><a/>`, true},
		{"attributes", `<a w="0" x="1" y="2" z="3"/>`, false},
		{"namespace declarations count", `<a xmlns="u" xmlns:p="v" xmlns:q="w" r="1"/>`, false},
		{"depth", `<a><b><c><d/></c></b></a>`, true},
		{"too deep", `<a><b><c><d></d></c></b></a>`, false},
		{"elements", strings.Repeat(`<e/>`, 11), false},
		{"element name", `<abcdefghi/>`, false},
		{"attribute name", `<a abcdefghi="1"/>`, false},
		{"broken is the parser's to say", `<a x="1`, true},
	}
	for _, c := range cases {
		err := mm7.CheckShape([]byte(c.doc), l)
		var de *mm7.DecodeError
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.ok && (!errors.As(err, &de) || de.Reason != mm7.ReasonTooLarge || mm7.StatusOf(err) != mm7.StatusClientError):
			t.Errorf("%s: %v, want a too-large error (2000)", c.name, err)
		}
	}
	// The defaults take every message the harness writes.
	if err := mm7.CheckShape([]byte(`<a xmlns="u">`+strings.Repeat(`<To><Number>+1312555</Number></To>`, 5000)+`</a>`), mm7.ShapeLimits{}); err != nil {
		t.Errorf("5,000 recipients: %v", err)
	}
}

// Regression: every "<!" looked for a '[' in the whole rest of the
// document, so 1 MiB of "<!>" took five seconds. No input may make the
// scan cost more than a few passes over it.
func TestCheckShapeIsLinear(t *testing.T) {
	for name, unit := range map[string]string{
		"declarations": "<!>", "open declarations": "<![", "comments": "<!--", "unterminated quotes": `<a x="`,
		"tags": "<a ", "end tags": "</", "processing instructions": "<?", "attributes": `<a b="1" c='2'>`,
	} {
		doc := []byte(strings.Repeat(unit, (1<<20)/len(unit)))
		began := time.Now()
		mm7.CheckShape(doc, mm7.ShapeLimits{MaxElements: 1 << 30, MaxDepth: 1 << 30})
		if d := time.Since(began); d > time.Second {
			t.Errorf("1 MiB of %s: %v", name, d)
		}
	}
}
