//go:build unix

package suites

import (
	"os/exec"
	"syscall"
	"time"
)

// stopGroup makes the command the leader of a process group of its own,
// and stopping it stop the whole group: a client started through a shell
// or a wrapper is stopped with everything it started.
func stopGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// endGroup stops what the command left running in its group once it has
// ended: a polite signal, then, after a moment, a kill.
func endGroup(cmd *exec.Cmd) {
	pgid := -cmd.Process.Pid
	if syscall.Kill(pgid, 0) != nil {
		return
	}
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(pgid, 0) != nil {
			return
		}
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
}
