package inspect_test

import (
	"strings"
	"testing"

	"github.com/mm7harness/mm7harness/harness/inspect"
	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

func TestEncodedRootKeepsPartPositions(t *testing.T) {
	env, err := mm7.Encode(mm7gen.New(1, mm7.Flavour550).Envelope(mm7.KindDeliveryReportReq))
	if err != nil {
		t.Fatal(err)
	}
	bad := []byte(strings.Replace(string(env), "<MMStatus>", "<MMStatus>X", 1))
	m := swa.New(swa.StyleStrict, nil)
	m.Root.Body = bad
	m.Root.Header.Set("Content-Transfer-Encoding", "base64")
	m.Root.Encoding = "base64"
	ct, body, err := swa.Writer{Style: swa.StyleStrict}.Write(m)
	if err != nil {
		t.Fatal(err)
	}
	file := append([]byte("POST /mm7 HTTP/1.1\r\nContent-Type: "+ct+"\r\n\r\n"), body...)
	r := inspect.Inspect("x.http", file, inspect.Options{Expect: mm7.Flavour550})
	if r.Valid() || r.Kind != mm7.KindDeliveryReportReq || r.SOAPLine != 0 {
		t.Fatalf("report: %+v", r)
	}
	wantLine := strings.Count(string(bad[:strings.Index(string(bad), "<MMStatus>")]), "\n") + 1
	if p := r.Problems[0]; p.Stage != "body" || p.Line != wantLine {
		t.Errorf("problem %+v: want stage body at line %d of the decoded part", p, wantLine)
	}
}

func TestNotAMessage(t *testing.T) {
	r := inspect.Inspect("x", []byte("hello world"), inspect.Options{})
	if r.Valid() || r.Problems[0].Stage != "format" {
		t.Fatalf("report: %+v", r)
	}
}
