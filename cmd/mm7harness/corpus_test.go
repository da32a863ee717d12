package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

func TestCorpusList(t *testing.T) {
	code, out, _ := runCLI("corpus", "list", "--flavour", "6.8.0", "--kind", "delivery-report", "--outcome", "accept")
	if code != 0 || !strings.Contains(out, "680-dlr-forwarded-multipart") || strings.Contains(out, "550-") || strings.Contains(out, "neg-") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("corpus", "list", "--origin", "negative", "--format", "json")
	var cases []corpus.Case
	if code != 0 || json.Unmarshal([]byte(out), &cases) != nil || len(cases) < 40 {
		t.Fatalf("json: exit %d, %d cases", code, len(cases))
	}
	for _, c := range cases {
		if c.Origin != corpus.OriginNegative {
			t.Errorf("%s listed", c.ID)
		}
	}
}

func TestCorpusShow(t *testing.T) {
	code, out, _ := runCLI("corpus", "show", "680-mo-seed")
	for _, want := range []string{"680-mo-seed (6.8.0, deliver, seed)", "expect:     accept", "POST /client/mms/deliver HTTP/1.1",
		"2.1    image/gif", "id <sample.gif>-<Simple.txt>", "(SOAP root)"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d; output lacks %q\n%s", code, want, out)
		}
	}
	code, out, _ = runCLI("corpus", "show", "--raw", "550-dlr-java-date")
	if code != 0 || !strings.HasPrefix(out, "POST /client/mms/dlr HTTP/1.1\r\n") || !strings.Contains(out, "-0600</mm7:Date>") {
		t.Errorf("raw: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"corpus"}, {"corpus", "nope"}, {"corpus", "show"}, {"corpus", "show", "no-such-id"}, {"corpus", "list", "--flavour", "7"}} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// validate gives every stored case the verdict its manifest implies.
func TestValidateAgreesWithTheCorpus(t *testing.T) {
	for _, c := range corpus.All() {
		if c.Generator != "" || strings.HasPrefix(c.Expect.Failure, "http:") {
			continue
		}
		code, out, _ := runCLI("validate", "--flavour", c.Flavour.Name, filepath.Join("..", "..", "corpus", c.File))
		valid := c.Expect.Outcome == corpus.Accept && c.SchemaValid && c.Expect.Failure == ""
		// An operation the harness does not model is valid when the schema
		// says so, with a note: "not modelled" is never "invalid".
		notModelled := c.Expect.Failure == "soap:operation-unsupported" && c.SchemaValid
		if notModelled {
			valid = true
			if !strings.Contains(out, "note: ") {
				t.Errorf("%s: no note that the harness does not model it\n%s", c.ID, out)
			}
		}
		if slices.Contains(c.Deviations, mm7.DevNamespaceNotFlavour) {
			valid = false // --mm7-version requires the flavour's namespace; a tolerant receiver still accepts it
		}
		if c.Expect.Failure == "mm7:unsupported-operation" || c.Expect.Failure == "soap:mustunderstand" || c.Expect.Failure == "mm7:content-unresolved" ||
			c.Expect.Outcome == corpus.Survive {
			continue // receiver rules beyond what validate judges
		}
		if (code == 0) != valid {
			t.Errorf("%s: validate exit %d, manifest implies valid=%v\n%s", c.ID, code, valid, out)
		}
	}
}
