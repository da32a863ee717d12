package mm7

import (
	"bytes"

	"github.com/mm7harness/mm7harness/internal/defaults"
)

// An XML parser's cost can grow faster than the document: libxml2 checks
// an element's attributes for duplicates pairwise, so one element with
// 131,000 attributes (a 1 MiB document) costs half a minute of CPU. A
// document's shape is therefore bounded before any parser sees it, by a
// scan as cheap as reading the bytes, with limits far above anything MM7
// needs (its elements carry a handful of attributes and nest a few deep).

// ShapeLimits bound an XML document's structure.
type ShapeLimits struct {
	MaxElements   int // elements in the document
	MaxDepth      int // element nesting
	MaxAttributes int // attributes (namespace declarations included) on one element
	MaxNameBytes  int // an element or attribute name
}

// DefaultShapeLimits are generous for MM7: a message with thousands of
// recipients stays far inside them.
var DefaultShapeLimits = ShapeLimits{MaxElements: 100000, MaxDepth: 256, MaxAttributes: 256, MaxNameBytes: 1024}

func (l ShapeLimits) withDefaults() ShapeLimits {
	defaults.Fill(&l, DefaultShapeLimits)
	return l
}

// CheckShape scans doc (UTF-8, or any ASCII-compatible encoding) and
// returns a *DecodeError with ReasonTooLarge when its structure passes the
// limits. It judges shape only: a document it lets through may still be
// malformed, for the parser to say.
func CheckShape(doc []byte, l ShapeLimits) error {
	sc := &shapeScan{doc: doc, l: l.withDefaults()}
	for i := 0; i < len(doc); {
		k := bytes.IndexByte(doc[i:], '<')
		if k < 0 {
			break
		}
		i += k
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = sc.skipTo(i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = sc.skipTo(i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			i = sc.skipTo(i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			i = sc.declaration(i)
		case bytes.HasPrefix(rest, []byte("</")):
			sc.depth--
			i = sc.skipTo(i+2, ">")
		default:
			var err error
			if i, err = sc.startTag(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// shapeScan is CheckShape's state.
type shapeScan struct {
	doc             []byte
	l               ShapeLimits
	elements, depth int
}

func (sc *shapeScan) tooLarge(i int, format string, args ...any) error {
	line := bytes.Count(sc.doc[:i], []byte("\n")) + 1
	return newDecodeError(ReasonTooLarge, line, 0, format, args...)
}

// skipTo is the position after the next end from i, or the document's end.
func (sc *shapeScan) skipTo(i int, end string) int {
	if k := bytes.Index(sc.doc[i:], []byte(end)); k >= 0 {
		return i + k + len(end)
	}
	return len(sc.doc)
}

// declaration skips a declaration at i ("<!DOCTYPE …>", refused later
// anyway), its internal subset too. The '[' is looked for before the '>'
// only, so that many "<!" cost a scan each of their own length, not of
// the rest of the document.
func (sc *shapeScan) declaration(i int) int {
	rest := sc.doc[i:]
	gt := bytes.IndexByte(rest, '>')
	if gt < 0 {
		return len(sc.doc)
	}
	if br := bytes.IndexByte(rest[:gt], '['); br >= 0 {
		i = sc.skipTo(i+br, "]")
	}
	return sc.skipTo(i, ">")
}

// startTag reads the start tag at i against the limits and returns the
// position after it.
func (sc *shapeScan) startTag(i int) (int, error) {
	doc, l := sc.doc, sc.l
	j := i + 1
	name := j
	for j < len(doc) && !isSpace(doc[j]) && doc[j] != '>' && doc[j] != '/' {
		j++
	}
	if j-name > l.MaxNameBytes {
		return j, sc.tooLarge(i, "an element name of %d bytes; the limit is %d", j-name, l.MaxNameBytes)
	}
	if sc.elements++; sc.elements > l.MaxElements {
		return j, sc.tooLarge(i, "more than %d elements", l.MaxElements)
	}
	attrs, closed := 0, false
	for j < len(doc) {
		switch c := doc[j]; {
		case c == '>':
			if !closed {
				if sc.depth++; sc.depth > l.MaxDepth {
					return j, sc.tooLarge(i, "elements nested more than %d deep", l.MaxDepth)
				}
			}
			return j + 1, nil
		case isSpace(c) || c == '=':
			j++
		case c == '/':
			closed = true
			j++
		case c == '"' || c == '\'':
			if q := bytes.IndexByte(doc[j+1:], c); q >= 0 {
				j += q + 2
			} else {
				j = len(doc)
			}
		default:
			a := j
			for j < len(doc) && !isSpace(doc[j]) && doc[j] != '=' && doc[j] != '>' && doc[j] != '/' {
				j++
			}
			if j-a > l.MaxNameBytes {
				return j, sc.tooLarge(i, "an attribute name of %d bytes; the limit is %d", j-a, l.MaxNameBytes)
			}
			if attrs++; attrs > l.MaxAttributes {
				return j, sc.tooLarge(i, "an element with more than %d attributes", l.MaxAttributes)
			}
			closed = false
		}
	}
	return j, nil
}
