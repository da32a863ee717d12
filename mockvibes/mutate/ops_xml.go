package mutate

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
)

// soapDoc guards the ops that change the SOAP document: f gets it and
// its elements, and returns the new document (nil: nothing to change).
func soapDoc(f func(doc []byte, els []element, r *rand.Rand) []byte) func(m *Message, r *rand.Rand) bool {
	return func(m *Message, r *rand.Rand) bool {
		doc := m.SOAPPart()
		if doc == nil || len(*doc) == 0 {
			return false
		}
		els := m.elementsOf(*doc)
		if len(els) == 0 {
			return false
		}
		out := f(*doc, els, r)
		if out == nil {
			return false
		}
		*doc = out
		return true
	}
}

// inner picks an element below the Envelope and its Body (depth 2 and
// more), or nil.
func inner(els []element, r *rand.Rand, leaf bool) *element {
	var c []int
	for i, e := range els {
		if e.Depth >= 2 && (!leaf || e.Leaf) {
			c = append(c, i)
		}
	}
	if len(c) == 0 {
		return nil
	}
	return &els[c[r.IntN(len(c))]]
}

var (
	declaration  = regexp.MustCompile(`^\s*<\?xml[^?]*\?>`)
	numericValue = regexp.MustCompile(`^\s*[-+]?[0-9]+(\.[0-9]+)?\s*$`)
	dateValue    = regexp.MustCompile(`^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}T`)
	namespaceURI = regexp.MustCompile(`xmlns(:[A-Za-z0-9_.-]+)?="([^"]*)"`)
)

var xmlOps = []*Op{
	{Name: "xml/drop-element", Layer: LayerXML, Desc: "an element of the MM7 message left out",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			if e := inner(els, r, false); e != nil {
				return splice(doc, e.Start, e.End, nil)
			}
			return nil
		})},
	{Name: "xml/duplicate-element", Layer: LayerXML, Desc: "an element of the MM7 message twice",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			if e := inner(els, r, false); e != nil {
				return splice(doc, e.End, e.End, bytes.Clone(doc[e.Start:e.End]))
			}
			return nil
		})},
	{Name: "xml/swap-elements", Layer: LayerXML, Desc: "two neighbouring elements in the other order",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			var pairs [][2]int
			for i := range els {
				for j := i + 1; j < len(els); j++ {
					if els[j].Depth == els[i].Depth && els[j].Start >= els[i].End && els[i].Depth >= 2 {
						if len(strings.TrimSpace(string(doc[els[i].End:els[j].Start]))) == 0 {
							pairs = append(pairs, [2]int{i, j})
						}
						break
					}
				}
			}
			if len(pairs) == 0 {
				return nil
			}
			p := pairs[r.IntN(len(pairs))]
			a, b := els[p[0]], els[p[1]]
			var out []byte
			out = append(out, doc[:a.Start]...)
			out = append(out, doc[b.Start:b.End]...)
			out = append(out, doc[a.End:b.Start]...)
			out = append(out, doc[a.Start:a.End]...)
			return append(out, doc[b.End:]...)
		})},
	{Name: "xml/namespace", Layer: LayerXML, Desc: "a namespace swapped: the other MM7 release, SOAP 1.2, an unknown URI, none",
		apply: soapDoc(func(doc []byte, _ []element, r *rand.Rand) []byte {
			locs := namespaceURI.FindAllSubmatchIndex(doc, -1)
			if len(locs) == 0 {
				return nil
			}
			l := locs[r.IntN(len(locs))]
			with := pick(r, "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-5-MM7-1-3",
				"http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4",
				"http://www.w3.org/2003/05/soap-envelope", "urn:fuzz:unknown", "")
			return splice(doc, l[4], l[5], []byte(with))
		})},
	{Name: "xml/prefix", Layer: LayerXML, Desc: "an element's prefix renamed, so that it is undeclared",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			e := &els[r.IntN(len(els))]
			if e.Prefix == "" {
				return nil
			}
			tag := doc[e.Start:e.InStart]
			return splice(doc, e.Start, e.InStart, bytes.Replace(tag, []byte("<"+e.Prefix+":"), []byte("<"+e.Prefix+"x:"), 1))
		})},
	{Name: "xml/value-huge", Layer: LayerXML, Desc: "a value of 64 to 512 KiB",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			if e := inner(els, r, true); e != nil && e.InEnd > e.InStart {
				return splice(doc, e.InStart, e.InEnd, bytes.Repeat([]byte(pick(r, "A", "9", "é")), 64<<10+r.IntN(448<<10)))
			}
			return nil
		})},
	{Name: "xml/value-empty", Layer: LayerXML, Desc: "a value left empty",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			if e := inner(els, r, true); e != nil && e.InEnd > e.InStart {
				return splice(doc, e.InStart, e.InEnd, nil)
			}
			return nil
		})},
	{Name: "xml/value-edge", Layer: LayerXML, Desc: "a number or a date at its edge: negative, huge, zero, leap second, year 0",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			var c []element
			for _, e := range els {
				v := doc[e.InStart:e.InEnd]
				if e.Leaf && (numericValue.Match(v) || dateValue.Match(v)) {
					c = append(c, e)
				}
			}
			if len(c) == 0 {
				return nil
			}
			e := c[r.IntN(len(c))]
			with := pick(r, "-1", "0", "99999999999999999999999999", "1e308", "NaN", "0x10",
				"0000-00-00T00:00:00Z", "2016-12-31T23:59:60Z", "9999-12-31T23:59:59+14:00", "2024-02-30T10:00:00Z")
			return splice(doc, e.InStart, e.InEnd, []byte(with))
		})},
	{Name: "xml/declaration", Layer: LayerXML, Desc: "the XML declaration left out, another encoding or version, a byte order mark",
		apply: soapDoc(func(doc []byte, _ []element, r *rand.Rand) []byte {
			loc := declaration.FindIndex(doc)
			with := pick(r, ``, `<?xml version="1.0" encoding="UTF-16"?>`, `<?xml version="1.0" encoding="ISO-8859-1"?>`,
				`<?xml version="1.1" encoding="UTF-8"?>`, `<?xml version="1.0" encoding="x-unknown"?>`, "\xef\xbb\xbf"+`<?xml version="1.0"?>`,
				`  <?xml version="1.0"?>`)
			if loc == nil {
				return append([]byte(with), doc...)
			}
			return splice(doc, loc[0], loc[1], []byte(with))
		})},
	{Name: "xml/markup", Layer: LayerXML, Desc: "a comment, a processing instruction or a CDATA section in a value",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			e := inner(els, r, true)
			if e == nil {
				return nil
			}
			v := string(doc[e.InStart:e.InEnd])
			with := pick(r, "<!-- c -->"+v, v+"<?fuzz pi?>", "<![CDATA["+v+"]]>", v+"<!-- -- -->", "<![CDATA[<]]>"+v)
			return splice(doc, e.InStart, e.InEnd, []byte(with))
		})},
	{Name: "xml/entity", Layer: LayerXML, Desc: "a DTD: an internal entity, nested entities (10,000 bytes), an external one, or an undefined reference",
		apply: soapDoc(func(doc []byte, els []element, r *rand.Rand) []byte {
			e := inner(els, r, true)
			if e == nil {
				return nil
			}
			t := pick(r,
				[2]string{`<!DOCTYPE Envelope [<!ENTITY x "fuzz">]>`, "&x;"},
				[2]string{`<!DOCTYPE Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>`, "&d;"},
				[2]string{`<!DOCTYPE Envelope [<!ENTITY ext SYSTEM "file:///etc/hostname">]>`, "&ext;"},
				[2]string{``, "&undefined;"})
			out := splice(doc, e.InStart, e.InEnd, []byte(t[1]))
			at := 0
			if loc := declaration.FindIndex(out); loc != nil {
				at = loc[1]
			}
			return splice(out, at, at, []byte(t[0]))
		})},
	{Name: "xml/truncate", Layer: LayerXML, Desc: "the SOAP document cut short, the MIME around it whole",
		apply: soapDoc(func(doc []byte, _ []element, r *rand.Rand) []byte {
			if len(doc) < 2 {
				return nil
			}
			return bytes.Clone(doc[:1+r.IntN(len(doc)-1)])
		})},
}
