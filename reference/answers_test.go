package reference

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// TestSuccessAnswersAreEncodedAnswers: an answer put together from its
// template is byte for byte the answer mm7.Encode writes, for every
// request kind, flavour, namespace and MM7Version the receiver answers,
// whether the TransactionID can go in as it is or must be escaped.
func TestSuccessAnswersAreEncodedAnswers(t *testing.T) {
	var a successAnswers
	reqs := []mm7.Request{&mm7.DeliverReq{}, &mm7.DeliveryReportReq{}, &mm7.ReadReplyReq{}, &mm7.SubmitReq{}}
	tids := []string{"1234567890abcdef", "vibes-3-a.b:c/d+e=", "x", "a<b&c", `q"uote'`, "two words", "ünï"}
	n := 0
	for _, v := range mm7.Flavours() {
		for _, rel := range []mm7.Release{mm7.Flavour550.Release, mm7.Flavour680.Release} {
			for _, req := range reqs {
				for _, version := range []string{"", "5.3.0", "6.8.0"} {
					for round := 0; round < 2; round++ { // the first fills the template, the second uses it
						for _, tid := range tids {
							rsp := mm7.NewResponse(req, v, mm7.StatusSuccess, "Success")
							mm7.ResponseOf(rsp).MM7Version = v.AnswerMM7Version(version, rel)
							env := &mm7.Envelope{Flavour: v, Release: rel, TransactionID: tid, Message: rsp}
							want, err := mm7.Encode(env)
							if err != nil {
								t.Fatal(err)
							}
							got, err := a.encode(env)
							if err != nil {
								t.Fatal(err)
							}
							if !bytes.Equal(got, want) {
								t.Fatalf("%s %s %s %q tid %q:\n got %s\nwant %s", v.Name, rel, req.ResponseKind(), version, tid, got, want)
							}
							n++
						}
					}
				}
			}
		}
	}
	if len(a.m) == 0 {
		t.Fatal("no template was kept: the test compared mm7.Encode with itself")
	}
	t.Logf("%d answers compared, %d templates", n, len(a.m))
}

// TestSuccessAnswersStayBounded: once the templates reach their bound,
// answers are encoded afresh, still right, and nothing more is kept.
func TestSuccessAnswersStayBounded(t *testing.T) {
	a := successAnswers{m: make(map[answerKey]answerTemplate)}
	for i := 0; i < answerTemplates; i++ {
		a.m[answerKey{kind: mm7.Kind(fmt.Sprintf("k%d", i))}] = answerTemplate{head: []byte("stale")}
	}
	rsp := mm7.NewResponse(&mm7.DeliverReq{}, mm7.Flavour680, mm7.StatusSuccess, "Success")
	env := &mm7.Envelope{Flavour: mm7.Flavour680, Release: mm7.Flavour680.Release, TransactionID: "t1", Message: rsp}
	got, err := a.encode(env)
	want, err2 := mm7.Encode(env)
	if err != nil || err2 != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %s (%v), want %s (%v)", got, err, want, err2)
	}
	if len(a.m) != answerTemplates {
		t.Fatalf("%d templates, bound %d", len(a.m), answerTemplates)
	}
}
