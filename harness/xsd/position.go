package xsd

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// fillColumns gives a column to errors libxml2 reported without one. Schema
// errors name an element; its start tag on the reported line is where a
// reader should look. The column counts characters, 1-based.
func fillColumns(buf []byte, errs []Error) {
	var starts []int // byte offset of each line, built on first need
	for i := range errs {
		e := &errs[i]
		if e.Column > 0 || e.Line <= 0 || e.Path == "" {
			continue
		}
		if starts == nil {
			starts = lineStarts(buf)
		}
		if e.Line > len(starts) {
			continue
		}
		line := buf[starts[e.Line-1]:]
		if end := bytes.IndexByte(line, '\n'); end >= 0 {
			line = line[:end]
		}
		if at := bytes.Index(line, []byte("<"+lastStep(e.Path))); at >= 0 {
			e.Column = utf8.RuneCount(line[:at]) + 1
		} else {
			e.Column = 1
		}
	}
}

func lineStarts(buf []byte) []int {
	starts := []int{0}
	for i, b := range buf {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// Element is the local name of the element the error is at: "Sender" for
// the path /SOAP-ENV:Envelope/SOAP-ENV:Body/mm7:DeliverReq/mm7:Sender[2].
func (e Error) Element() string {
	step := lastStep(e.Path)
	return step[strings.IndexByte(step, ':')+1:]
}

// lastStep returns "mm7:Sender" for "/env:Envelope/env:Body/mm7:Sender[2]".
func lastStep(path string) string {
	step := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.IndexByte(step, '['); i >= 0 {
		step = step[:i]
	}
	return step
}

// dedupe drops an error reported twice for the same place, which happens
// when the envelope schema and an MM7 schema both judge a header attribute.
func dedupe(errs []Error) []Error {
	if len(errs) < 2 {
		return errs
	}
	type key struct {
		line      int
		path, msg string
	}
	seen := make(map[key]bool, len(errs))
	out := errs[:0]
	for _, e := range errs {
		k := key{e.Line, e.Path, e.Message}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}
