//go:build unix

package suites

import "golang.org/x/sys/unix"

// redirectStdout points file descriptor 1 at standard error until the
// returned function is called.
func redirectStdout() func() {
	saved, err := unix.Dup(1)
	if err != nil {
		return func() {}
	}
	if err := unix.Dup2(2, 1); err != nil {
		unix.Close(saved)
		return func() {}
	}
	return func() {
		unix.Dup2(saved, 1)
		unix.Close(saved)
	}
}
