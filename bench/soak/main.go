// Command soak plays the corpus mix against the reference receiver for a
// bounded time while killing it with SIGKILL and restarting it at random
// moments, then proves: every acknowledged message is in the store
// byte-exact, nothing is stored twice, and memory and goroutines stayed
// flat. Traffic goes to 127.0.0.1 only. Run it with `make soak`
// (SOAKFLAGS=-duration=10m for longer; SOAKFLAGS=-store=postgres stores in
// a throwaway PostgreSQL server the soak starts and removes).
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/swa"
	"github.com/mm7harness/mm7harness/internal/pgtest"
	"github.com/mm7harness/mm7harness/mockvibes"
)

func main() {
	duration := flag.Duration("duration", 2*time.Minute, "how long to send")
	rate := flag.Float64("rate", 25, "messages per second")
	conc := flag.Int("concurrency", 4, "connections")
	killMin := flag.Duration("kill-min", 5*time.Second, "shortest time between kills")
	killMax := flag.Duration("kill-max", 20*time.Second, "longest time between kills")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed for the kill moments")
	store := flag.String("store", "sqlite", "the receiver's store: sqlite (a file) or postgres (a throwaway server on 127.0.0.1)")
	flag.Parse()
	if *store != "sqlite" && *store != "postgres" {
		fmt.Fprintln(os.Stderr, "soak: -store: want sqlite or postgres")
		os.Exit(2)
	}
	if err := run(*duration, *rate, *conc, *killMin, *killMax, *seed, *store); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// sent is what the soak knows of one acknowledged message.
type sent struct {
	soap  string   // sha256 of the SOAP part
	parts []string // sha256 of every attachment
}

type receiver struct {
	bin, db, addr, log string
	cmd                *exec.Cmd
}

func (r *receiver) start() error {
	logf, err := os.OpenFile(r.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	r.cmd = exec.Command(r.bin, "serve", "--addr", r.addr, "--db", r.db, "--read-timeout", "5s", "--log", "text")
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if rsp, err := http.Get("http://" + r.addr + "/healthz"); err == nil {
			rsp.Body.Close()
			if rsp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the receiver did not come up")
}

func (r *receiver) kill() {
	r.cmd.Process.Signal(syscall.SIGKILL)
	r.cmd.Wait()
}

// metric reads one Prometheus gauge from the receiver.
func (r *receiver) metric(name string) float64 {
	rsp, err := http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		return -1
	}
	defer rsp.Body.Close()
	sc := bufio.NewScanner(rsp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	return -1
}

// run builds and starts the reference receiver, plays the corpus mix at it
// while killing it at random, then checks the store and the receiver's
// growth and says whether the soak passed.
func run(duration time.Duration, rate float64, conc int, killMin, killMax time.Duration, seed uint64, store string) error {
	work, err := os.MkdirTemp("", "mm7harness-soak")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	r, err := buildReceiver(work)
	if err != nil {
		return err
	}
	if store == "postgres" {
		bin, ok := pgtest.BinDir()
		if !ok {
			return errors.New("-store postgres: PostgreSQL is not installed (make deps installs it)")
		}
		url, stop, err := pgtest.StartServer(bin)
		if err != nil {
			return err
		}
		defer stop()
		r.db = url
	}
	if err := r.start(); err != nil {
		return err
	}
	defer r.kill()

	rng := rand.New(rand.NewPCG(seed, seed))
	msgs := mix(rng)
	t := &tally{acked: map[string]sent{}}
	s := &mockvibes.Sender{Endpoint: "http://" + r.addr + "/mm7", Concurrency: conc, Rate: rate, Timeout: 5 * time.Second,
		RetryInterval: time.Second, MaxRetries: 10, Discard: true, Progress: t.record}
	fmt.Printf("soak: %v at %.0f msg/s over %d connections against the reference receiver on %s, store %s (seed %d)\n", duration, rate, conc, r.addr, store, seed)
	ctx, cancel := context.WithTimeout(context.Background(), duration+2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := s.Run(ctx, msgs, 0, duration)
		done <- err
	}()

	// Leave the last quarter undisturbed to measure memory and goroutines.
	kills, err := killAtRandom(r, rng, start.Add(duration*3/4), killMin, killMax)
	if err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // warm up after the last restart
	g := growth{before: r.usage()}
	if err := <-done; err != nil && ctx.Err() == nil {
		return err
	}
	g.after = r.usage()

	st, err := checkStore("http://"+r.addr, t.acked)
	if err != nil {
		return err
	}
	fmt.Printf("sent %d requests (%d retries) in %v: %d acknowledged, %d refused or unanswered; %d SIGKILLs\n",
		t.total, t.retries, time.Since(start).Round(time.Second), t.ok, t.refused, kills)
	return verdict(len(t.acked), st, g, kills)
}

// buildReceiver builds the mm7harness binary into work and picks a free
// port on 127.0.0.1 for it; the receiver is not started yet.
func buildReceiver(work string) (*receiver, error) {
	bin := filepath.Join(work, "mm7harness")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mm7harness").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	return &receiver{bin: bin, db: filepath.Join(work, "soak.db"), addr: addr, log: filepath.Join(work, "receiver.log")}, nil
}

// mix is the traffic of the soak: every corpus case a receiver must accept
// but the SubmitReqs (a customer sends those to Vibes, it does not receive
// them), shuffled by rng so that each seed plays its own order.
func mix(rng *rand.Rand) []mockvibes.Message {
	var msgs []mockvibes.Message
	for _, c := range corpus.Select(corpus.Filter{Outcome: corpus.Accept}) {
		if c.Kind != corpus.KindSubmit {
			msgs = append(msgs, mockvibes.Message{Name: c.ID, Case: c})
		}
	}
	rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	return msgs
}

// tally counts what the sender saw, and remembers each acknowledged
// message by TransactionID: a retry acknowledged again is the same message.
type tally struct {
	mu                          sync.Mutex
	acked                       map[string]sent
	total, ok, retries, refused int
}

// record is the sender's Progress callback; the sender calls it from
// several goroutines at once.
func (t *tally) record(_, _ int, ex *mockvibes.Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total++
	if ex.Attempt > 1 {
		t.retries++
	}
	if !ex.OK() {
		t.refused++
		return
	}
	t.ok++
	if _, seen := t.acked[ex.TransactionID]; !seen {
		t.acked[ex.TransactionID] = fingerprint(ex.Request)
	}
}

// killAtRandom kills the receiver with SIGKILL and restarts it at random
// moments killMin to killMax apart, until the next kill would fall after
// quiet, and returns how many kills it made.
func killAtRandom(r *receiver, rng *rand.Rand, quiet time.Time, killMin, killMax time.Duration) (int, error) {
	kills := 0
	for {
		wait := killMin + time.Duration(rng.Int64N(int64(killMax-killMin)+1))
		if time.Now().Add(wait).After(quiet) {
			return kills, nil
		}
		time.Sleep(wait)
		r.kill()
		kills++
		time.Sleep(time.Duration(rng.IntN(1000)) * time.Millisecond)
		if err := r.start(); err != nil {
			return kills, err
		}
	}
}

// storeCheck is what the store holds against what was acknowledged.
type storeCheck struct {
	stored, missing, mismatched, duplicated int
}

// checkStore asks the receiver at base for every acknowledged message,
// checks that it is stored once and byte-exact, and counts all it stores.
func checkStore(base string, acked map[string]sent) (storeCheck, error) {
	var st storeCheck
	for tid, want := range acked {
		var list struct{ Messages []struct{ ID int64 } }
		if err := getJSON(base+"/messages?transaction_id="+url.QueryEscape(tid), &list); err != nil {
			return st, err
		}
		switch len(list.Messages) {
		case 0:
			st.missing++
			continue
		case 1:
		default:
			st.duplicated++
		}
		got, err := storedFingerprint(base, list.Messages[0].ID)
		if err != nil {
			return st, err
		}
		if got.soap != want.soap || !slices.Equal(got.parts, want.parts) {
			st.mismatched++
		}
	}
	var err error
	st.stored, err = countStored(base)
	return st, err
}

// storedFingerprint hashes the stored message id as fingerprint hashes a
// request, from the SOAP part and the attachment digests the store gives.
func storedFingerprint(base string, id int64) (sent, error) {
	var full struct {
		SOAP  string `json:"soap"`
		Parts []struct {
			SHA256 string `json:"sha256"`
		} `json:"parts"`
	}
	if err := getJSON(fmt.Sprintf("%s/messages/%d", base, id), &full); err != nil {
		return sent{}, err
	}
	sum := sha256.Sum256([]byte(full.SOAP))
	out := sent{soap: hex.EncodeToString(sum[:])}
	for _, p := range full.Parts {
		out.parts = append(out.parts, p.SHA256)
	}
	return out, nil
}

// countStored pages through the store and counts every message in it.
func countStored(base string) (int, error) {
	var stored int
	var all struct{ Messages []struct{ ID int64 } }
	after := int64(0)
	for {
		if err := getJSON(fmt.Sprintf("%s/messages?limit=1000&after=%d", base, after), &all); err != nil {
			return stored, err
		}
		if len(all.Messages) == 0 {
			return stored, nil
		}
		stored += len(all.Messages)
		after = all.Messages[len(all.Messages)-1].ID
	}
}

// usage is what the receiver holds at one moment.
type usage struct{ goroutines, memory float64 }

// usage reads the receiver's goroutines and resident memory.
func (r *receiver) usage() usage {
	return usage{r.metric("go_goroutines"), r.metric("process_resident_memory_bytes")}
}

// growth is the receiver's usage before and after the undisturbed last
// quarter of the run.
type growth struct{ before, after usage }

// flat reports whether the receiver stayed within the slack allowed for a
// warm process: 25 goroutines, half its memory again plus 32 MB.
func (g growth) flat() bool {
	return g.after.goroutines <= g.before.goroutines+25 && g.after.memory <= g.before.memory*1.5+32<<20
}

// verdict prints what the store holds and how the receiver grew, and fails
// the soak if an acknowledged message was lost or altered, if no kill
// happened, or if the receiver grew.
func verdict(acked int, st storeCheck, g growth, kills int) error {
	fmt.Printf("distinct messages acknowledged: %d; stored: %d; missing: %d; not byte-exact: %d; stored twice: %d\n",
		acked, st.stored, st.missing, st.mismatched, st.duplicated)
	fmt.Printf("receiver after its last restart: goroutines %.0f -> %.0f, resident memory %.1f MB -> %.1f MB\n",
		g.before.goroutines, g.after.goroutines, g.before.memory/(1<<20), g.after.memory/(1<<20))
	switch {
	case st.missing > 0 || st.mismatched > 0 || st.duplicated > 0:
		return fmt.Errorf("FAILED: acknowledged messages lost or altered")
	case kills == 0:
		return fmt.Errorf("FAILED: the run was too short to kill the receiver (raise -duration)")
	case !g.flat():
		return fmt.Errorf("FAILED: memory or goroutines grew")
	}
	fmt.Println("PASS: every acknowledged message is in the store byte-exact, none twice; memory and goroutines flat")
	return nil
}

// fingerprint hashes the SOAP part and attachments of a raw request.
func fingerprint(raw []byte) sent {
	h, err := swa.ReadHTTP(raw)
	if err != nil {
		return sent{}
	}
	m, err := swa.ReadBytes(h.ContentType(), h.Body, swa.ReadOptions{})
	if err != nil {
		return sent{}
	}
	sum := sha256.Sum256(m.SOAP())
	out := sent{soap: hex.EncodeToString(sum[:])}
	m.Walk(func(p *swa.Part) {
		if !p.IsMultipart() && p != m.Root {
			s := sha256.Sum256(p.Body)
			out.parts = append(out.parts, hex.EncodeToString(s[:]))
		}
	})
	return out
}

func getJSON(u string, v any) error {
	rsp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer rsp.Body.Close()
	if rsp.StatusCode != 200 {
		b, _ := io.ReadAll(rsp.Body)
		return fmt.Errorf("%s: HTTP %d %s", u, rsp.StatusCode, b)
	}
	return json.NewDecoder(rsp.Body).Decode(v)
}
