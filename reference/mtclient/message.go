package mtclient

import (
	"fmt"
	"mime"
	"net/url"
	"path"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// Message is one MMS to one recipient.
type Message struct {
	// To is the recipient's number: 10 digits, 11 with the leading 1, or
	// E.164 (+13125550071). Vibes takes exactly one recipient (3003
	// otherwise).
	To string
	// From is the short code it is sent from (SenderIdentification/
	// SenderAddress/ShortCode); it must be provisioned for the account
	// (4007 otherwise). Empty sends no sender address.
	From    string
	Subject string
	// DeliveryReport asks the carrier for delivery reports; without a
	// DLRCallbackURL Vibes still asks, but calls nobody back.
	DeliveryReport bool
	// DLRCallbackURL is where Vibes posts the delivery reports
	// (X-Vibes-DlrCallbackUrl); empty: no callbacks.
	DLRCallbackURL string
	// CarrierCode is the recipient's Vibes carrier code
	// (X-Vibes-CarrierCode) when known; empty lets Vibes look it up.
	CarrierCode string
	// Media is the content. One item is the attachment itself; several
	// travel as one multipart/mixed attachment, for Vibes takes exactly
	// one attachment (3500 otherwise).
	Media []Media
}

// Media is one item of content.
type Media struct {
	// ContentType is its media type, e.g. "image/jpeg" (empty:
	// application/octet-stream). Give the parts of a multipart as
	// several Media.
	ContentType string
	// Filename names it (the Content-Type's name parameter and the
	// part's Content-Location); optional.
	Filename string
	Data     []byte
}

// request is a message ready to send: the same bytes on every attempt.
type request struct {
	transactionID string
	contentType   string
	body          []byte
	msg           Message
}

// build makes the HTTP body: the SubmitReq of the client's flavour with a
// fresh TransactionID, wrapped with the one attachment in multipart/related
// by the book (swa.StyleStrict: a start parameter, every Content-ID in
// angle brackets as RFC 2045 has it). Vibes' own Java stack writes a bare
// root Content-Id, which readers tolerate; a reference client need not
// ask for tolerance.
func (c *Client) build(msg Message) (*request, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := msg.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	tid := mm7.NewTransactionID()
	cid := "content." + tid + "@mm7harness"
	soap, err := mm7.EncodeMessage(c.Flavour, tid, msg.submitReq(c.Flavour, cid))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	if c.Hooks.EditSOAP != nil {
		soap = c.Hooks.EditSOAP(soap)
	}
	att, err := msg.attachment(cid)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	m := swa.New(swa.StyleStrict, soap, att)
	if c.Hooks.EditMIME != nil {
		c.Hooks.EditMIME(m)
	}
	ct, body, err := swa.Writer{Style: swa.StyleStrict}.Write(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	if limit := c.maxBody(); int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: the request would be %d bytes, over the limit of %d (Vibes: 1 MB, HTTP 413 beyond); media travel base64-encoded, a third larger than the files",
			ErrTooLarge, len(body), limit)
	}
	return &request{transactionID: tid, contentType: ct, body: body, msg: msg}, nil
}

// check refuses a message that cannot be sent as it is. The recipient's
// form is Vibes' to judge (2002): only what cannot be written is refused.
func (m Message) check() error {
	switch {
	case strings.TrimSpace(m.To) == "":
		return fmt.Errorf("no recipient")
	case len(m.Media) == 0:
		return fmt.Errorf("no content: an MMS needs at least one media item")
	case !headerValue(m.DLRCallbackURL), !headerValue(m.CarrierCode):
		return fmt.Errorf("the callback URL or carrier code holds a control character")
	}
	for i, md := range m.Media {
		if len(md.Data) == 0 {
			return fmt.Errorf("media %d (%s) is empty", i+1, md.Filename)
		}
	}
	return nil
}

// headerValue reports whether s can be an HTTP header value as it is.
func headerValue(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
}

// submitReq is the SubmitReq Vibes documents: the short code as sender,
// the one recipient in To, DeliveryReport always said, the content by
// reference.
func (m Message) submitReq(v mm7.Flavour, cid string) *mm7.SubmitReq {
	dr := m.DeliveryReport
	req := &mm7.SubmitReq{
		MM7Version:     v.MM7Version,
		Recipients:     mm7.Recipients{To: []mm7.Address{mm7.Number(strings.TrimSpace(m.To))}},
		DeliveryReport: &dr,
		Subject:        m.Subject,
		Content:        &mm7.ContentRef{Href: "cid:" + cid},
	}
	if m.From != "" {
		sa := mm7.ShortCode(m.From)
		req.SenderIdentification.SenderAddress = &sa
	}
	return req
}

// attachment is the one attachment, with Content-ID cid: the media item
// itself, or a multipart/mixed holding them all.
func (m Message) attachment(cid string) (*swa.Part, error) {
	if len(m.Media) == 1 {
		p, err := m.Media[0].part()
		if err != nil {
			return nil, err
		}
		return p.SetContentID("<" + cid + ">"), nil
	}
	parts := make([]*swa.Part, len(m.Media))
	for i, md := range m.Media {
		p, err := md.part()
		if err != nil {
			return nil, err
		}
		parts[i] = p.SetContentID(fmt.Sprintf("<part%d.%s>", i+1, cid))
	}
	return swa.NewMultipart("multipart/mixed", parts...).SetContentID("<" + cid + ">"), nil
}

// part is the media item as a base64 MIME part: base64 survives every
// hop, where 8bit or binary content may not.
func (md Media) part() (*swa.Part, error) {
	ct := md.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("media %q: content type %q: %v", md.Filename, ct, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		return nil, fmt.Errorf("media %q: give the parts of a %s as several media", md.Filename, media)
	}
	name := path.Base(strings.ReplaceAll(md.Filename, `\`, "/"))
	if md.Filename != "" {
		params["name"] = name
	}
	if ct = mime.FormatMediaType(media, params); ct == "" {
		return nil, fmt.Errorf("media %q: content type %q cannot be written with that name", md.Filename, md.ContentType)
	}
	p := swa.NewPart(ct, "base64", md.Data)
	if md.Filename != "" {
		p.SetContentLocation(url.PathEscape(name))
	}
	return p, nil
}
