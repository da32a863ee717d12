package mockvibes

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// The control API sends whatever it is given to any host and shows the
// answer, and the mock runs on developers' machines next to their
// browsers. So it answers only a caller that holds the token, and refuses
// what a web page can make a browser send: a request from another origin,
// or a POST that is not JSON (an HTML form cannot send JSON, and a script
// on another origin cannot without a CORS preflight, which the mock never
// grants).

// NewControlToken returns a random token for Gateway.ControlToken.
func NewControlToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// guard lets a control request through to h only when the API is on, the
// request comes from no browser page but the mock's own, carries the
// token, and (for a POST) is JSON.
func (g *Gateway) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case g.ControlToken == "":
			writeJSON(w, http.StatusNotFound, errorBody("the control API is off: the gateway has no control token"))
		case !sameOrigin(r):
			writeJSON(w, http.StatusForbidden, errorBody("requests from another origin are refused"))
		case !g.bearer(r):
			w.Header().Set("WWW-Authenticate", `Bearer realm="mm7harness mock control API"`)
			writeJSON(w, http.StatusUnauthorized, errorBody(`the control API wants "Authorization: Bearer <token>" (the token is on the mock's start-up line)`))
		case r.Method == http.MethodPost && !isJSON(r.Header.Get("Content-Type")):
			writeJSON(w, http.StatusUnsupportedMediaType, errorBody("control requests are application/json"))
		default:
			h(w, r)
		}
	}
}

// bearer reports whether r carries the control token. Both sides are
// hashed first, so that the comparison takes the same time whatever their
// lengths.
func (g *Gateway) bearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256([]byte(g.ControlToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// sameOrigin reports whether r carries no Origin (not from a browser
// page) or the mock's own.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return u.Scheme == scheme && strings.EqualFold(u.Host, r.Host) && u.Path == "" && u.User == nil
}

func isJSON(contentType string) bool {
	t, _, err := mime.ParseMediaType(contentType)
	return err == nil && t == "application/json"
}

func errorBody(text string) map[string]string { return map[string]string{"error": text} }
