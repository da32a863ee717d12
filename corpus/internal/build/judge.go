package build

import (
	"bytes"
	"io"
	"sort"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// Verdict is what reading a request through every layer finds: the first
// failure as "layer:reason" ("" when there is none), the deviations seen on
// the way, how the MIME layer read it, and whether the SOAP part is valid.
type Verdict struct {
	Failure     string
	Deviations  []mm7.DeviationID
	MIME        corpus.MIMEExpect
	SchemaValid bool
}

// The HTTP limits a receiver is expected to apply (and the reference
// receiver does): Go's default header limit, swa's default body limit.
const (
	maxHeaderBytes = 1 << 20
	maxBodyBytes   = 16 << 20
)

// requestKind is the request kind each corpus kind carries.
var requestKind = map[corpus.Kind]mm7.Kind{
	corpus.KindDeliver:        mm7.KindDeliverReq,
	corpus.KindDeliveryReport: mm7.KindDeliveryReportReq,
	corpus.KindSubmit:         mm7.KindSubmitReq,
	corpus.KindReadReply:      mm7.KindReadReplyReq,
}

// Judge reads the request r (of a case of kind k in flavour v) as a
// careful receiver would — through harness/receive, serving only the case's
// operation, forgiving nothing — and reports what it finds.
func Judge(r io.Reader, k corpus.Kind, v mm7.Flavour, schemas *xsd.Schemas) (out Verdict, err error) {
	head, body, err := splitRequest(r)
	if err != nil {
		return out, err
	}
	if len(head) > maxHeaderBytes {
		out.Failure = "http:header-too-large"
		return out, nil
	}
	if body == nil {
		out.Failure = "http:too-large"
		return out, nil
	}
	req, rerr := receive.ReadHTTP(append(head, body...), receive.Options{Expect: v, Schemas: schemas,
		Serves: []mm7.Kind{requestKind[k]}, AcceptUnterminated: true})
	devs := map[mm7.DeviationID]bool{}
	for _, d := range req.Deviations() {
		devs[d.ID] = true
	}
	for d := range devs {
		out.Deviations = append(out.Deviations, d)
	}
	sort.Slice(out.Deviations, func(i, j int) bool { return out.Deviations[i] < out.Deviations[j] })
	if req.MIME != nil {
		req.MIME.Walk(func(p *swa.Part) {
			if !p.IsMultipart() {
				out.MIME.Parts++
			}
		})
		if req.MIME.Root == req.MIME.Top {
			out.MIME.Parts = 1
		}
	}
	out.SchemaValid = req.Schema != nil && req.Schema.Valid()
	f := receive.FailureOf(rerr)
	switch {
	case f != nil && f.Reason == "malformed":
		return out, rerr
	case f != nil:
		if f.Layer == receive.LayerMIME {
			out.MIME.Error = f.Reason
		}
		out.Failure = f.ID()
	case rerr != nil:
		return out, rerr
	case req.Unresolved:
		out.Failure = "mm7:content-unresolved"
	}
	return out, nil
}

// splitRequest reads the header block, then at most maxBodyBytes of body;
// body is nil when there is more.
func splitRequest(r io.Reader) (head, body []byte, err error) {
	all, err := io.ReadAll(io.LimitReader(r, maxHeaderBytes+maxBodyBytes+64<<10))
	if err != nil {
		return nil, nil, err
	}
	end := bytes.Index(all, []byte("\r\n\r\n"))
	if end < 0 {
		return all, []byte{}, nil
	}
	head, body = all[:end+4], all[end+4:]
	if len(head) > maxHeaderBytes {
		return head, []byte{}, nil
	}
	if len(body) > maxBodyBytes {
		return head, nil, nil
	}
	return head, body, nil
}
