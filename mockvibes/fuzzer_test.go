package mockvibes_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/xsd"
	"github.com/mm7harness/mm7harness/mockvibes"
	"github.com/mm7harness/mm7harness/reference"
	"github.com/mm7harness/mm7harness/reference/referencetest"
)

// fuzz runs the fuzzer on endpoint with a fixed seed and count.
func fuzz(t *testing.T, endpoint string, seed uint64, count int) *mockvibes.FuzzReport {
	return fuzzWith(t, endpoint, seed, count, 0, 10*time.Second)
}

// fuzzWith sets how many findings of a kind are confirmed, and the time
// past which an exchange is a hang: generous, but for the endpoint whose
// hangs are the point (the race detector makes the receiver slow enough
// that a 512 KiB value can take a second).
func fuzzWith(t *testing.T, endpoint string, seed uint64, count, perKind int, timeout time.Duration) *mockvibes.FuzzReport {
	t.Helper()
	v, _ := mm7.ParseFlavour("6.8.0")
	seeds, err := mockvibes.CorpusSeeds(v)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := xsd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	f := &mockvibes.Fuzzer{Endpoint: endpoint, Flavour: v, Seeds: seeds, RandSeed: seed, Count: count, Timeout: timeout,
		ProbeEvery: 5, RestartWait: 3 * time.Second, MinimiseTime: 20 * time.Second, Schemas: schemas, MaxPerKind: perKind}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := f.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Write(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	return rep
}

// The reference receiver survives a fixed budget of mutants with no
// finding of any severity, in both flavours' seeds.
func TestFuzzReferenceReceiverHasNoFindings(t *testing.T) {
	t.Parallel()
	srv := referencetest.Start(t, reference.ServerConfig{})
	rep := fuzz(t, srv.URL, 1, 400)
	if rep.Mutants != 400 || rep.Probes == 0 || len(rep.Findings) != 0 || rep.Stopped != "" {
		// (the findings would be confirmed and minimised first, so they
		// are real)
		t.Errorf("%d mutants, %d probes, stopped %q; findings:\n%s", rep.Mutants, rep.Probes, rep.Stopped, rep.Summary())
	}
}

// Each broken endpoint is the reference handler with one defect; the
// fuzzer finds it as the right kind, minimised to an operation that
// causes it.
func TestFuzzFindsBrokenEndpoints(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		defect func(next http.Handler, crash func()) http.Handler
		count  int
		kind   string
		ops    []string // the minimised finding has one of these as its only operation
	}{
		{"crash-on-long-boundary", crashOnLongBoundary, 300, mockvibes.FindCrash, []string{"mime/boundary-long"}},
		{"hang-on-missing-close", hangOnMissingClose, 60, mockvibes.FindHang, []string{"mime/close-missing", "mime/truncate", "mime/boundary-mismatch", "http/length-short"}},
		{"acknowledges-garbage", acknowledgesAll, 300, mockvibes.FindAckGarbage, nil},
		{"poisoned-by-charset", poisonedByCharset, 300, mockvibes.FindPoisoned, []string{"mime/charset"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			url := brokenEndpoint(t, c.defect)
			timeout := 10 * time.Second
			if c.kind == mockvibes.FindHang {
				timeout = time.Second
			}
			rep := fuzzWith(t, url, 3, c.count, 4, timeout)
			var hit *mockvibes.Finding
			for _, f := range rep.Findings {
				if f.Kind == c.kind && f.Reproduced && len(f.Ops) == 1 && (c.ops == nil || slices.Contains(c.ops, f.Ops[0])) {
					hit = f
				}
			}
			if hit == nil {
				t.Fatalf("no minimised %s finding on one of %v:\n%s", c.kind, c.ops, rep.Summary())
			}
			t.Logf("%s: %s on %s, found as %d of %d mutants", hit.Kind, strings.Join(hit.Ops, ","), hit.Seed, hit.FoundSeq, rep.Mutants)
			for _, f := range rep.Findings {
				if f.Kind != c.kind && f.Severity == mockvibes.SeverityError {
					t.Errorf("another error finding: %s on %s: %s", f.Kind, strings.Join(f.Ops, ","), f.Detail)
				}
			}
		})
	}
}

// brokenEndpoint serves the reference handler with a defect, supervised:
// when the defect crashes it, it comes back on the same address shortly
// after, as a process under a supervisor does.
func brokenEndpoint(t *testing.T, defect func(http.Handler, func()) http.Handler) string {
	store, err := reference.OpenSQLite(filepath.Join(t.TempDir(), "mm7.db"), reference.SyncNormal)
	if err != nil {
		t.Fatal(err)
	}
	h, err := reference.NewHandler(reference.Config{}, store)
	if err != nil {
		t.Fatal(err)
	}
	sv := &supervised{}
	sv.handler = defect(h, sv.crash)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sv.addr = ln.Addr().String()
	sv.serve(ln)
	t.Cleanup(func() {
		sv.mu.Lock()
		sv.closed = true
		sv.srv.Close()
		sv.mu.Unlock()
		store.Close()
	})
	return "http://" + sv.addr + "/mm7"
}

type supervised struct {
	mu      sync.Mutex
	addr    string
	handler http.Handler
	srv     *http.Server
	closed  bool
}

func (s *supervised) serve(ln net.Listener) {
	s.srv = &http.Server{Handler: s.handler, ConnContext: withConnState, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
}

// crash drops the listener and every connection at once, and restarts
// 300 ms later.
func (s *supervised) crash() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	go func() {
		srv.Close()
		time.Sleep(300 * time.Millisecond)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		if ln, err := net.Listen("tcp", s.addr); err == nil {
			s.serve(ln)
		}
	}()
}

type connKey struct{}

func withConnState(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, new(atomic.Bool))
}

// readBody reads a request's body (at most 4 MiB) and puts it back.
func readBody(r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, true
}

func crashOnLongBoundary(next http.Handler, crash func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && len(p["boundary"]) > 70 {
			crash()
			time.Sleep(time.Second) // the process is gone: no answer
			return
		}
		next.ServeHTTP(w, r)
	})
}

func hangOnMissingClose(next http.Handler, _ func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := readBody(r)
		if !ok {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		_, p, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err == nil && p["boundary"] != "" && !bytes.Contains(b, []byte("--"+p["boundary"]+"--")) {
			// The parser waits for the close delimiter, for ever.
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

func acknowledgesAll(_ http.Handler, _ func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, 4<<20))
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>`+
			`<DeliverRsp xmlns="http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"><MM7Version>6.8.0</MM7Version>`+
			`<Status><StatusCode>1000</StatusCode><StatusText>Success</StatusText></Status></DeliverRsp></env:Body></env:Envelope>`)
	})
}

var knownCharsets = []string{"", "utf-8", "us-ascii", "iso-8859-1", "utf-16"}

func poisonedByCharset(next http.Handler, _ func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		poisoned := r.Context().Value(connKey{}).(*atomic.Bool)
		if poisoned.Load() {
			// The decoder cached for this connection is broken: every later
			// message on it fails.
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><env:Fault>`+
				`<faultcode>env:Server</faultcode><faultstring>decoder failure</faultstring></env:Fault></env:Body></env:Envelope>`)
			return
		}
		b, ok := readBody(r)
		if ok {
			for _, ct := range append([]string{r.Header.Get("Content-Type")}, partTypes(b)...) {
				if _, p, err := mime.ParseMediaType(ct); err == nil && !slices.Contains(knownCharsets, strings.ToLower(p["charset"])) {
					poisoned.Store(true)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// partTypes finds the Content-Type lines of a body's parts.
func partTypes(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\r\n") {
		if name, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(name, "Content-Type") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}
