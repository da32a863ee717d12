package mm7_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mm7harness/mm7harness/harness/internal/mm7gen"
	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Property: decode(encode(m)) equals m, for generated messages of every
// kind in both flavours; and encoding is deterministic.
func TestRoundTrip(t *testing.T) {
	const perKind = 60
	for _, v := range mm7.Flavours() {
		g := mm7gen.New(uint64(len(v.Name))*7919, v)
		for _, k := range mm7gen.Kinds {
			for i := 0; i < perKind; i++ {
				env := g.Envelope(k)
				b, err := mm7.Encode(env)
				if err != nil {
					t.Fatalf("%s %s #%d: encode: %v", v, k, i, err)
				}
				again, err := mm7.Encode(env)
				if err != nil || string(again) != string(b) {
					t.Fatalf("%s %s #%d: encoding is not deterministic", v, k, i)
				}
				got, err := mm7.Decode(b, "utf-8")
				if err != nil {
					t.Fatalf("%s %s #%d: decode: %v\n%s", v, k, i, err, b)
				}
				if len(got.Deviations) != 0 {
					t.Errorf("%s %s #%d: encoder output has deviations %v", v, k, i, got.Deviations)
				}
				if got.TransactionID != env.TransactionID || got.Flavour != env.Flavour || got.Release != v.Release {
					t.Errorf("%s %s #%d: envelope: got %q %v %v", v, k, i, got.TransactionID, got.Flavour, got.Release)
				}
				if diff := cmp.Diff(env.Message, got.Message); diff != "" {
					t.Fatalf("%s %s #%d: message changed (-want +got):\n%s\n%s", v, k, i, diff, b)
				}
			}
		}
	}
}

func TestEncodeRefusesWhatTheSchemaWould(t *testing.T) {
	ok := func() *mm7.DeliveryReportReq {
		return &mm7.DeliveryReportReq{MessageID: "m", Recipient: mm7.Number("1"), Sender: mm7.ShortCode("2"),
			Date: "2026-01-02T03:04:05Z", MMStatus: mm7.MMStatusRetrieved}
	}
	if _, err := mm7.EncodeMessage(mm7.Flavour550, "t", ok()); err != nil {
		t.Fatalf("valid report refused: %v", err)
	}
	cases := map[string]struct {
		v   mm7.Flavour
		tid string
		m   mm7.Message
	}{
		"REL-6 field in 5.5.0":  {mm7.Flavour550, "t", func() mm7.Message { m := ok(); m.ApplicID = "x"; return m }()},
		"REL-6 status in 5.5.0": {mm7.Flavour550, "t", func() mm7.Message { m := ok(); m.MMStatus = mm7.MMStatusDeferred; return m }()},
		"unknown status":        {mm7.Flavour680, "t", func() mm7.Message { m := ok(); m.MMStatus = "Delivered"; return m }()},
		"Java date":             {mm7.Flavour680, "t", func() mm7.Message { m := ok(); m.Date = "2026-01-02T03:04:05-0500"; return m }()},
		"missing recipient":     {mm7.Flavour680, "t", func() mm7.Message { m := ok(); m.Recipient = mm7.Address{}; return m }()},
		"wrong MM7Version":      {mm7.Flavour550, "t", func() mm7.Message { m := ok(); m.MM7Version = "6.8.0"; return m }()},
		"no TransactionID":      {mm7.Flavour680, "", ok()},
		"text in Details": {mm7.Flavour680, "t", &mm7.DeliverRsp{Response: mm7.Response{Status: mm7.Status{Code: 1000, Text: "ok",
			Details: &mm7.Details{InnerXML: "free text"}}}}},
		"status code zero": {mm7.Flavour680, "t", &mm7.DeliverRsp{Response: mm7.Response{Status: mm7.Status{Text: "ok"}}}},
	}
	for name, c := range cases {
		if b, err := mm7.EncodeMessage(c.v, c.tid, c.m); err == nil {
			t.Errorf("%s: encoded, want an error:\n%s", name, b)
		}
	}
}

func TestEncodeInTheRequestsRelease(t *testing.T) {
	rel := mm7.Release("REL-6-MM7-1-2")
	rsp := &mm7.DeliverRsp{Response: mm7.Response{MM7Version: "6.5.0", Status: mm7.Status{Code: 1000, Text: "Success"}}}
	b, err := mm7.Encode(&mm7.Envelope{Flavour: mm7.Flavour680, Release: rel, TransactionID: "t", Message: rsp})
	if err != nil {
		t.Fatal(err)
	}
	env, err := mm7.Decode(b, "")
	if err != nil || env.Release != rel {
		t.Fatalf("got %v %v, want the answer in %s", env, err, rel)
	}
	rsp.MM7Version = "6.8.0" // not in REL-6-MM7-1-2's enumeration
	if _, err := mm7.Encode(&mm7.Envelope{Flavour: mm7.Flavour680, Release: rel, TransactionID: "t", Message: rsp}); err == nil {
		t.Error("MM7Version 6.8.0 written into REL-6-MM7-1-2")
	}
	if _, err := mm7.Encode(&mm7.Envelope{Flavour: mm7.Flavour680, Release: "REL-9-MM7-1-0", TransactionID: "t", Message: rsp}); err == nil {
		t.Error("unknown release accepted")
	}
}
