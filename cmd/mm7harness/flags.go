package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// newFlagSet is a command's flag set, its errors and help on stderr. The
// help is the usage text (the synopsis, then what the command does), the
// flags, and what more, if anything, prints.
func newFlagSet(name string, stderr io.Writer, usage string, more func(io.Writer)) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if usage != "" {
		fs.Usage = func() {
			fmt.Fprintln(stderr, usage)
			fmt.Fprintln(stderr, "\nflags:")
			fs.PrintDefaults()
			if more != nil {
				more(stderr)
			}
		}
	}
	return fs
}

// flavourFlag declares --flavour into f, with --mm7-version, its first
// spelling, as an alias. The values and their help come from the flavour
// table (mm7.Flavours).
func flavourFlag(fs *flag.FlagSet, f *mm7.Flavour, usage string) {
	fs.TextVar(f, "flavour", mm7.Flavour{}, usage+": "+mm7.FlavourChoice())
	fs.TextVar(f, "mm7-version", mm7.Flavour{}, "the first spelling of --flavour `FLAVOUR`, still accepted")
}

// usageError returns a command's way to say a usage error: its message on
// stderr, and the exit status.
func usageError(command string, stderr io.Writer) func(format string, a ...any) int {
	return func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mm7harness "+command+": "+format+"\n", a...)
		return exitUsage
	}
}

// splitList splits a flag's list at commas and white space.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// runFlavours prints the flavour table, or only the names (for scripts).
func runFlavours(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("flavours", stderr, "", nil)
	names := fs.Bool("names", false, "print only the names, one per line")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *names {
		for _, n := range mm7.FlavourNames() {
			fmt.Fprintln(stdout, n)
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAVOUR\tCASE ID\tRELEASE\tMM7VERSION\tNAMESPACE")
	for _, f := range mm7.Flavours() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, f.ID, f.Release, f.MM7Version, f.Namespace())
	}
	tw.Flush()
	return 0
}
