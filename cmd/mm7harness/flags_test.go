package main

import (
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// flavours prints the table the flags take their values from.
func TestFlavoursListsTheTable(t *testing.T) {
	code, out, _ := runCLI("flavours", "--names")
	if code != 0 || strings.Fields(out) == nil || strings.Join(strings.Fields(out), " ") != strings.Join(mm7.FlavourNames(), " ") {
		t.Fatalf("exit %d, %q; want %v", code, out, mm7.FlavourNames())
	}
	code, out, _ = runCLI("flavours")
	for _, f := range mm7.Flavours() {
		if code != 0 || !strings.Contains(out, f.Namespace()) || !strings.Contains(out, f.MM7Version) {
			t.Errorf("flavours lacks %s:\n%s", f, out)
		}
	}
}

// --flavour, its first spelling --mm7-version, and the flavour's ID all
// select the same thing; a flavour not in the table is a usage error.
func TestFlavourFlagAndItsAlias(t *testing.T) {
	_, want, _ := runCLI("corpus", "list", "--flavour", "5.5.0")
	if !strings.Contains(want, "550-mo-seed") || strings.Contains(want, "680-") {
		t.Fatalf("--flavour 5.5.0 lists:\n%s", want)
	}
	for _, args := range [][]string{{"--mm7-version", "5.5.0"}, {"--flavour", "550"}, {"--flavour=5.3.0"}} {
		if code, got, _ := runCLI(append([]string{"corpus", "list"}, args...)...); code != 0 || got != want {
			t.Errorf("corpus list %v: exit %d, a different list", args, code)
		}
	}
	t.Setenv("MM7HARNESS_FLAVOUR", "5.5.0")
	if code, got, _ := runCLI("corpus", "list"); code != 0 || got != want {
		t.Errorf("MM7HARNESS_FLAVOUR=5.5.0: exit %d, a different list", code)
	}
	for _, cmd := range [][]string{{"corpus", "list"}, {"validate"}, {"serve"}, {"play"}, {"certify"}} {
		code, _, errOut := runCLI(append(cmd, "--flavour", "7.0.0")...)
		if code != exitUsage || !strings.Contains(errOut, mm7.FlavourChoice()) {
			t.Errorf("%v --flavour 7.0.0: exit %d, %q", cmd, code, errOut)
		}
	}
}
