package reference

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The read API, for the customer's application and the suites:
//
//	GET /messages?kind=&flavour=&transaction_id=&message_id=&sender=&after=&limit=
//	GET /messages/{id}
//	GET /messages/{id}/parts/{n}   the attachment's bytes, with its content type
//	GET /healthz
//	GET /metrics                   Prometheus
func (h *Handler) routeAPI() {
	h.mux.Handle("GET /messages", h.guard(h.listMessages))
	h.mux.Handle("GET /messages/{id}", h.guard(h.getMessage))
	h.mux.Handle("GET /messages/{id}/parts/{n}", h.guard(h.getPart))
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.Handle("GET /metrics", h.guard(h.metrics.handler().ServeHTTP))
}

// APIAccess says who can read the stored messages and the metrics, for
// the start-up line.
func (h *Handler) APIAccess() string {
	switch {
	case h.cfg.APIToken != "":
		return "behind the bearer token (--api-token)"
	case h.cfg.User != "":
		return "behind the Basic credentials (--user)"
	case h.cfg.LoopbackAPI:
		return "open, on a loopback address only this machine reaches (behind a proxy on this machine, anyone the proxy serves: set --api-token)"
	}
	return "off: this receiver listens beyond loopback without --api-token or --user"
}

// guard serves the read API and /metrics to whom may see them: the bearer
// token's holder when there is a token; otherwise the Basic credentials'
// holder when there are credentials; otherwise anyone on this machine when
// the receiver listens on loopback.
func (h *Handler) guard(f http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The Basic credentials are the MM7 sender's (Vibes'): they open
		// the read API only when no token keeps it apart.
		token := h.cfg.APIToken != ""
		basic := h.cfg.User != "" && !token
		switch {
		case token && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+h.cfg.APIToken)) == 1:
		case basic && h.authorized(r):
		case token || basic:
			if token {
				w.Header().Add("WWW-Authenticate", "Bearer")
			}
			if basic {
				w.Header().Add("WWW-Authenticate", `Basic realm="mm7"`)
			}
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "credentials are required"})
			return
		case !h.cfg.LoopbackAPI:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "the read API is off: this receiver listens beyond loopback; start it with --api-token"})
			return
		}
		f(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// listParams are the filters GET /messages takes.
var listParams = []string{"kind", "flavour", "transaction_id", "message_id", "sender", "after", "limit"}

func (h *Handler) listMessages(w http.ResponseWriter, r *http.Request) {
	// A filter that cannot be read must not widen the answer to every
	// message: refuse it, naming it.
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": unreadableParam(r.URL.RawQuery) + ": cannot be read (" + err.Error() + ")"})
		return
	}
	for name, vs := range q {
		if !slices.Contains(listParams, name) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("%s: no such filter (have %s)", name, strings.Join(listParams, ", "))})
			return
		}
		if len(vs) > 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + ": given more than once"})
			return
		}
	}
	query := Query{Kind: q.Get("kind"), Flavour: q.Get("flavour"), TransactionID: q.Get("transaction_id"), MessageID: q.Get("message_id"), Sender: q.Get("sender")}
	if v := q.Get("after"); v != "" {
		if query.AfterID, err = strconv.ParseInt(v, 10, 64); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "after: not a message id"})
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if query.Limit, err = strconv.Atoi(v); err != nil || query.Limit < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit: want a positive number"})
			return
		}
	}
	list, err := h.store.List(r.Context(), query)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	resp := map[string]any{"messages": nonNil(list)}
	if len(list) > 0 {
		resp["next"] = "after=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, resp)
}

// unreadableParam names the first parameter of a raw query that does not
// parse (a semicolon, a bad escape).
func unreadableParam(raw string) string {
	for _, pair := range strings.Split(raw, "&") {
		name, value, _ := strings.Cut(pair, "=")
		_, e1 := url.QueryUnescape(name)
		_, e2 := url.QueryUnescape(value)
		if strings.Contains(pair, ";") || e1 != nil || e2 != nil {
			if n, err := url.QueryUnescape(name); err == nil {
				return n
			}
			return name
		}
	}
	return "the query"
}

func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n < 1 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + ": not a number"})
		return 0, false
	}
	return n, true
}

// storeFailed answers a store error (404 with missing for what is not
// there) and says whether there was one.
func storeFailed(w http.ResponseWriter, err error, missing string) bool {
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": missing})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
	default:
		return false
	}
	return true
}

type messageView struct {
	*Record
	SOAP string `json:"soap"`
}

func (h *Handler) getMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	rec, err := h.store.Get(r.Context(), id)
	if storeFailed(w, err, "no such message") {
		return
	}
	writeJSON(w, http.StatusOK, messageView{Record: rec, SOAP: string(rec.SOAP)})
}

func (h *Handler) getPart(w http.ResponseWriter, r *http.Request) {
	id, ok := pathInt(w, r, "id")
	if !ok {
		return
	}
	n, ok := pathInt(w, r, "n")
	if !ok {
		return
	}
	p, err := h.store.Part(r.Context(), id, int(n))
	if storeFailed(w, err, "no such part") {
		return
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Body)))
	w.Header().Set("X-Content-SHA256", p.SHA256)
	if p.ContentID != "" {
		w.Header().Set("Content-ID", "<"+p.ContentID+">")
	}
	_, _ = w.Write(p.Body)
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	if err := h.store.Ping(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
