package mtclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// userAgent names the client to Vibes' logs.
const userAgent = "mm7harness-mtclient/1"

// attempt sends the request once and reads what came back. The attempt's
// own deadline (Timeout) covers the answer's body too.
func (c *Client) attempt(ctx context.Context, req *request) Result {
	actx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	hr, err := c.httpRequest(actx, req)
	if err != nil {
		return Result{Err: err}
	}
	rsp, err := c.httpClient().Do(hr)
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %v: %w", c.timeout(), err)
		}
		return Result{Err: err}
	}
	defer rsp.Body.Close()
	res := Result{HTTPStatus: rsp.StatusCode}
	limit := c.maxAnswer()
	body, err := io.ReadAll(io.LimitReader(rsp.Body, limit+1))
	switch {
	case err != nil:
		res.Err = fmt.Errorf("the answer broke off: %w", err)
		return res
	case int64(len(body)) > limit:
		res.Err = fmt.Errorf("the answer is over %d bytes: not an MM7 answer", limit)
		return res
	}
	res.read(rsp.Header.Get("Content-Type"), body)
	return res
}

// httpRequest is the POST of one attempt: Content-Length (never chunked),
// Basic credentials, Vibes' headers.
func (c *Client) httpRequest(ctx context.Context, req *request) (*http.Request, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint, bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	hr.ContentLength = int64(len(req.body))
	hr.Header.Set("Content-Type", req.contentType)
	// SOAP 1.1 section 6.1.1: a SOAP request carries SOAPAction; MM7
	// gives it no value.
	hr.Header.Set("SOAPAction", `""`)
	hr.Header.Set("User-Agent", userAgent)
	hr.SetBasicAuth(c.User, c.Password)
	if u := req.msg.DLRCallbackURL; u != "" {
		hr.Header.Set("X-Vibes-DlrCallbackUrl", u)
	}
	if cc := req.msg.CarrierCode; cc != "" {
		hr.Header.Set("X-Vibes-CarrierCode", cc)
	}
	if c.Hooks.EditRequest != nil {
		c.Hooks.EditRequest(hr)
	}
	return hr, nil
}

// read fills r from an answer's body: a SubmitRsp, a Fault (with or
// without an MM7 error response in its detail), an error response on its
// own, or something that is not MM7 (r.Err says what).
func (r *Result) read(contentType string, body []byte) {
	if len(bytes.TrimSpace(body)) == 0 {
		if r.HTTPStatus/100 == 2 {
			r.Err = errors.New("an empty answer: no SubmitRsp")
		}
		return
	}
	env, err := decodeAnswer(contentType, body)
	if err != nil {
		// An error status with a page of its own says enough by its
		// status; a success that is not MM7 is not a success.
		if r.HTTPStatus/100 == 2 {
			r.Err = fmt.Errorf("the answer does not read as MM7: %w", err)
		}
		return
	}
	if rsp := mm7.ResponseOf(env.Message); rsp != nil {
		r.Status, r.StatusText = rsp.Status.Code, strings.TrimSpace(rsp.Status.Text)
	}
	switch m := env.Message.(type) {
	case *mm7.SubmitRsp:
		r.MessageID = strings.TrimSpace(m.MessageID)
		r.Accepted = r.Status == mm7.StatusSuccess && r.HTTPStatus/100 == 2
		if r.Status == mm7.StatusSuccess && !r.Accepted {
			r.Err = fmt.Errorf("a SubmitRsp with 1000 under HTTP %d: the answer contradicts itself", r.HTTPStatus)
		}
	case *mm7.Fault:
		r.FaultCode = m.Code
		if r.StatusText == "" {
			r.StatusText = strings.TrimSpace(m.String)
		}
		if r.Status == 0 {
			r.Err = fmt.Errorf("a SOAP Fault (%s: %s) without an MM7 status", m.Code, strings.TrimSpace(m.String))
		}
	case *mm7.RSErrorRsp, *mm7.VASPErrorRsp:
	default:
		r.Err = fmt.Errorf("the answer is a %s, not a SubmitRsp", env.Message.Kind())
	}
}

// decodeAnswer reads the SOAP envelope of an answer: text/xml, or the
// root of a multipart (a gateway may answer with attachments).
func decodeAnswer(contentType string, body []byte) (*mm7.Envelope, error) {
	media, params, _ := mime.ParseMediaType(contentType)
	charset := params["charset"]
	if strings.HasPrefix(strings.ToLower(media), "multipart/") {
		m, err := swa.ReadBytes(contentType, body, swa.ReadOptions{Limits: swa.Limits{MaxBytes: int64(len(body))}})
		if err != nil {
			return nil, err
		}
		body, charset = m.SOAP(), m.Charset()
	}
	env, err := mm7.Decode(body, charset)
	if err != nil {
		return nil, err
	}
	return env, nil
}
