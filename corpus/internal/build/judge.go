package build

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
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

var mimeReasons = []struct {
	err  error
	name string
}{
	{swa.ErrTooLarge, "too-large"}, {swa.ErrTooManyParts, "too-many-parts"}, {swa.ErrTooDeep, "too-deep"},
	{swa.ErrHeaderTooLarge, "header-too-large"}, {swa.ErrBoundaryMismatch, "boundary-mismatch"},
	{swa.ErrNoBoundary, "no-boundary"}, {swa.ErrMalformedHeader, "malformed-header"},
	{swa.ErrContentType, "content-type"}, {swa.ErrEncoding, "encoding"}, {swa.ErrNoRoot, "no-root"},
}

// MIMEReason names a swa error for the manifest.
func MIMEReason(err error) string {
	for _, r := range mimeReasons {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "other"
}

// responseKind is the request kind each corpus kind carries.
var requestKind = map[corpus.Kind]mm7.Kind{
	corpus.KindDeliver:        mm7.KindDeliverReq,
	corpus.KindDeliveryReport: mm7.KindDeliveryReportReq,
	corpus.KindSubmit:         mm7.KindSubmitReq,
	corpus.KindReadReply:      mm7.KindReadReplyReq,
}

// Judge reads the request r (of a case of kind k in flavour v) as a
// receiver would and reports what it finds.
func Judge(r io.Reader, k corpus.Kind, v mm7.Version, schemas *xsd.Schemas) (out Verdict, err error) {
	devs := map[mm7.DeviationID]bool{}
	defer func() {
		for d := range devs {
			out.Deviations = append(out.Deviations, d)
		}
		sort.Slice(out.Deviations, func(i, j int) bool { return out.Deviations[i] < out.Deviations[j] })
	}()
	var head, body []byte
	head, body, err = splitRequest(r)
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
	h, err := swa.ReadHTTP(append(head, body...))
	if err != nil {
		return out, err
	}
	for _, d := range h.Deviations {
		devs[d.ID] = true
	}
	ct := strings.ToLower(h.ContentType())
	switch {
	case h.Method != "POST":
		out.Failure = "http:method"
		return out, nil
	case h.CheckContentLength() != nil:
		out.Failure = "http:content-length"
		return out, nil
	case !strings.HasPrefix(ct, "multipart/") && !strings.HasPrefix(ct, "text/xml"):
		out.Failure = "http:content-type"
		return out, nil
	}
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{})
	if err != nil {
		out.MIME.Error = MIMEReason(err)
		out.Failure = "mime:" + out.MIME.Error
		return out, nil
	}
	for _, d := range m.Deviations {
		devs[d.ID] = true
	}
	m.Walk(func(p *swa.Part) {
		if !p.IsMultipart() {
			out.MIME.Parts++
		}
	})
	if m.Root == m.Top {
		out.MIME.Parts = 1
	}
	norm, _, nerr := mm7.NormalizeCharset(m.SOAP(), m.Charset())
	if nerr == nil {
		out.SchemaValid = schemas.Validate(norm).Valid()
	}
	env, err := mm7.DecodeOptions{Charset: m.Charset(), Expect: v}.Decode(m.SOAP())
	if env != nil {
		for _, d := range env.Deviations {
			devs[d.ID] = true
		}
	}
	var de *mm7.DecodeError
	switch {
	case errors.As(err, &de):
		out.Failure = "soap:" + string(de.Reason)
	case err != nil:
		return out, err
	case mm7.Has(env.Deviations, mm7.DevUnknownMandatoryHeader):
		out.Failure = "soap:mustunderstand"
	case env.Message.Kind() != requestKind[k]:
		out.Failure = "mm7:unsupported-operation"
	case !out.SchemaValid:
		out.Failure = "schema"
	default:
		if href := contentHref(env.Message); href != "" {
			if _, err := m.Resolve(href); err != nil {
				out.Failure = "mm7:content-unresolved"
			}
			for _, d := range m.Deviations {
				devs[d.ID] = true
			}
		}
	}
	return out, nil
}

func contentHref(msg mm7.Message) string {
	switch m := msg.(type) {
	case *mm7.DeliverReq:
		if m.Content != nil {
			return m.Content.Href
		}
	case *mm7.SubmitReq:
		if m.Content != nil {
			return m.Content.Href
		}
	}
	return ""
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
