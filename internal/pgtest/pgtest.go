// Package pgtest runs a throwaway PostgreSQL server for a test or the
// soak: a fresh cluster in a temporary folder, on a free loopback port,
// trust authentication, stopped and removed at the end. It is a real
// server (Debian's postgresql package, which .ci/install-deps installs),
// never a mock. PostgreSQL refuses to run as root: as root the server runs
// as the postgres user.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/mm7harness/mm7harness/internal/needs"
)

// Start starts a server for the test and returns the URL of its
// postgres database; the server stops and its files go when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	bin, ok := BinDir()
	if !ok {
		bin = filepath.Dir(needs.Tool(t, "pg_ctl", "the PostgreSQL store's tests"))
	}
	url, stop, err := StartServer(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// StartServer starts a server with the programs in bin (BinDir) and
// returns the URL of its postgres database, and how to stop it and remove
// its files.
func StartServer(bin string) (url string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "mm7pg")
	if err != nil {
		return "", nil, err
	}
	removeDir := func() { os.RemoveAll(dir) }
	run := func(name string, args ...string) *exec.Cmd { return exec.Command(filepath.Join(bin, name), args...) }
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			removeDir()
			return "", nil, fmt.Errorf("running as root, and no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			removeDir()
			return "", nil, err
		}
		run = func(name string, args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := run("initdb", "-D", data, "-A", "trust", "-U", "mm7", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		removeDir()
		return "", nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		removeDir()
		return "", nil, err
	}
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c max_connections=200", dir, port)
	if out, err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		removeDir()
		return "", nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	stop = func() {
		run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Run()
		removeDir()
	}
	return fmt.Sprintf("postgres://mm7@127.0.0.1:%d/postgres?sslmode=disable", port), stop, nil
}

// BinDir finds the server's programs: Debian keeps them per version, the
// newest is taken.
func BinDir() (string, bool) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, true
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), true
	}
	return "", false
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
