package mockvibes

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mm7harness/mm7harness/corpus"
)

// The control API, for the suites and a customer's own integration tests.
// Every request carries "Authorization: Bearer <Gateway.ControlToken>",
// and every POST is application/json (see guard):
//
//	POST /control/mo          {"case": "680-mo-jpeg" | "raw": "<base64 request>", "target": "http(s)://…/mm7"}
//	                          sends the MO (or any request) to target as Vibes would; answers the exchanges
//	GET  /control/exchanges   the exchanges the mock sent and keeps (MOs injected, delivery reports):
//	                          {"dropped": N, "exchanges": [ExchangeView…], "more": bool}; ?after=ID&limit=N page
//	GET  /control/messages    the state kept per MessageID of the SubmitReqs received
//	POST /control/reset       forgets all of it
func (g *Gateway) routeControl() {
	g.mux.HandleFunc("POST /control/mo", g.guard(g.injectMO))
	g.mux.HandleFunc("GET /control/exchanges", g.guard(g.listExchanges))
	g.mux.HandleFunc("GET /control/messages", g.guard(g.listMessages))
	g.mux.HandleFunc("POST /control/reset", g.guard(g.reset))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// maxInject bounds a /control/mo request: the corpus's largest stored
// case, in base64, with room to spare.
const maxInject = 32 << 20

func (g *Gateway) injectMO(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Case, Raw, Target string
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxInject)).Decode(&in); err != nil || in.Target == "" || (in.Case == "") == (in.Raw == "") {
		writeJSON(w, http.StatusBadRequest, errorBody(`want {"case": ID or "raw": base64, "target": URL}`))
		return
	}
	// The control API sends to whatever it is told: an MM7 endpoint, never
	// a file or another protocol's server.
	if u, err := url.Parse(in.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		writeJSON(w, http.StatusBadRequest, errorBody(fmt.Sprintf("target %q: want an http or https URL", in.Target)))
		return
	}
	var m Message
	if in.Case != "" {
		c, err := corpus.Get(in.Case)
		if err != nil {
			writeJSON(w, http.StatusNotFound, errorBody(err.Error()))
			return
		}
		m = Message{Name: c.ID, Case: c}
	} else {
		raw, err := base64.StdEncoding.DecodeString(in.Raw)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody("raw: not base64"))
			return
		}
		m = Message{Name: "raw", Raw: raw}
	}
	s := &Sender{Endpoint: in.Target, Timeout: g.CallbackTimeout, Limits: g.answerLimits()}
	ex, err := s.Do(m)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, []ExchangeView{g.record(ex)})
}

// listExchanges writes the exchanges kept one at a time: what it holds is
// a copy of the ring's entries and one exchange's JSON, whatever the
// history.
func (g *Gateway) listExchanges(w http.ResponseWriter, r *http.Request) {
	after, err1 := atoiOr(r.URL.Query().Get("after"), 0)
	limit, err2 := atoiOr(r.URL.Query().Get("limit"), 0)
	if err1 != nil || err2 != nil || after < 0 || limit < 0 {
		writeJSON(w, http.StatusBadRequest, errorBody("after and limit are numbers, 0 or more"))
		return
	}
	g.mu.Lock()
	list, more := g.exchanges.list(after, limit)
	dropped := g.exchanges.dropped
	g.mu.Unlock()
	writeList(w, fmt.Sprintf(`{"dropped": %d, "exchanges": `, dropped), list, fmt.Sprintf(`, "more": %t}`, more))
}

// writeList writes items as a JSON array between head and tail, one
// item's JSON at a time.
func writeList[T any](w http.ResponseWriter, head string, items []T, tail string) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, head+"[")
	for i, v := range items {
		b, _ := json.Marshal(v) // views and submissions always marshal
		if i > 0 {
			io.WriteString(w, ",")
		}
		io.WriteString(w, "\n")
		w.Write(b)
	}
	io.WriteString(w, "\n]"+tail+"\n")
}

func atoiOr(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}

func (g *Gateway) listMessages(w http.ResponseWriter, r *http.Request) {
	writeList(w, "", g.Messages(), "")
}

func (g *Gateway) reset(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.messages.reset()
	g.exchanges.reset()
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

// Messages returns the state of the submissions kept (the last
// Gateway.MaxMessages), oldest first.
func (g *Gateway) Messages() []Submission {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	subs, _ := g.messages.list(0, 0)
	out := make([]Submission, 0, len(subs))
	for _, sub := range subs {
		s := *sub
		s.Reports = nil
		for _, r := range sub.Reports {
			c := *r
			s.Reports = append(s.Reports, &c)
		}
		out = append(out, s)
	}
	return out
}

// Exchanges returns the exchanges the gateway keeps (the last
// Gateway.MaxExchanges it sent), oldest first.
func (g *Gateway) Exchanges() []ExchangeView {
	g.init()
	g.mu.Lock()
	defer g.mu.Unlock()
	list, _ := g.exchanges.list(0, 0)
	return list
}
