package mockvibes

import "bytes"

// Bounds on what the gateway keeps; each is a Gateway field's default.
const (
	defaultMaxExchanges      = 1000
	defaultMaxMessages       = 1000
	defaultMaxExchangeBytes  = 64 << 10
	defaultMaxCallbackAnswer = 1 << 20
)

// ExchangeView is an exchange as the gateway keeps it and the control API
// shows it: the raw request and response, each cut at
// Gateway.MaxExchangeBytes, with their full sizes. The answer's parsed
// Header and Body are not kept (the raw response holds them, up to the
// cut). Treat it as read-only: the gateway shares it.
type ExchangeView struct {
	*Exchange
	// ID numbers the exchanges the gateway recorded, from 1; GET
	// /control/exchanges?after=ID lists those that came after.
	ID int `json:"id"`
	// Request is the raw request, at most the cut (base64 in JSON).
	Request          []byte `json:"request"`
	RequestSize      int    `json:"request_size"`
	RequestTruncated bool   `json:"request_truncated,omitempty"`
	// Response is the raw answer as read, at most the cut. ResponseSize
	// counts what was read; Exchange.Truncated says the endpoint sent more
	// than Gateway.MaxCallbackAnswer and the rest was not read at all.
	Response          []byte `json:"response"`
	ResponseSize      int    `json:"response_size"`
	ResponseTruncated bool   `json:"response_truncated,omitempty"`
}

// record keeps ex, cut to size, in the ring of exchanges and returns what
// was kept.
func (g *Gateway) record(ex *Exchange) ExchangeView {
	kept := *ex
	v := ExchangeView{Exchange: &kept, RequestSize: len(ex.Request), ResponseSize: len(ex.Response)}
	v.Request, v.RequestTruncated = cut(ex.Request, g.MaxExchangeBytes)
	v.Response, v.ResponseTruncated = cut(ex.Response, g.MaxExchangeBytes)
	kept.Request, kept.Response, kept.Header, kept.Body = v.Request, v.Response, nil, nil
	g.mu.Lock()
	v.ID = g.exchanges.next()
	g.exchanges.add(v)
	g.mu.Unlock()
	return v
}

// cut copies at most max bytes of b: a copy, so that what is kept does not
// hold the reader's larger buffer alive.
func cut(b []byte, max int) ([]byte, bool) {
	return bytes.Clone(b[:min(len(b), max)]), len(b) > max
}

// answerLimits bound the answers the gateway reads: to its delivery
// reports and to the MOs injected through the control API.
func (g *Gateway) answerLimits() ResponseLimits {
	return ResponseLimits{MaxBody: g.MaxCallbackAnswer}.withDefaults()
}
