package xsd

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"sync"
	"unsafe"
)

// tokens replays the element tree libxml2 built as encoding/xml tokens,
// so that mm7's decoder reads the document the validator read instead of
// parsing its bytes a second time. Names come resolved: Space is the
// namespace URI, and no xmlns attribute is replayed.
//
// mm7_flatten (shim.c) writes the tree, in document order, as records
// that each begin with a tag byte:
//
//	'S' line, namespace, local name, attribute count, then for each
//	    attribute its namespace, local name and value: a start tag
//	'E' the end of the innermost open element
//	'T' text: character data and CDATA sections alike
//	'N' a count of newlines in a comment or processing instruction, left out
//
// where a count or line is four bytes, little-endian, and a string is
// its length so written followed by its UTF-8 bytes.
//
// Lines are those encoding/xml would report, so that a deviation or error
// says the same line whichever parse it was read from: libxml2 gives a
// start tag's line (where its '>' is), and from there the newlines of
// what follows are counted.
type tokens struct {
	b    []byte
	line int
	open []xml.Name
}

// flatten copies the tree under root out of libxml2.
func flatten(root elem) (*tokens, error) {
	var out *C.char
	var n C.size_t
	if C.mm7_flatten(root.p, &out, &n) == 0 {
		return nil, errors.New("xsd: the parsed document could not be copied")
	}
	defer C.free(unsafe.Pointer(out))
	if n > math.MaxInt32 {
		return nil, errors.New("xsd: the parsed document is too large to copy")
	}
	return &tokens{b: C.GoBytes(unsafe.Pointer(out), C.int(n))}, nil
}

var errTruncated = errors.New("xsd: flattened document is truncated")

// Token returns the next token: StartElement, EndElement or CharData. The
// CharData bytes stay valid; nothing writes to them again.
func (t *tokens) Token() (xml.Token, error) {
	if len(t.b) == 0 {
		if len(t.open) > 0 {
			return nil, errTruncated
		}
		return nil, io.EOF
	}
	tag := t.b[0]
	t.b = t.b[1:]
	for tag == 'N' {
		n, ok := t.u32()
		if !ok {
			return nil, errTruncated
		}
		t.line += n
		if len(t.b) == 0 {
			return t.Token()
		}
		tag = t.b[0]
		t.b = t.b[1:]
	}
	switch tag {
	case 'S':
		line, ok := t.u32()
		space, ok1 := t.name()
		local, ok2 := t.name()
		n, ok3 := t.u32()
		if !(ok && ok1 && ok2 && ok3) || n > len(t.b) {
			return nil, errTruncated
		}
		t.line = line
		start := xml.StartElement{Name: xml.Name{Space: space, Local: local}}
		if n > 0 {
			start.Attr = make([]xml.Attr, n)
			for i := range start.Attr {
				a := &start.Attr[i]
				var okv bool
				a.Name.Space, ok1 = t.name()
				a.Name.Local, ok2 = t.name()
				var v []byte
				v, okv = t.str()
				if !(ok1 && ok2 && okv) {
					return nil, errTruncated
				}
				a.Value = string(v)
			}
		}
		t.open = append(t.open, start.Name)
		return start, nil
	case 'E':
		if len(t.open) == 0 {
			return nil, errTruncated
		}
		name := t.open[len(t.open)-1]
		t.open = t.open[:len(t.open)-1]
		return xml.EndElement{Name: name}, nil
	case 'T':
		v, ok := t.str()
		if !ok {
			return nil, errTruncated
		}
		t.line += bytes.Count(v, newline)
		return xml.CharData(v), nil
	}
	return nil, errTruncated
}

var newline = []byte{'\n'}

// Line is the line the last token returned ends on.
func (t *tokens) Line() int { return t.line }

func (t *tokens) u32() (int, bool) {
	if len(t.b) < 4 {
		return 0, false
	}
	v := binary.LittleEndian.Uint32(t.b)
	t.b = t.b[4:]
	return int(v), true
}

func (t *tokens) str() ([]byte, bool) {
	n, ok := t.u32()
	if !ok || n > len(t.b) {
		return nil, false
	}
	v := t.b[:n:n]
	t.b = t.b[n:]
	return v, true
}

func (t *tokens) name() (string, bool) {
	v, ok := t.str()
	if !ok {
		return "", false
	}
	return names.intern(v), true
}

// names holds the element, attribute and namespace names seen, so that a
// message's hundred-odd names cost no allocation once the receiver has
// seen their like. It stops growing at internCap: a hostile peer's
// invented names are allocated per message, never kept.
var names = internTable{m: make(map[string]string)}

const internCap = 4096

type internTable struct {
	mu sync.RWMutex
	m  map[string]string
}

func (it *internTable) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	it.mu.RLock()
	s, ok := it.m[string(b)]
	full := len(it.m) >= internCap
	it.mu.RUnlock()
	if ok {
		return s
	}
	s = string(b)
	if !full && len(b) <= 256 {
		it.mu.Lock()
		if len(it.m) < internCap {
			it.m[s] = s
		}
		it.mu.Unlock()
	}
	return s
}
