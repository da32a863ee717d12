package suites_test

import (
	"os/exec"
	"syscall"
)

// peakRSS is a finished command's peak resident memory in KB.
func peakRSS(cmd *exec.Cmd) int64 {
	if cmd.ProcessState == nil {
		return 0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
