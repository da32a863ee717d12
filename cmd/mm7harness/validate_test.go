package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	mo680    = filepath.Join("..", "..", "harness", "swa", "testdata", "seed", "vibes-680-mo.http")
	ex550    = filepath.Join("..", "..", "harness", "swa", "testdata", "seed", "vibes-550-example.http")
	rsp680   = filepath.Join("..", "..", "harness", "mm7", "testdata", "seed", "vibes-680-deliverrsp.xml")
	official = filepath.Join("..", "..", "..", "shared", "3gpp-xsd")
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestValidateSeedMO680(t *testing.T) {
	validateSays(t, mo680, 0,
		"valid: http-request POST /client/mms/deliver HTTP/1.1; DeliverReq, MM7 6.8.0 (REL-6-MM7-1-4), TransactionID becc3e4a6e065bd6",
		"deviation xml-encoding-mismatch: "+mo680+":13: XML declaration says \"utf-16\"",
		"deviation mime-content-id-bare")
}

// validateSays validates file and wants the exit status and every line.
func validateSays(t *testing.T, file string, wantCode int, wants ...string) {
	t.Helper()
	code, out, _ := runCLI("validate", file)
	if code != wantCode {
		t.Fatalf("exit %d, want %d\n%s", code, wantCode, out)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateSeedExample550(t *testing.T) {
	validateSays(t, ex550, 1,
		"INVALID",
		`boundary "----=_Part_1_2045721805.1414695261749" declared in the Content-Type does not occur in the body (the body uses "----=_Part_1_1764018763.1515602889819")`,
		ex550+":13:15: xml: ") // the typographic quotes of the XML declaration, at their place in the file
}

func TestValidateSchemaErrorsAsFileLineCol(t *testing.T) {
	code, out, _ := runCLI("validate", rsp680)
	if code != 1 || !strings.Contains(out, rsp680+":8:13: body: /soapenv:Envelope/soapenv:Body/ns3:DeliverRsp/ns3:Status:") {
		t.Fatalf("exit %d; want the missing MM7Version reported at 8:13\n%s", code, out)
	}
}

func TestValidateMIMEAndResponses(t *testing.T) {
	dir := t.TempDir()
	raw, _ := os.ReadFile(mo680)
	body := raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
	entity := append([]byte("Content-Type: multipart/related; type=\"text/xml\"; boundary=\"----=_Part_1_2045721805.1414695261749\"\r\n\r\n"), body...)
	files := map[string][]byte{
		"body.mime":   body,   // bare multipart body: the boundary comes from its first line
		"entity.mime": entity, // MIME entity with its header
		"blank.http":  []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		"error.http":  []byte("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n\r\n<html>oops</html>"),
	}
	for name, b := range files {
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, n := range []string{"body.mime", "entity.mime", "blank.http"} {
		if code, out, _ := runCLI("validate", p(n)); code != 0 {
			t.Errorf("%s: exit %d\n%s", n, code, out)
		}
	}
	if code, out, _ := runCLI("validate", p("error.http")); code != 1 || !strings.Contains(out, `http: Content-Type "text/html"`) {
		t.Errorf("HTML error page: exit %d\n%s", code, out)
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := runCLI("validate", "--format", "json", mo680, ex550)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var reports []struct {
		File       string `json:"file"`
		Valid      bool   `json:"valid"`
		Kind       string `json:"kind"`
		Deviations []struct {
			ID string `json:"ID"`
		} `json:"deviations"`
		Problems []struct {
			Stage string `json:"stage"`
			Line  int    `json:"line"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(reports) != 2 || !reports[0].Valid || reports[0].Kind != "DeliverReq" || reports[1].Valid || len(reports[1].Problems) == 0 {
		t.Fatalf("reports: %+v", reports)
	}
}

func TestValidateExpectedVersion(t *testing.T) {
	code, out, _ := runCLI("validate", "--mm7-version", "5.5.0", mo680)
	if code != 1 || !strings.Contains(out, "namespace-not-flavour") || !strings.Contains(out, "namespace:") {
		t.Fatalf("6.8.0 MO checked as 5.5.0: exit %d\n%s", code, out)
	}
}

func TestValidateWithOfficialSchemas(t *testing.T) {
	if _, err := os.Stat(official); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("official schemas missing under CI: %v", err)
		}
		t.Skipf("SKIPPED: %s not found", official)
	}
	if code, out, _ := runCLI("validate", "--schema-dir", official, mo680); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI("validate", "--schema-dir", official, rsp680); code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"nope"},
		{"validate"},
		{"validate", "--mm7-version", "7.0.0", mo680},
		{"validate", "--format", "xml", mo680},
		{"validate", "--schema-dir", "/nonexistent", mo680},
		{"validate", "/nonexistent/file.http"},
		{"validate", "--no-such-flag", mo680},
	}
	for _, args := range cases {
		if code, _, errOut := runCLI(args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 with a message", args, code, errOut)
		}
	}
	if code, _, _ := runCLI("validate", "-h"); code != 0 {
		t.Errorf("validate -h: exit %d, want 0", code)
	}
}

// Schema-valid messages the harness does not model, and an answer with an
// empty TransactionID, are valid with a note — as the official schemas
// say — and every line carries one prefix.
func TestValidateJudgesLayersNotModelling(t *testing.T) {
	const ns = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/REL-6-MM7-1-4"
	envelope := func(tid, body string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header>` +
			`<mm7:TransactionID xmlns:mm7="` + ns + `" env:mustUnderstand="1">` + tid + `</mm7:TransactionID></env:Header>` + "\n" +
			`<env:Body>` + body + `</env:Body></env:Envelope>` + "\n"
	}
	status := `<Status><StatusCode>1000</StatusCode><StatusText>Success</StatusText></Status>`
	docs := map[string]string{
		"cancelreq.xml":            envelope("t1", `<CancelReq xmlns="`+ns+`"><MM7Version>6.8.0</MM7Version><SenderIdentification/><MessageID>m1</MessageID></CancelReq>`),
		"cancelrsp.xml":            envelope("t1", `<CancelRsp xmlns="`+ns+`"><MM7Version>6.8.0</MM7Version>`+status+`</CancelRsp>`),
		"replacereq.xml":           envelope("t1", `<ReplaceReq xmlns="`+ns+`"><MM7Version>6.8.0</MM7Version><SenderIdentification/><MessageID>m1</MessageID></ReplaceReq>`),
		"extendedcancelreq.xml":    envelope("t1", `<extendedCancelReq xmlns="`+ns+`"><MM7Version>6.8.0</MM7Version><SenderIdentification/><CancelID>m1</CancelID></extendedCancelReq>`),
		"extendedreplacersp.xml":   envelope("t1", `<extendedReplaceRsp xmlns="`+ns+`"><MM7Version>6.8.0</MM7Version><MessageID>m2</MessageID><Status><StatusCode>1000</StatusCode></Status></extendedReplaceRsp>`),
		"deliverrsp-empty-tid.xml": envelope("", `<DeliverRsp xmlns="`+ns+`"><MM7Version>6.8.0</MM7Version>`+status+`</DeliverRsp>`),
	}
	dir := t.TempDir()
	var files []string
	for name, doc := range docs {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(doc), 0o644)
		files = append(files, f)
	}
	runs := [][]string{append([]string{"validate"}, files...)}
	if _, err := os.Stat(official); err == nil {
		runs = append(runs, append([]string{"validate", "--schema-dir", official}, files...))
	}
	for _, args := range runs {
		code, out, _ := runCLI(args...)
		if code != 0 || strings.Count(out, "  note: ") != len(docs) || strings.Contains(out, "INVALID") {
			t.Errorf("%v: exit %d, want every file valid with a note\n%s", args[:2], code, out)
		}
	}
	// A request without its TransactionID is invalid at the MM7 layer, with
	// one prefix per line.
	code, out, _ := runCLI("validate", filepath.Join("..", "..", "corpus", "6.8.0", "deliver", "680-neg-no-transaction-id.http"),
		filepath.Join("..", "..", "corpus", "5.5.0", "deliver", "550-neg-seed-example-as-printed.http"))
	if code != 1 || !strings.Contains(out, ": mm7: no MM7 TransactionID") {
		t.Errorf("exit %d\n%s", code, out)
	}
	for _, prefix := range []string{"mm7: mm7:", "mime: swa:", "http: swa:", ": 0:0:"} {
		if strings.Contains(out, prefix) {
			t.Errorf("a line repeats its prefix (%q):\n%s", prefix, out)
		}
	}
}
