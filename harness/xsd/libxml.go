package xsd

/*
#cgo pkg-config: libxml-2.0
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/lestrrat-go/libxml2/dom"
)

func init() { C.mm7_setup() }

// resolver answers libxml2's requests for external resources. Only schema
// compilation registers one, under compileMu; at any other time every
// request is refused and counted.
var (
	compileMu sync.Mutex
	resolver  atomic.Pointer[func(url string) ([]byte, bool)]
	refused   atomic.Int64
)

// RefusedLoads counts the external resources libxml2 asked for and was
// refused: DTDs, entities, schema imports outside the registered set. Tests
// use it to prove a hostile document made libxml2 reach for nothing.
func RefusedLoads() int64 { return refused.Load() }

//export mm7xsdResolve
func mm7xsdResolve(url *C.char, data **C.char, n *C.int) C.int {
	u := C.GoString(url)
	r := resolver.Load()
	if r == nil {
		refused.Add(1)
		return 0
	}
	b, ok := (*r)(u)
	if !ok {
		refused.Add(1)
		return 0
	}
	*data = (*C.char)(C.CBytes(b))
	*n = C.int(len(b))
	return 1
}

// cErrors copies the collected errors into Go values and frees them.
func cErrors(e *C.mm7_errs, stage Stage) []Error {
	defer C.mm7_errs_free(e)
	if e.n == 0 && e.dropped == 0 {
		return nil
	}
	raw := unsafe.Slice(e.v, int(e.n))
	out := make([]Error, 0, len(raw)+1)
	for _, r := range raw {
		msg := strings.TrimSpace(C.GoString(r.msg))
		out = append(out, Error{
			Stage:   stage,
			Line:    int(r.line),
			Column:  int(r.col),
			Path:    C.GoString(r.path),
			Message: msg,
			Warning: r.level == C.XML_ERR_WARNING,
		})
	}
	if e.dropped > 0 {
		out = append(out, Error{Stage: stage, Message: fmt.Sprintf("%d more errors not shown", int(e.dropped))})
	}
	return out
}

// parseDoc parses buf with libxml2: no network, no DTD loading, no entity
// substitution. The document must be freed by the caller.
//
// The document is held both as the C pointer the shim works on and as the
// binding's *dom.Document, which owns it and offers DOM and XPath access.
type document struct {
	c   *C.xmlDoc
	dom *dom.Document
	// nsOK says the document is namespace-well-formed too: every prefix
	// declared, every declaration legal. libxml2 builds the tree anyway.
	nsOK bool
}

func (d *document) free() { d.dom.Free() }

func parseDoc(buf []byte, url string) (*document, []Error) {
	var errs C.mm7_errs
	var curl *C.char
	if url != "" {
		curl = C.CString(url)
		defer C.free(unsafe.Pointer(curl))
	}
	var p *C.char
	if len(buf) > 0 {
		p = (*C.char)(unsafe.Pointer(&buf[0]))
	}
	var nsOK C.int
	doc := C.mm7_parse(p, C.int(len(buf)), curl, &errs, &nsOK)
	list := cErrors(&errs, StageWellFormed)
	if doc == nil {
		if len(list) == 0 {
			list = []Error{{Stage: StageWellFormed, Line: 1, Message: "document is empty or could not be read"}}
		}
		return nil, list
	}
	d := &document{c: doc, dom: dom.WrapDocument(uintptr(unsafe.Pointer(doc))), nsOK: nsOK != 0}
	if C.mm7_has_dtd(doc) != 0 {
		d.free()
		return nil, []Error{{Stage: StageWellFormed, Line: 1, Message: "a document type declaration (DTD) is not allowed in a SOAP message"}}
	}
	return d, nil
}

// compiled is one compiled schema; the document it came from stays alive
// with it, as libxml2 may point into it.
type compiled struct {
	schema *C.xmlSchema
	doc    *document
}

// compile builds a schema from the document at url, fetching whatever it
// imports or includes through resolve.
func compile(url string, resolve func(string) ([]byte, bool)) (*compiled, error) {
	compileMu.Lock()
	defer compileMu.Unlock()
	resolver.Store(&resolve)
	defer resolver.Store(nil)

	src, ok := resolve(url)
	if !ok {
		return nil, fmt.Errorf("xsd: %s: not found", url)
	}
	doc, perrs := parseDoc(src, url)
	if doc == nil {
		return nil, fmt.Errorf("xsd: %s: %v", url, joinErrors(perrs))
	}
	var errs C.mm7_errs
	s := C.mm7_compile(doc.c, &errs)
	list := cErrors(&errs, StageSchema)
	if s == nil {
		doc.free()
		if len(list) == 0 {
			list = []Error{{Message: "schema could not be compiled"}}
		}
		return nil, fmt.Errorf("xsd: %s: %v", url, joinErrors(list))
	}
	return &compiled{schema: s, doc: doc}, nil
}

// elem is an element of a parsed document, valid while the document lives.
type elem struct{ p *C.xmlNode }

func rootElem(d *document) elem {
	return elem{C.mm7_first_elem((*C.xmlNode)(unsafe.Pointer(d.c)))}
}

func (e elem) ok() bool         { return e.p != nil }
func (e elem) local() string    { return C.GoString(C.mm7_local(e.p)) }
func (e elem) ns() string       { return C.GoString(C.mm7_ns(e.p)) }
func (e elem) line() int        { return int(C.mm7_node_line(e.p)) }
func (e elem) next() elem       { return elem{C.mm7_next_elem(e.p)} }
func (e elem) firstChild() elem { return elem{C.mm7_first_elem(e.p)} }

func (e elem) path() string {
	p := C.mm7_path(e.p)
	if p == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(p))
	return C.GoString(p)
}

func (e elem) children() []elem {
	var out []elem
	for c := e.firstChild(); c.ok(); c = c.next() {
		out = append(out, c)
	}
	return out
}

// validateDoc validates the whole document against c.
func (c *compiled) validateDoc(d *document, stage Stage) []Error {
	var errs C.mm7_errs
	rc := C.mm7_validate_doc(c.schema, d.c, &errs)
	return settle(rc, cErrors(&errs, stage), stage)
}

// validateElement validates n in its own right, as if it were a document's
// root: it must match a global element declaration of c.
func (c *compiled) validateElement(n elem, stage Stage) []Error {
	var errs C.mm7_errs
	rc := C.mm7_validate_elem(c.schema, n.p, &errs)
	return settle(rc, cErrors(&errs, stage), stage)
}

// settle makes sure a failed validation always yields at least one error.
func settle(rc C.int, list []Error, stage Stage) []Error {
	if rc == 0 {
		// Warnings alone do not make a document invalid.
		for _, e := range list {
			if !e.Warning {
				return list
			}
		}
		return nil
	}
	if len(list) == 0 {
		return []Error{{Stage: stage, Message: fmt.Sprintf("validation failed (libxml2 code %d)", int(rc))}}
	}
	return list
}

func joinErrors(list []Error) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}
