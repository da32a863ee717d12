package mockvibes

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/mm7harness/mm7harness/corpus"
)

// The control API, for the suites and a customer's own integration tests:
//
//	POST /control/mo          {"case": "680-mo-jpeg" | "raw": "<base64 request>", "target": "http://…/mm7"}
//	                          sends the MO (or any request) to target as Vibes would; answers the exchanges
//	GET  /control/exchanges   every exchange the mock sent (MOs injected, delivery reports)
//	GET  /control/messages    the state kept per MessageID of every SubmitReq received
//	POST /control/reset       forgets all of it
func (g *Gateway) routeControl() {
	g.mux.HandleFunc("POST /control/mo", g.injectMO)
	g.mux.HandleFunc("GET /control/exchanges", g.listExchanges)
	g.mux.HandleFunc("GET /control/messages", g.listMessages)
	g.mux.HandleFunc("POST /control/reset", g.reset)
}

// ExchangeView is an exchange as the control API shows it.
type ExchangeView struct {
	*Exchange
	Request  string `json:"request"`  // base64 of the raw bytes
	Response string `json:"response"` // base64 of the raw bytes
}

func views(list []*Exchange) []ExchangeView {
	out := make([]ExchangeView, len(list))
	for i, e := range list {
		out[i] = ExchangeView{e, base64.StdEncoding.EncodeToString(e.Request), base64.StdEncoding.EncodeToString(e.Response)}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (g *Gateway) injectMO(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Case, Raw, Target string
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&in); err != nil || in.Target == "" || (in.Case == "") == (in.Raw == "") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"case": ID or "raw": base64, "target": URL}`})
		return
	}
	var m Message
	if in.Case != "" {
		c, err := corpus.Get(in.Case)
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		}
		m = Message{Name: c.ID, Case: c}
	} else {
		raw, err := base64.StdEncoding.DecodeString(in.Raw)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "raw: not base64"})
			return
		}
		m = Message{Name: "raw", Raw: raw}
	}
	s := &Sender{Endpoint: in.Target, Timeout: g.CallbackTimeout, RetryInterval: g.RetryInterval, MaxRetries: -1}
	if _, err := s.Run(context.Background(), []Message{m}, 1, 0); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	exs := s.Exchanges()
	g.mu.Lock()
	g.exchanges = append(g.exchanges, exs...)
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, views(exs))
}

func (g *Gateway) listExchanges(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	list := append([]*Exchange(nil), g.exchanges...)
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, views(list))
}

func (g *Gateway) listMessages(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	list := make([]*Submission, 0, len(g.order))
	for _, id := range g.order {
		list = append(list, g.messages[id])
	}
	data, _ := json.Marshal(list) // under the lock: reports are updated by callbacks
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

func (g *Gateway) reset(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.messages, g.order, g.exchanges = map[string]*Submission{}, nil, nil
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

// Messages returns the state of every submission, for tests.
func (g *Gateway) Messages() []Submission {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Submission, 0, len(g.order))
	for _, id := range g.order {
		s := *g.messages[id]
		s.Reports = nil
		for _, r := range g.messages[id].Reports {
			c := *r
			s.Reports = append(s.Reports, &c)
		}
		out = append(out, s)
	}
	return out
}

// Exchanges returns every exchange the gateway has sent.
func (g *Gateway) Exchanges() []*Exchange {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*Exchange(nil), g.exchanges...)
}
