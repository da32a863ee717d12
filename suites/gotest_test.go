package suites_test

import (
	"os"
	"testing"

	"github.com/mm7harness/mm7harness/harness/check"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/suites"
)

// TestCertifyEndpoint runs the certification under go test, for users who
// prefer it to the binary:
//
//	MM7HARNESS_ENDPOINT=http://127.0.0.1:8080/mm7 MM7HARNESS_FLAVOUR=6.8.0 \
//	  go test ./suites -run TestCertifyEndpoint -v
func TestCertifyEndpoint(t *testing.T) {
	endpoint := os.Getenv("MM7HARNESS_ENDPOINT")
	if endpoint == "" {
		t.Skip("SKIPPED: set MM7HARNESS_ENDPOINT (and MM7HARNESS_FLAVOUR) to certify an endpoint under go test")
	}
	name := os.Getenv("MM7HARNESS_FLAVOUR")
	if name == "" {
		name = os.Getenv("MM7HARNESS_MM7_VERSION") // the first spelling
	}
	v, err := mm7.ParseFlavour(name)
	if err != nil {
		t.Fatal(err)
	}
	profile := check.Profile(os.Getenv("MM7HARNESS_PROFILE"))
	out, err := suites.Run(suites.Config{Endpoint: endpoint, Flavour: v, Profile: profile, Negatives: true, Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("MM7HARNESS_REPORT_DIR"); dir != "" {
		if err := out.Write(dir); err != nil {
			t.Fatal(err)
		}
	}
	if out.Verdict != suites.Conformant {
		t.Fatalf("%s: failed %v", out.Verdict, out.FailedIDs())
	}
}
