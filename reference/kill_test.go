package reference_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
)

// buildBinary builds mm7harness for tests that run it as a child process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mm7harness")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/mm7harness/mm7harness/cmd/mm7harness").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveChild starts `mm7harness serve` and waits until it answers.
func serveChild(t *testing.T, bin, addr, db string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--db", db, "--log", "text"}, args...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if rsp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			rsp.Body.Close()
			if rsp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the receiver did not come up")
	return nil
}

// The receiver is killed with SIGKILL in the middle of a load and
// restarted: every message it acknowledged is in its store.
func TestKill9LosesNoAcknowledgedMessage(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "mm7.db")
	addr := freeAddr(t)
	child := serveChild(t, bin, addr, db)
	endpoint := "http://" + addr + "/mm7"

	cases := []*corpus.Case{}
	for _, id := range []string{"680-mo-text", "550-dlr-expired-multipart", "680-mo-size-10k", "550-mo-smil", "680-mo-size-100k"} {
		c, _ := corpus.Get(id)
		cases = append(cases, c)
	}
	ctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && i < 5000; i++ {
				req, tid, err := cases[(w+i)%len(cases)].NewRequest(endpoint)
				if err != nil {
					return
				}
				rsp, err := client.Do(req.WithContext(ctx))
				if err != nil {
					continue // killed: not acknowledged
				}
				io.Copy(io.Discard, rsp.Body)
				rsp.Body.Close()
				if rsp.StatusCode == 200 {
					mu.Lock()
					acked = append(acked, tid)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	if before < 50 {
		t.Fatalf("only %d messages acknowledged before the kill: the load did not run", before)
	}

	serveChild(t, bin, addr, db)
	missing, badParts, parts := 0, 0, 0
	for _, tid := range acked {
		var list struct{ Messages []stored }
		getJSON(t, "http://"+addr+"/messages?transaction_id="+url.QueryEscape(tid), &list)
		if len(list.Messages) != 1 {
			missing++
			continue
		}
		// Every attachment reads back whole, the large ones from their files.
		var m stored
		getJSON(t, fmt.Sprintf("http://%s/messages/%d", addr, list.Messages[0].ID), &m)
		for _, p := range m.Parts {
			parts++
			rsp, err := http.Get(fmt.Sprintf("http://%s/messages/%d/parts/%d", addr, m.ID, p.N))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(rsp.Body)
			rsp.Body.Close()
			if sum := sha256.Sum256(body); rsp.StatusCode != 200 || hex.EncodeToString(sum[:]) != p.SHA256 {
				badParts++
			}
		}
	}
	if missing > 0 || badParts > 0 {
		t.Fatalf("after kill -9: %d of %d acknowledged messages missing, %d of %d attachments not whole", missing, len(acked), badParts, parts)
	}
	t.Logf("%d messages acknowledged before SIGKILL; all %d in the store after restart, their %d attachments whole", before, len(acked), parts)
}
