package main

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every flag of every command can be set from the environment as
// MM7HARNESS_<FLAG>, booleans included, and the command line wins.
func TestEveryFlagTakesItsEnvironmentVariable(t *testing.T) {
	var sets []*flag.FlagSet
	parsed = func(fs *flag.FlagSet) { sets = append(sets, fs) }
	defer func() { parsed = nil }()
	// help parses a command's flags and stops: what each run saw is in sets.
	help := func(cmd []string, extra ...string) *flag.FlagSet {
		sets = nil
		runCLI(append(append(append([]string{}, cmd...), extra...), "-h")...)
		if len(sets) == 0 {
			return nil
		}
		return sets[len(sets)-1]
	}
	var cmds [][]string
	for _, c := range commands {
		if c.name == "corpus" {
			cmds = append(cmds, []string{"corpus", "list"}, []string{"corpus", "show"})
			continue
		}
		cmds = append(cmds, []string{c.name})
	}
	total := 0
	for _, cmd := range cmds {
		fs := help(cmd)
		if fs == nil {
			t.Fatalf("%v -h parsed no flags", cmd)
		}
		fs.VisitAll(func(f *flag.Flag) {
			total++
			value, shown := envValue(f)
			name := envNames(fs.Name(), f.Name)[1]
			t.Setenv(name, value)
			defer os.Unsetenv(name)
			got := help(cmd)
			if got == nil {
				t.Errorf("%v: %s=%s: the flags were not parsed", cmd, name, value)
				return
			}
			if shown != "" && got.Lookup(f.Name).Value.String() != shown {
				t.Errorf("%v: %s=%s gives --%s %q, want %q", cmd, name, value, f.Name, got.Lookup(f.Name).Value.String(), shown)
			}
			if shown != "" && f.DefValue != "" {
				if got := help(cmd, "--"+f.Name+"="+f.DefValue); got == nil || got.Lookup(f.Name).Value.String() != f.DefValue {
					t.Errorf("%v: the command line does not win over %s", cmd, name)
				}
			}
		})
	}
	if total < 60 {
		t.Errorf("%d flags in all", total)
	}
	// A command's own variable wins over the shared one: serve and mock
	// both have --addr, and one CI job may run both.
	t.Setenv("MM7HARNESS_ADDR", "127.0.0.1:1")
	t.Setenv("MM7HARNESS_SERVE_ADDR", "127.0.0.1:2")
	if fs := help([]string{"serve"}); fs == nil || fs.Lookup("addr").Value.String() != "127.0.0.1:2" {
		t.Errorf("MM7HARNESS_SERVE_ADDR does not win over MM7HARNESS_ADDR")
	}
	if fs := help([]string{"mock"}); fs == nil || fs.Lookup("addr").Value.String() != "127.0.0.1:1" {
		t.Errorf("mock does not take MM7HARNESS_ADDR")
	}
	// A value a flag cannot take is a usage error that names the variable.
	t.Setenv("MM7HARNESS_MAX_BODY", "lots")
	if code, _, errOut := runCLI("serve", "-h"); code != 2 || !strings.Contains(errOut, "MM7HARNESS_MAX_BODY") {
		t.Errorf("a bad value: exit %d %q", code, errOut)
	}
}

// envValue is a value for f other than its default, and how f then shows
// it ("" when it cannot show it: a repeatable flag).
func envValue(f *flag.Flag) (value, shown string) {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		if f.DefValue == "true" {
			return "0", "false"
		}
		return "1", "true"
	}
	if _, err := strconv.ParseFloat(f.DefValue, 64); err == nil {
		return "7", "7"
	}
	if _, err := time.ParseDuration(f.DefValue); err == nil {
		return "7s", "7s"
	}
	switch f.Name {
	case "flavour", "mm7-version":
		return "680", "6.8.0"
	case "timeout": // certify's, ignored: it shows nothing
		return "7s", ""
	}
	if f.Name == "account" {
		return "u:p:6.8.0", ""
	}
	return "from-env", "from-env"
}
