package reference_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/reference"
	"github.com/mm7harness/mm7harness/reference/referencetest"
)

// start runs a receiver on a free loopback port with a fresh database.
func start(t testing.TB, edit func(*reference.ServerConfig)) *reference.Server {
	t.Helper()
	cfg := reference.ServerConfig{ReadTimeout: 3 * time.Second, ReadHeaderTimeout: 2 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	return referencetest.Start(t, cfg)
}

// exchange is what a raw send got back; Closed means no answer at all.
type exchange struct {
	Status int
	Header http.Header
	Body   []byte
	Closed bool
}

// sendRaw writes a raw request over a fresh connection and reads one
// answer, as a raw sender (and Vibes' Java client) does.
func sendRaw(t testing.TB, endpoint string, r io.Reader) exchange {
	t.Helper()
	u, _ := url.Parse(endpoint)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(15 * time.Second))
	go io.Copy(conn, r) // may fail when the server closes early: that is an answer too
	rsp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return exchange{Closed: true}
	}
	defer rsp.Body.Close()
	body, _ := io.ReadAll(rsp.Body)
	return exchange{Status: rsp.StatusCode, Header: rsp.Header, Body: body}
}

func sendCase(t testing.TB, s *reference.Server, c *corpus.Case) (exchange, string) {
	t.Helper()
	if c.Generator != "" {
		r, _, err := c.Open()
		if err != nil {
			t.Fatal(err)
		}
		return sendRaw(t, s.URL, retargetStream(r, s.URL)), ""
	}
	raw, tid, err := c.StampFor(s.URL, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return sendRaw(t, s.URL, bytes.NewReader(raw)), tid
}

// retargetStream points a streamed request's head at the server.
func retargetStream(r io.Reader, endpoint string) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	line, _ := br.ReadString('\n')
	u, _ := url.Parse(endpoint)
	f := strings.Fields(line)
	return io.MultiReader(strings.NewReader(f[0]+" "+u.RequestURI()+" "+f[2]+"\r\n"), br)
}

var schemas = func() *xsd.Schemas {
	s, err := xsd.Embedded()
	if err != nil {
		panic(err)
	}
	return s
}()

// checkSOAPAnswer requires a schema-valid SOAP answer and returns it decoded.
func checkSOAPAnswer(t testing.TB, ex exchange) *mm7.Envelope {
	t.Helper()
	if ct := ex.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("answer Content-Type %q, want text/xml", ct)
	}
	if r := schemas.Validate(ex.Body); !r.Valid() {
		t.Fatalf("answer is not schema-valid: %v\n%s", r.Errors, ex.Body)
	}
	env, err := mm7.Decode(ex.Body, "utf-8")
	if err != nil {
		t.Fatalf("answer does not decode: %v\n%s", err, ex.Body)
	}
	return env
}

// expectedParts returns the sha256 of every attachment of a corpus case.
func expectedParts(t testing.TB, c *corpus.Case) []string {
	raw, err := c.Raw()
	if err != nil {
		t.Fatal(err)
	}
	h, _ := swa.ReadHTTP(raw)
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	m.Walk(func(p *swa.Part) {
		if !p.IsMultipart() && p != m.Root {
			sum := sha256.Sum256(p.Body)
			out = append(out, hex.EncodeToString(sum[:]))
		}
	})
	return out
}

func getJSON(t testing.TB, u string, v any) int {
	t.Helper()
	rsp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	if v != nil {
		json.NewDecoder(rsp.Body).Decode(v)
	}
	return rsp.StatusCode
}

func base(s *reference.Server) string { return strings.TrimSuffix(s.URL, "/mm7") }

type stored struct {
	ID            int64  `json:"id"`
	Kind          string `json:"kind"`
	TransactionID string `json:"transaction_id"`
	SOAP          string `json:"soap"`
	Parts         []struct {
		N           int    `json:"n"`
		ContentType string `json:"content_type"`
		SHA256      string `json:"sha256"`
		Size        int64  `json:"size"`
	} `json:"parts"`
}

func byTID(t testing.TB, s *reference.Server, tid string) []stored {
	var list struct{ Messages []stored }
	getJSON(t, base(s)+"/messages?transaction_id="+url.QueryEscape(tid), &list)
	return list.Messages
}

// Every positive corpus case is accepted with a schema-valid answer of the
// right kind, in the request's namespace, with its TransactionID, and stored
// with every attachment byte-identical.
func TestEveryPositiveCaseIsAcceptedAndStored(t *testing.T) {
	s := start(t, nil)
	for _, c := range corpus.Select(corpus.Filter{Outcome: corpus.Accept}) {
		if c.Kind == corpus.KindSubmit {
			continue // a SubmitReq goes to Vibes, not to a VASP: the mock gateway's
		}
		ex, tid := sendCase(t, s, c)
		if ex.Status != 200 {
			t.Errorf("%s: HTTP %d\n%s", c.ID, ex.Status, ex.Body)
			continue
		}
		env := checkSOAPAnswer(t, ex)
		rsp := mm7.ResponseOf(env.Message)
		if env.TransactionID != tid || rsp == nil || rsp.Status.Code != 1000 || rsp.Status.Text == "" {
			t.Errorf("%s: answer %+v, want 1000 for %s", c.ID, env, tid)
			continue
		}
		wantKind := map[corpus.Kind]mm7.Kind{corpus.KindDeliver: mm7.KindDeliverRsp, corpus.KindDeliveryReport: mm7.KindDeliveryReportRsp, corpus.KindReadReply: mm7.KindReadReplyRsp}[c.Kind]
		wantRel := c.Flavour.Release
		if slices.Contains(c.Deviations, mm7.DevNamespaceNotFlavour) {
			wantRel = mm7.Flavour680.Release // answered in the request's own namespace
		}
		if env.Message.Kind() != wantKind || env.Release != wantRel {
			t.Errorf("%s: answered %s in %s, want %s in %s", c.ID, env.Message.Kind(), env.Release, wantKind, wantRel)
		}
		list := byTID(t, s, tid)
		if len(list) != 1 {
			t.Errorf("%s: %d stored messages for %s", c.ID, len(list), tid)
			continue
		}
		var full stored
		getJSON(t, fmt.Sprintf("%s/messages/%d", base(s), list[0].ID), &full)
		want := expectedParts(t, c)
		var got []string
		for _, p := range full.Parts {
			got = append(got, p.SHA256)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: stored parts %v, corpus parts %v", c.ID, got, want)
		}
		// The bytes served back are the bytes received.
		for _, p := range full.Parts {
			rsp, err := http.Get(fmt.Sprintf("%s/messages/%d/parts/%d", base(s), full.ID, p.N))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != p.SHA256 || rsp.Header.Get("Content-Type") != p.ContentType {
				t.Errorf("%s part %d: served %d bytes as %q", c.ID, p.N, len(b), rsp.Header.Get("Content-Type"))
			}
		}
	}
}

func TestBlankResponses(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.Response = reference.ResponseBlank })
	for _, id := range []string{"680-mo-seed", "550-dlr-rejected", "680-readreply-read"} {
		c, _ := corpus.Get(id)
		ex, tid := sendCase(t, s, c)
		if ex.Status != 200 || len(ex.Body) != 0 {
			t.Errorf("%s: HTTP %d with %d bytes, want a blank 200", id, ex.Status, len(ex.Body))
		}
		if len(byTID(t, s, tid)) != 1 {
			t.Errorf("%s: not stored", id)
		}
	}
}

// httpMatches reports whether status fits one of the manifest's HTTP
// expectations: a code ("413"), a class ("4xx"), or "close".
func httpMatches(ex exchange, want []string) bool {
	for _, w := range want {
		switch {
		case w == "close":
			if ex.Closed {
				return true
			}
		case strings.HasSuffix(w, "xx"):
			if !ex.Closed && strconv.Itoa(ex.Status)[0] == w[0] {
				return true
			}
		default:
			if !ex.Closed && strconv.Itoa(ex.Status) == w {
				return true
			}
		}
	}
	return false
}

// Every negative case is answered as its manifest entry says, and the
// receiver still accepts a valid message afterwards.
func TestEveryNegativeCaseIsAnsweredAsTheManifestSays(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.ReadTimeout = 2 * time.Second })
	good, _ := corpus.Get("680-dlr-retrieved")
	cases := append(corpus.Select(corpus.Filter{Outcome: corpus.Reject}), corpus.Select(corpus.Filter{Outcome: corpus.Survive})...)
	for _, c := range cases {
		if c.Kind == corpus.KindSubmit {
			continue
		}
		ex, _ := sendCase(t, s, c)
		switch c.Expect.Outcome {
		case corpus.Survive:
			if ex.Closed {
				t.Errorf("%s: connection closed without an answer", c.ID)
			}
		case corpus.Reject:
			if !ex.Closed && ex.Status/100 == 2 {
				t.Errorf("%s: accepted (HTTP %d), want a rejection because %s", c.ID, ex.Status, c.Expect.Failure)
				break
			}
			if len(c.Expect.HTTP) > 0 && !httpMatches(ex, c.Expect.HTTP) {
				t.Errorf("%s: HTTP %d (closed %v), want %v", c.ID, ex.Status, ex.Closed, c.Expect.HTTP)
			}
			if len(c.Expect.MM7Status) > 0 {
				if ex.Closed || ex.Status != 500 {
					t.Errorf("%s: HTTP %d, want 500 with a Fault carrying %v", c.ID, ex.Status, c.Expect.MM7Status)
					break
				}
				env := checkSOAPAnswer(t, ex)
				f, ok := env.Message.(*mm7.Fault)
				rsp := mm7.ResponseOf(env.Message)
				if !ok || rsp == nil || !slices.Contains(c.Expect.MM7Status, int(rsp.Status.Code)) {
					t.Errorf("%s: answered %+v, want a Fault with StatusCode in %v", c.ID, env.Message, c.Expect.MM7Status)
				} else if _, isVASP := f.Detail.(*mm7.VASPErrorRsp); !isVASP {
					t.Errorf("%s: Fault detail %T, want VASPErrorRsp", c.ID, f.Detail)
				}
			}
		}
		if after, _ := sendCase(t, s, good); after.Status != 200 {
			t.Fatalf("after %s the receiver answers a valid report with HTTP %d", c.ID, after.Status)
		}
	}
}

func TestDuplicateTransactionIDIsStoredOnce(t *testing.T) {
	s := start(t, nil)
	c, _ := corpus.Get("680-mo-jpeg")
	raw, tid, _ := c.StampFor(s.URL, time.Now())
	for i := 0; i < 3; i++ { // Vibes resends every 5 minutes until it gets a 2xx
		ex := sendRaw(t, s.URL, bytes.NewReader(raw))
		if ex.Status != 200 || mm7.ResponseOf(checkSOAPAnswer(t, ex).Message).Status.Code != 1000 {
			t.Fatalf("send %d: HTTP %d", i, ex.Status)
		}
	}
	if n := len(byTID(t, s, tid)); n != 1 {
		t.Fatalf("stored %d times, want once", n)
	}
	if n, _ := s.Store.Count(context.Background()); n != 1 {
		t.Fatalf("store holds %d messages", n)
	}
}

func TestXXEReadsNoFile(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("TOP-SECRET-CONTENT"), 0o600)
	s := start(t, nil)
	c, _ := corpus.Get("680-neg-xxe-file")
	raw, _, _ := c.StampFor(s.URL, time.Now())
	raw = bytes.Replace(raw, []byte("file:///etc/passwd"), []byte("file://"+secret), 1)
	// Content-Length grows with the path.
	h, _ := swa.ReadHTTP(raw)
	raw = bytes.Replace(raw, []byte(fmt.Sprintf("Content-Length: %d", h.ContentLength)), []byte(fmt.Sprintf("Content-Length: %d", len(h.Body))), 1)
	ex := sendRaw(t, s.URL, bytes.NewReader(raw))
	if ex.Status != 500 || bytes.Contains(ex.Body, []byte("TOP-SECRET")) {
		t.Fatalf("HTTP %d\n%s", ex.Status, ex.Body)
	}
	if rsp := mm7.ResponseOf(checkSOAPAnswer(t, ex).Message); rsp.Status.Code != 2007 {
		t.Errorf("status %d, want 2007", rsp.Status.Code)
	}
	if n, _ := s.Store.Count(context.Background()); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

func TestAccessControl(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.User, c.Password = "VibesUser", "Password123" })
	c, _ := corpus.Get("680-dlr-expired")
	raw, _, _ := c.StampFor(s.URL, time.Now())
	ex := sendRaw(t, s.URL, bytes.NewReader(raw))
	if ex.Status != 401 || ex.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no credentials: HTTP %d", ex.Status)
	}
	if rsp := mm7.ResponseOf(checkSOAPAnswer(t, ex).Message); rsp.Status.Code != 4001 {
		t.Errorf("status %d, want 4001", rsp.Status.Code)
	}
	authed := bytes.Replace(raw, []byte("\r\n\r\n"), []byte("\r\nAuthorization: Basic VmliZXNVc2VyOlBhc3N3b3JkMTIz\r\n\r\n"), 1)
	if ex := sendRaw(t, s.URL, bytes.NewReader(authed)); ex.Status != 200 {
		t.Errorf("with Vibes' documented credentials: HTTP %d", ex.Status)
	}

	only := start(t, func(c *reference.ServerConfig) { c.AllowIPs = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} })
	raw, _, _ = c.StampFor(only.URL, time.Now())
	if ex := sendRaw(t, only.URL, bytes.NewReader(raw)); ex.Status != 403 {
		t.Errorf("outside the allow-list: HTTP %d, want 403", ex.Status)
	}
	// The read API takes a token.
	tok := start(t, func(c *reference.ServerConfig) { c.APIToken = "s3cret" })
	if code := getJSON(t, base(tok)+"/messages", nil); code != 401 {
		t.Errorf("read API without token: HTTP %d", code)
	}
	req, _ := http.NewRequest("GET", base(tok)+"/messages", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if rsp, err := http.DefaultClient.Do(req); err != nil || rsp.StatusCode != 200 {
		t.Errorf("read API with token: %v %v", err, rsp)
	}
}

// A client that dribbles its header is cut off by ReadHeaderTimeout.
func TestSlowLorisIsCutOff(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.ReadHeaderTimeout = 500 * time.Millisecond })
	u, _ := url.Parse(s.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	startAt := time.Now()
	var werr error
	for i := 0; i < 40 && werr == nil; i++ {
		_, werr = conn.Write([]byte("X-Slow-" + strconv.Itoa(i) + ": a\r\n")[:1])
		time.Sleep(100 * time.Millisecond)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, rerr := conn.Read(make([]byte, 1))
	if rerr == nil && werr == nil {
		t.Fatal("the connection is still open after 4 s of dribbling")
	}
	if d := time.Since(startAt); d > 4500*time.Millisecond {
		t.Errorf("cut off after %v", d)
	}
}

// Close waits for an in-flight request: its message is stored and answered.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	db := filepath.Join(t.TempDir(), "mm7.db")
	s := start(t, func(c *reference.ServerConfig) { c.DB = db })
	c, _ := corpus.Get("680-mo-png")
	raw, tid, _ := c.StampFor(s.URL, time.Now())
	u, _ := url.Parse(s.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(raw) / 2
	conn.Write(raw[:half])
	time.Sleep(200 * time.Millisecond) // the request is now in flight
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	time.Sleep(200 * time.Millisecond)
	conn.Write(raw[half:])
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	rsp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || rsp.StatusCode != 200 {
		t.Fatalf("in-flight request: %v %v", err, rsp)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	st, err := reference.OpenSQLite(db, reference.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.List(context.Background(), reference.Query{TransactionID: tid})
	if err != nil || len(list) != 1 {
		t.Fatalf("after shutdown the in-flight message is stored %d times (%v)", len(list), err)
	}
}

// soapOf extracts the SOAP part of a request body.
func soapOf(t testing.TB, ct string, body []byte) []byte {
	m, err := swa.ReadBytes(ct, body, swa.ReadOptions{})
	if err != nil {
		t.Error(err)
		return nil
	}
	return m.SOAP()
}

// A lenient receiver (Config.Lenient, limits raised) accepts every case
// where the choice is the receiver's — and still refuses every case that
// breaks a requirement.
func TestLenientReceiverAcceptsWhatTheRFCsAllow(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) {
		c.Lenient, c.MaxBody, c.MaxHeaderBytes = true, 64<<20, 16<<20
		c.Limits = swa.Limits{MaxParts: 200000, MaxDepth: 64, MaxHeaderBytes: 4 << 20}
	})
	for _, c := range corpus.Select(corpus.Filter{Flavour: mm7.Flavour680, Origin: corpus.OriginNegative}) {
		ex, _ := sendCase(t, s, c)
		switch {
		case c.Expect.Outcome == corpus.Survive && c.ID != "680-neg-method-get":
			if ex.Status != 200 || mm7.ResponseOf(checkSOAPAnswer(t, ex).Message).Status.Code != 1000 {
				t.Errorf("%s: HTTP %d (closed %v), want it accepted", c.ID, ex.Status, ex.Closed)
			}
		case c.ID == "680-neg-method-get":
			if ex.Status != 200 {
				t.Errorf("GET: HTTP %d", ex.Status)
			}
		case c.Expect.Outcome == corpus.Reject && c.Expect.Level == corpus.LevelMust:
			if !ex.Closed && ex.Status/100 == 2 {
				t.Errorf("%s: accepted, want it refused (%s)", c.ID, c.Expect.Clause)
			}
		}
	}
	// What the Content-Type did not say is recorded with the message.
	c, _ := corpus.Get("680-neg-content-type-html")
	_, tid := sendCase(t, s, c)
	recs := byTID(t, s, tid)
	var full struct{ Deviations []string }
	if len(recs) == 1 {
		getJSON(t, base(s)+"/messages/"+strconv.FormatInt(recs[0].ID, 10), &full)
	}
	if tid == "" || !slices.Contains(full.Deviations, "http-content-type-sniffed") {
		t.Errorf("%s stored as %+v, want the sniffed Content-Type noted", tid, full)
	}
}
