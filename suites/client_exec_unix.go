//go:build unix

package suites

import (
	"os/exec"
	"syscall"
)

// stopGroup makes the command the leader of a process group of its own,
// and stopping it stop the whole group: a client started through a shell
// or a wrapper is stopped with everything it started.
func stopGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
