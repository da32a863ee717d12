//go:build !unix

package suites

import "os/exec"

// stopGroup leaves the command as exec starts it: where the system has no
// process groups as Unix has them, stopping it stops the command alone.
func stopGroup(*exec.Cmd) {}

// endGroup has nothing to stop where there are no process groups.
func endGroup(*exec.Cmd) {}
