package reference

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
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
	h.mux.Handle("GET /metrics", h.metrics.handler())
}

func (h *Handler) guard(f http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.APIToken != "" {
			want := "Bearer " + h.cfg.APIToken
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(want)) != 1 {
				w.Header().Set("WWW-Authenticate", "Bearer")
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a bearer token is required"})
				return
			}
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

func (h *Handler) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := Query{Kind: q.Get("kind"), Flavour: q.Get("flavour"), TransactionID: q.Get("transaction_id"), MessageID: q.Get("message_id"), Sender: q.Get("sender")}
	var err error
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

func pathInt(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n < 1 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + ": not a number"})
		return 0, false
	}
	return n, true
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
	if errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such message"})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
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
	if errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such part"})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
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
