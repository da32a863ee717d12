// Package inspect judges one stored MM7 message — a raw HTTP request or
// response, a bare MIME body, or SOAP XML — through every layer: HTTP
// framing, MIME (package swa), the SOAP decoder (mm7) and the schemas (xsd).
// It reports what the message is, what was tolerated, and every problem
// with its position in the file. The validate command prints its reports.
package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Format is what kind of input a file held.
type Format string

// The input formats.
const (
	FormatHTTPRequest  Format = "http-request"
	FormatHTTPResponse Format = "http-response"
	FormatMIME         Format = "mime"
	FormatSOAP         Format = "soap-xml"
)

// The layers a message is judged at, in order: its framing (HTTP and
// MIME), its XML, its schema, then the rules of TS 23.140 the schema does
// not express. A problem at any layer makes the message invalid; what the
// harness merely does not model is a note, never a problem.

// Problem is one reason a message is invalid. Line and Column are positions
// in the file (1-based; 0 when the problem has no place).
type Problem struct {
	// Stage is the layer, or the step of schema validation: format, http,
	// mime, xml, envelope, header, body, namespace, schema, mm7.
	Stage   string `json:"stage"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Report is the verdict on one file.
type Report struct {
	File          string          `json:"file"`
	Format        Format          `json:"format"`
	StartLine     string          `json:"start_line,omitempty"`
	Kind          mm7.Kind        `json:"kind,omitempty"`
	Flavour       string          `json:"flavour,omitempty"`
	Release       mm7.Release     `json:"release,omitempty"`
	TransactionID string          `json:"transaction_id,omitempty"`
	Blank         bool            `json:"blank,omitempty"` // an HTTP response with an empty body
	Deviations    []mm7.Deviation `json:"deviations"`
	Problems      []Problem       `json:"problems"`
	// Notes say what the harness could not read further in a message that
	// is valid as far as the layers go (an operation it does not model).
	Notes []string `json:"notes,omitempty"`
	// SOAPLine is the file line where the SOAP document starts; 0 when the
	// SOAP part was transfer-encoded and positions are within it.
	SOAPLine int `json:"soap_line,omitempty"`
}

// Valid reports whether no problem was found.
func (r *Report) Valid() bool { return len(r.Problems) == 0 }

// Options configures Inspect.
type Options struct {
	// Schemas validates the SOAP document; nil means the embedded ones.
	Schemas *xsd.Schemas
	// Expect is the flavour the message should be in; zero accepts either.
	Expect mm7.Flavour
}

// Inspect judges data, read from the file called name.
func Inspect(name string, data []byte, opts Options) *Report {
	r := &Report{File: name}
	schemas := opts.Schemas
	if schemas == nil {
		var err error
		if schemas, err = xsd.Embedded(); err != nil {
			r.problem("xsd", 0, 0, "", err.Error())
			return r
		}
	}
	ct, body, bodyOff, ok := r.frame(data)
	if !ok {
		return r
	}
	if r.Blank {
		return r
	}
	// Read as a receiver reads, but on past what can be diagnosed, and
	// serving whatever it is: validate judges, it does not take.
	req, err := receive.Read(ct, bytes.NewReader(body), int64(len(body)), receive.Options{Diagnose: true, Expect: opts.Expect,
		Schemas: schemas, Release: opts.Expect.Release, AcceptUnterminated: true})
	f := receive.FailureOf(err)
	m := req.MIME
	if m == nil {
		stage := "mime"
		if f != nil && f.Layer == receive.LayerHTTP {
			stage = "http"
		}
		msg := err.Error()
		if f != nil && f.Msg != "" {
			msg = f.Msg
		} else if f != nil && f.Err != nil {
			msg = unprefixed(f.Err)
		}
		r.problem(stage, 0, 0, "", msg)
		return r
	}
	r.Deviations = append(r.Deviations, m.Deviations...)
	for _, p := range m.Problems {
		r.problem("mime", 0, 0, "", unprefixed(p))
	}
	soapOff := -1
	if off := m.RootOffset(); off >= 0 && bodyOff >= 0 {
		soapOff = bodyOff + off
	}
	lineBase := 0
	if soapOff >= 0 {
		lineBase = bytes.Count(data[:soapOff], []byte("\n"))
		r.SOAPLine = lineBase + 1
	}
	var derr error
	if f != nil && f.Layer == receive.LayerSOAP && f.Reason != "mustunderstand" {
		derr = f.Err // the decoder's own failure; mustunderstand is a receiver's rule, not the message's fault
	}
	r.soap(req.Envelope, derr, req.Schema, lineBase)
	return r
}

// frame finds the HTTP or MIME framing: the body, its Content-Type, and
// the body's offset in data (-1 when it is not a slice of data).
func (r *Report) frame(data []byte) (ct string, body []byte, off int, ok bool) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case swa.LooksLikeHTTP(data):
		h, err := swa.ReadHTTP(data)
		if err != nil {
			r.problem("http", 1, 1, "", unprefixed(err))
			return "", nil, 0, false
		}
		r.Format, r.StartLine = FormatHTTPResponse, fmt.Sprintf("%s %d %s", h.Proto, h.StatusCode, h.Reason)
		if h.Request {
			r.Format, r.StartLine = FormatHTTPRequest, h.Method+" "+h.Target+" "+h.Proto
		}
		r.Deviations = append(r.Deviations, h.Deviations...)
		if !h.Request && len(bytes.TrimSpace(h.Body)) == 0 {
			r.Blank = true // Vibes accepts a blank 200 for DeliverRsp and DeliveryReportRsp
			if h.StatusCode/100 != 2 {
				r.problem("http", 1, 1, "", fmt.Sprintf("HTTP %d with an empty body", h.StatusCode))
			}
			return "", nil, 0, true
		}
		ct = h.ContentType()
		if ct == "" {
			r.problem("http", 0, 0, "", "no Content-Type header; read as text/xml")
			ct = "text/xml"
		}
		return ct, h.Body, h.BodyOffset, true
	case bytes.HasPrefix(trimmed, []byte("<")):
		r.Format = FormatSOAP
		return "text/xml", data, 0, true
	case bytes.HasPrefix(trimmed, []byte("--")):
		// A multipart body without its Content-Type: the first line names the boundary.
		r.Format = FormatMIME
		line := trimmed
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		b := strings.TrimSpace(string(bytes.TrimPrefix(line, []byte("--"))))
		return `multipart/related; type="text/xml"; boundary="` + b + `"`, data, 0, true
	default:
		// A MIME entity: header fields, a blank line, the body.
		h, err := swa.ReadHTTP(append([]byte("HTTP/1.1 200 OK\r\n"), data...))
		if err != nil || h.ContentType() == "" {
			r.problem("format", 1, 1, "", "not an HTTP message, a MIME entity or XML")
			return "", nil, 0, false
		}
		r.Format = FormatMIME
		off := h.BodyOffset - len("HTTP/1.1 200 OK\r\n")
		return h.ContentType(), h.Body, off, true
	}
}

func (r *Report) soap(env *mm7.Envelope, derr error, res *xsd.Result, lineBase int) {
	if env != nil {
		r.TransactionID = env.TransactionID
		if env.Message != nil {
			r.Kind = env.Message.Kind()
		}
		r.Flavour, r.Release = env.Flavour.Name, env.Release
		for _, d := range env.Deviations {
			if d.Line > 0 {
				d.Line += lineBase
			}
			r.Deviations = append(r.Deviations, d)
		}
	}
	if res != nil && r.Kind == "" {
		r.Kind = mm7.Kind(res.Message)
	}
	// The schema layer, with libxml2's positions.
	schemaValid := res != nil && res.Valid()
	if res != nil {
		for _, e := range res.Errors {
			line := e.Line
			if line > 0 {
				line += lineBase
			}
			r.problem(string(e.Stage), line, e.Column, e.Path, e.Message)
		}
	}
	// The decoder's findings: what the schema cannot say is a problem of
	// its own; what the schema has said already is not said twice; what
	// the harness does not model is a note.
	var de *mm7.DecodeError
	if !errors.As(derr, &de) {
		if derr != nil {
			r.problem("mm7", 0, 0, "", unprefixed(derr))
		}
		return
	}
	line, col := 0, 0
	if de.Line > 0 {
		line, col = de.Line+lineBase, de.Column
	}
	switch de.Reason {
	case mm7.ReasonMalformed, mm7.ReasonDTD, mm7.ReasonCharset:
		if res == nil || res.Valid() {
			r.problem("xml", line, col, "", de.Msg)
		}
	case mm7.ReasonOperation:
		if schemaValid {
			r.Notes = append(r.Notes, fmt.Sprintf("%s is valid against %s; the harness does not model it, so its values were not read further", r.Kind, r.Release))
		}
	case mm7.ReasonTransactionID:
		// The schema takes any string; TS 23.140 needs a request's
		// TransactionID to echo it. An empty one in an answer is only odd.
		if strings.HasSuffix(string(r.Kind), "Rsp") && env != nil && env.TransactionID == "" && !strings.Contains(de.Msg, "several") {
			r.Notes = append(r.Notes, "the TransactionID is empty: schema-valid, but it matches no request")
		} else {
			r.problem("mm7", line, col, "", de.Msg+" (TS 23.140 clause 8.7: a request carries one TransactionID, which the answer echoes)")
		}
	case mm7.ReasonBodyShape:
		r.problem("mm7", line, col, "", de.Msg+" (TS 23.140 clause 8.7: the Body carries one MM7 message)")
	default:
		if schemaValid || res == nil {
			r.problem("mm7", line, col, "", de.Msg)
		}
	}
}

// unprefixed is an error's text without its package's prefix: the
// problem's stage is the one prefix a line carries.
func unprefixed(err error) string {
	s := err.Error()
	for _, p := range []string{"swa: ", "mm7: ", "xsd: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

func (r *Report) problem(stage string, line, col int, path, msg string) {
	r.Problems = append(r.Problems, Problem{Stage: stage, Line: line, Column: col, Path: path, Message: msg})
}
