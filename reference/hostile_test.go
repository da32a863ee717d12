package reference_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/reference"
)

// Every connection whose body comes too slowly gets the documented 408,
// not a reset: the receiver drains what the client still sends before it
// closes (a lingering close), so the answer is not lost.
func TestSlowBodyGets408OnEveryConnection(t *testing.T) {
	s := start(t, func(c *reference.ServerConfig) { c.ReadTimeout = time.Second })
	const conns = 500
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(s.URL, "/mm7"), "http://"))
			if err != nil {
				mu.Lock()
				got["dial: "+err.Error()]++
				mu.Unlock()
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 10000000\r\n\r\n")
			chunk := []byte(strings.Repeat("<", 2048))
			// Dribble for longer than the server waits, not reading meanwhile:
			// a slow client reads its answer when it has sent its body.
			for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
				if _, err := c.Write(chunk); err != nil {
					break
				}
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			rsp, err := http.ReadResponse(bufio.NewReader(c), nil)
			what := ""
			if err != nil {
				what = "no answer"
			} else {
				what = rsp.Status
			}
			mu.Lock()
			got[what]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got["408 Request Timeout"] != conns {
		t.Errorf("of %d slow connections: %v", conns, got)
	}
}

// rssKB is a process's resident memory now and at its peak, from its own
// accounting (/proc/PID/status).
func rssKB(t *testing.T, pid int) (now, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("SKIPPED: no /proc here to read the receiver's memory from: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "VmRSS:" {
			now, _ = strconv.ParseInt(f[1], 10, 64)
		}
		if len(f) >= 2 && f[0] == "VmHWM:" {
			peak, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	return now, peak
}

// Regression: 100 connections that each promised a 16 MB body and sent
// one byte took serve to 1.74 GB; 300 killed it. Memory now follows the
// bytes that arrive.
func TestPromisedBodiesCostNoMemory(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	cmd := serveChild(t, bin, addr, filepath.Join(t.TempDir(), "m.db"))
	_, idle := rssKB(t, cmd.Process.Pid)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 300; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /mm7 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 16000000\r\n\r\n<")
	}
	time.Sleep(2 * time.Second)
	now, peak := rssKB(t, cmd.Process.Pid)
	t.Logf("RSS idle %d KB, with 300 promised bodies %d KB (peak %d KB)", idle, now, peak)
	if peak > idle+64<<10 {
		t.Errorf("300 connections promising 16 MB each (sending one byte) took the receiver from %d KB to a peak of %d KB", idle, peak)
	}
}
