// Command gencorpus writes the corpus files and manifest.json into the
// current directory (corpus/, under go generate).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mm7harness/mm7harness/corpus/internal/build"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

func main() {
	built, err := build.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, dir := range mm7.FlavourNames() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	for _, b := range built {
		if b.Bytes == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(b.Case.File), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(b.Case.File, b.Bytes, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	m, err := json.MarshalIndent(build.Manifest(built), "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile("manifest.json", append(m, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d cases written\n", len(built))
}
