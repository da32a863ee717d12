// Package mm7gen generates random, schema-valid MM7 messages for property
// tests: round trips, schema agreement, fuzz seeds.
package mm7gen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// Kinds lists every message kind the generator makes.
var Kinds = []mm7.Kind{
	mm7.KindSubmitReq, mm7.KindSubmitRsp, mm7.KindDeliverReq, mm7.KindDeliverRsp,
	mm7.KindDeliveryReportReq, mm7.KindDeliveryReportRsp, mm7.KindReadReplyReq,
	mm7.KindReadReplyRsp, mm7.KindRSErrorRsp, mm7.KindVASPErrorRsp, mm7.KindFault,
}

// Gen makes messages from one random source.
type Gen struct {
	R *rand.Rand
	V mm7.Flavour
}

// New returns a generator for flavour v seeded with seed.
func New(seed uint64, v mm7.Flavour) *Gen {
	return &Gen{R: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), V: v}
}

func (g *Gen) rel6() bool             { return g.V.Release.Major() == 6 }
func (g *Gen) maybe() bool            { return g.R.IntN(2) == 0 }
func (g *Gen) often() bool            { return g.R.IntN(4) != 0 }
func (g *Gen) pick(s []string) string { return s[g.R.IntN(len(s))] }

// texts include characters the encoder must escape and non-Latin scripts.
var texts = []string{
	"Hello Client", "testing mms", "a & b", "<tag>", `quote "q" and 'a'`,
	"Grüße aus Köln", "日本語のテキスト", "Привет", "emoji 🎉📷", "x", "Weather Forecast",
}

func (g *Gen) text() string { return g.pick(texts) }

func (g *Gen) id() string { return fmt.Sprintf("%016x", g.R.Uint64()) }

func (g *Gen) optText() string {
	if g.maybe() {
		return g.text()
	}
	return ""
}

func (g *Gen) optID() string {
	if g.maybe() {
		return g.id()
	}
	return ""
}

func (g *Gen) optRel6(s string) string {
	if g.rel6() {
		return s
	}
	return ""
}

func (g *Gen) boolp() *bool {
	if !g.maybe() {
		return nil
	}
	b := g.maybe()
	return &b
}

func (g *Gen) date() mm7.DateTime {
	t := time.Date(2000+g.R.IntN(30), time.Month(1+g.R.IntN(12)), 1+g.R.IntN(28),
		g.R.IntN(24), g.R.IntN(60), g.R.IntN(60), 0, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("", -5*3600), time.FixedZone("", 5*3600+1800)}
	return mm7.NewDateTime(t.In(zones[g.R.IntN(len(zones))]))
}

func (g *Gen) optDate() mm7.DateTime {
	if g.maybe() {
		return g.date()
	}
	return ""
}

func (g *Gen) dateOrDuration() mm7.DateOrDuration {
	if g.maybe() {
		return mm7.DateOrDuration(g.date())
	}
	return mm7.DateOrDuration(g.pick([]string{"P10D", "PT1H", "P1Y2M3DT4H5M6S"}))
}

func (g *Gen) address() mm7.Address {
	var a mm7.Address
	switch g.R.IntN(5) {
	case 0:
		a = mm7.Number(fmt.Sprintf("+1%010d", g.R.Int64N(1e10)))
	case 1:
		a = mm7.Number(fmt.Sprintf("%010d", g.R.Int64N(1e10)))
	case 2:
		a = mm7.Number(fmt.Sprintf("1%010d", g.R.Int64N(1e10)))
	case 3:
		a = mm7.ShortCode(fmt.Sprintf("%d", 10000+g.R.IntN(900000)))
	default:
		a = mm7.Email(fmt.Sprintf("user%d@example.com", g.R.IntN(1000)))
	}
	a.DisplayOnly = g.R.IntN(5) == 0
	if g.rel6() && g.R.IntN(4) == 0 {
		a.AddressCoding = g.pick([]string{"encrypted", "obfuscated"})
	}
	return a
}

func (g *Gen) addresses(max int) []mm7.Address {
	out := make([]mm7.Address, 1+g.R.IntN(max))
	for i := range out {
		out[i] = g.address()
	}
	return out
}

func (g *Gen) recipients() mm7.Recipients {
	r := mm7.Recipients{To: g.addresses(3)}
	if g.maybe() {
		r.Cc = g.addresses(2)
	}
	if g.R.IntN(4) == 0 {
		r.Bcc = g.addresses(2)
	}
	return r
}

func (g *Gen) content() *mm7.ContentRef {
	if !g.often() {
		return nil
	}
	return &mm7.ContentRef{Href: "cid:" + g.id() + "@example.com", AllowAdaptations: g.boolp()}
}

func (g *Gen) status() mm7.Status {
	codes := []mm7.StatusCode{1000, 1100, 2000, 2002, 2007, 3000, 4001, 4004, 2502, 3500}
	c := codes[g.R.IntN(len(codes))]
	s := mm7.Status{Code: c, Text: c.Text()}
	if g.R.IntN(4) == 0 {
		s.Details = &mm7.Details{InnerXML: `<Reason xmlns="urn:example:details">` + "line 3: bad element" + `</Reason>`}
	}
	return s
}

func (g *Gen) response() mm7.Response {
	return mm7.Response{MM7Version: g.V.MM7Version, Status: g.status()}
}

func (g *Gen) uaCaps() *mm7.UACapabilities {
	if !g.rel6() || !g.maybe() {
		return nil
	}
	return &mm7.UACapabilities{UAProf: "http://example.com/uaprof.xml", TimeStamp: g.dateOrDuration()}
}

// Message returns a random, schema-valid message of kind k.
func (g *Gen) Message(k mm7.Kind) mm7.Message {
	switch k {
	case mm7.KindSubmitReq:
		return g.submitReq()
	case mm7.KindSubmitRsp:
		return &mm7.SubmitRsp{Response: g.response(), MessageID: g.id()}
	case mm7.KindDeliverReq:
		return g.deliverReq()
	case mm7.KindDeliverRsp:
		return &mm7.DeliverRsp{Response: g.response(), ServiceCode: g.optText()}
	case mm7.KindDeliveryReportReq:
		return g.deliveryReportReq()
	case mm7.KindDeliveryReportRsp:
		return &mm7.DeliveryReportRsp{Response: g.response()}
	case mm7.KindReadReplyReq:
		return g.readReplyReq()
	case mm7.KindReadReplyRsp:
		return &mm7.ReadReplyRsp{Response: g.response()}
	case mm7.KindRSErrorRsp:
		return &mm7.RSErrorRsp{Response: g.response()}
	case mm7.KindVASPErrorRsp:
		return &mm7.VASPErrorRsp{Response: g.response()}
	case mm7.KindFault:
		f := &mm7.Fault{Code: g.pick([]string{"Client", "Server"}), String: g.text()}
		if g.often() {
			if g.maybe() {
				f.Detail = &mm7.VASPErrorRsp{Response: g.response()}
			} else {
				f.Detail = &mm7.RSErrorRsp{Response: g.response()}
			}
		}
		return f
	}
	panic("mm7gen: unknown kind " + string(k))
}

func (g *Gen) submitReq() *mm7.SubmitReq {
	m := &mm7.SubmitReq{
		MM7Version: g.V.MM7Version,
		SenderIdentification: mm7.SenderIdentification{
			VASPID: g.optID(), VASID: g.optID(),
		},
		Recipients:            g.recipients(),
		ServiceCode:           g.optText(),
		LinkedID:              g.optID(),
		TimeStamp:             g.optDate(),
		DeliveryReport:        g.boolp(),
		ReadReply:             g.boolp(),
		Subject:               g.optText(),
		DistributionIndicator: g.boolp(),
		Content:               g.content(),
	}
	if g.often() {
		a := g.address()
		m.SenderIdentification.SenderAddress = &a
	}
	if g.maybe() {
		m.MessageClass = mm7.MessageClass(g.pick([]string{"Personal", "Informational", "Advertisement", "Auto"}))
	}
	if g.maybe() {
		m.Priority = mm7.Priority(g.pick([]string{"Normal", "High", "Low"}))
	}
	if g.maybe() {
		parties := []string{"Sender", "Recipient", "Both", "Neither"}
		if g.rel6() {
			parties = append(parties, "ThirdParty")
		}
		m.ChargedParty = mm7.ChargedParty(g.pick(parties))
	}
	if g.R.IntN(3) == 0 {
		m.ReplyCharging = &mm7.ReplyCharging{Size: 1 + g.R.Int64N(100000), Deadline: g.dateOrDuration()}
	}
	if g.maybe() {
		m.EarliestDeliveryTime = g.dateOrDuration()
	}
	if g.maybe() {
		m.ExpiryDate = g.dateOrDuration()
	}
	if g.rel6() {
		m.ChargedPartyID = g.optID()
		if g.maybe() {
			m.DeliveryCondition = &mm7.DeliveryCondition{DC: []int64{1 + g.R.Int64N(9), 10 + g.R.Int64N(90)}}
		}
		m.ApplicID, m.ReplyApplicID, m.AuxApplicInfo = g.optID(), g.optID(), g.optText()
		if g.maybe() {
			m.ContentClass = mm7.ContentClass(g.pick([]string{"text", "image-basic", "image-rich", "video-basic", "megapixel", "content-rich"}))
		}
		m.DRMContent = g.boolp()
	}
	return m
}

func (g *Gen) deliverReq() *mm7.DeliverReq {
	m := &mm7.DeliverReq{
		MM7Version:       g.V.MM7Version,
		MMSRelayServerID: g.optID(),
		LinkedID:         g.optID(),
		Sender:           g.address(),
		TimeStamp:        g.optDate(),
		ReplyChargingID:  g.optID(),
		Subject:          g.optText(),
		Content:          g.content(),
	}
	if g.often() {
		r := g.recipients()
		m.Recipients = &r
	}
	if g.maybe() {
		m.Priority = mm7.Priority(g.pick([]string{"Normal", "High", "Low"}))
	}
	if g.rel6() {
		m.VASPID, m.VASID = g.optID(), g.optID()
		if g.R.IntN(3) == 0 {
			m.Previouslysentby = &mm7.Previouslysentby{UserAgent: []mm7.UserAgent{{Sequence: 1, Address: g.address()}, {Address: g.address()}}}
			m.Previouslysentdateandtime = &mm7.Previouslysentdateandtime{DateTime: []mm7.SequencedDate{{Sequence: 1, Value: mm7.DateOrDuration(g.date())}}}
		}
		m.SenderSPI, m.RecipientSPI = g.optID(), g.optID()
		m.ApplicID, m.ReplyApplicID, m.AuxApplicInfo = g.optID(), g.optID(), g.optText()
		m.UACapabilities = g.uaCaps()
	}
	return m
}

func (g *Gen) deliveryReportReq() *mm7.DeliveryReportReq {
	statuses := mm7.MMStatuses(g.V.Release)
	m := &mm7.DeliveryReportReq{
		MM7Version:       g.V.MM7Version,
		MMSRelayServerID: g.optID(),
		MessageID:        g.id(),
		Recipient:        g.address(),
		Sender:           g.address(),
		Date:             g.date(),
		MMStatus:         statuses[g.R.IntN(len(statuses))],
	}
	if g.maybe() {
		m.StatusText = fmt.Sprintf("Error %d - message capped [ref: %02d]", 1+g.R.IntN(16), g.R.IntN(100))
	}
	if g.rel6() {
		if m.MMStatus == mm7.MMStatusRejected && g.maybe() {
			m.MMStatusExtension = mm7.RejectionByMMSRecipient
		}
		m.ApplicID, m.ReplyApplicID, m.AuxApplicInfo = g.optID(), g.optID(), g.optText()
		m.UACapabilities = g.uaCaps()
	}
	return m
}

func (g *Gen) readReplyReq() *mm7.ReadReplyReq {
	m := &mm7.ReadReplyReq{
		MM7Version: g.V.MM7Version,
		MessageID:  g.id(),
		Recipient:  g.address(),
		Sender:     g.address(),
		TimeStamp:  g.date(),
		MMStatus:   mm7.ReadStatus(g.pick([]string{"Indeterminate", "Read", "Deleted"})),
		StatusText: g.optText(),
	}
	if g.rel6() {
		m.ApplicID, m.ReplyApplicID, m.AuxApplicInfo = g.optID(), g.optID(), g.optText()
	}
	return m
}

// Envelope returns a random envelope of kind k.
func (g *Gen) Envelope(k mm7.Kind) *mm7.Envelope {
	return &mm7.Envelope{Flavour: g.V, Release: g.V.Release, TransactionID: g.id(), Message: g.Message(k)}
}
