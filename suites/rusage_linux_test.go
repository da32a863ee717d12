package suites_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// runMeasured runs cmd and returns its peak resident memory in KB, read
// from the kernel's high-water mark (VmHWM) while it runs. The rusage a
// wait reports will not do: a process started by vfork, as Go starts
// them, inherits the high-water mark of the parent's memory when it
// execs, so a large test process would be measured instead of the
// command.
func runMeasured(cmd *exec.Cmd) (int64, error) {
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		peak = max(peak, highWater(status))
		select {
		case err := <-done:
			return peak, err
		case <-tick.C:
		}
	}
}

// highWater reads VmHWM (KB) from a /proc status file; 0 once the
// process is gone.
func highWater(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return n
			}
		}
	}
	return 0
}
