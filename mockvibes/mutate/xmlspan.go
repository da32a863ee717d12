package mutate

import (
	"bytes"
	"encoding/xml"
	"io"
)

// element is where one element lies in a document: Start..End is the
// whole element, tags included; InStart..InEnd its content. Leaf says it
// holds text only.
type element struct {
	Prefix, Local         string
	Start, End            int
	InStart, InEnd, Depth int
	Leaf                  bool
}

// elements lists a document's elements in document order, as far as the
// document reads: a mutated document may end early.
func elements(doc []byte) []element {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var out []element
	var open []int
	for {
		before := int(d.InputOffset())
		tok, err := d.RawToken()
		if err != nil {
			return out
		}
		after := int(d.InputOffset())
		switch t := tok.(type) {
		case xml.StartElement:
			out = append(out, element{Prefix: t.Name.Space, Local: t.Name.Local, Start: before, InStart: after, Depth: len(open), Leaf: true})
			if n := len(open); n > 0 {
				out[open[n-1]].Leaf = false
			}
			open = append(open, len(out)-1)
			if after >= 2 && bytes.HasSuffix(doc[before:after], []byte("/>")) {
				// encoding/xml reports <a/> as a start and an end at the same
				// offset; the end comes next.
				out[len(out)-1].InStart = after
			}
		case xml.EndElement:
			if n := len(open); n > 0 {
				e := &out[open[n-1]]
				e.End = after
				e.InEnd = before
				if e.InEnd < e.InStart {
					e.InEnd = e.InStart
				}
				open = open[:n-1]
			}
		}
	}
}

// elementsOf lists the closed elements of doc, the SOAP document of m:
// those of the seed's document when doc is still that (parsing is most of
// what an XML operation costs), or parsed now.
func (m *Message) elementsOf(doc []byte) []element {
	if m.seedEls != nil && bytes.Equal(doc, m.seedDoc) {
		return m.seedEls
	}
	return closed(elements(doc))
}

// closed keeps the elements whose end was seen.
func closed(els []element) []element {
	out := els[:0:0]
	for _, e := range els {
		if e.End > e.Start {
			out = append(out, e)
		}
	}
	return out
}

// splice replaces doc[from:to] with with.
func splice(doc []byte, from, to int, with []byte) []byte {
	out := make([]byte, 0, len(doc)-(to-from)+len(with))
	out = append(out, doc[:from]...)
	out = append(out, with...)
	return append(out, doc[to:]...)
}
