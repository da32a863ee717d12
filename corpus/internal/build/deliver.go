package build

import (
	"fmt"
	"strings"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/harness/swa"
)

// deliverCases are the MOs Vibes sends for flavour v, the seed's first;
// the themes that follow come in manifest order.
func deliverCases(v mm7.Flavour) []spec {
	out := []spec{moSeed(v)}
	for _, theme := range []func(mm7.Flavour) []spec{moMedia, moEncodings, moReferences, moSubjects, moAddresses, moSizes} {
		out = append(out, theme(v)...)
	}
	return out
}

// moSeed is the seed page's MO made whole: its 6.8.0 SOAP part as printed,
// or on a 5.5.0 account the same MO as Vibes sends it there.
func moSeed(v mm7.Flavour) spec {
	if v == mm7.Flavour680 {
		id := "680-mo-seed"
		return spec{
			id: id, flavour: v, kind: corpus.KindDeliver, origin: corpus.OriginSeed, expect: accept(), tid: "becc3e4a6e065bd6",
			desc: "the seed page's 6.8.0 MO made whole: its SOAP part as printed, a real GIF and the text part in the nested multipart/mixed",
			dev:  []mm7.DeviationID{mm7.DevEncodingMismatch, swa.DevContentIDBare},
			bytes: func() []byte {
				m := swa.New(swa.StyleVibes, []byte(strings.ReplaceAll(seedSOAP, "\n", "\r\n")), seedAttachment())
				m.Root.Header.Set("Content-Id", "549710183.1414695261747.sun-soap.jeetumac.local")
				ct, body := writeCaptured(m, "----=_Part_1_2045721805.1414695261749", "----=_Part_1_504396287.1414695261748")
				return post(paths["deliver"], ct, body)
			},
		}
	}
	req := mo(v, "Hello Client", "")
	req.Sender = mm7.Number("+13127536330")
	return moCase(v, "mo-seed", corpus.OriginSeed,
		"the seed page's MO as Vibes sends it on a 5.5.0 account: REL-5-MM7-1-2, MM7Version 5.3.0, a real GIF and a text part in a nested multipart/mixed",
		req, seedAttachment())
}

// moMedia are MOs carrying one part of each media type, then a SMIL
// presentation of several.
func moMedia(v mm7.Flavour) []spec {
	var out []spec
	// One case per media type, each referenced from Content.
	media := []struct {
		name, ct, enc string
		body          []byte
	}{
		{"jpeg", "image/jpeg; name=photo.jpg", "base64", JPEG("photo.jpg", 60<<10)},
		{"png", "image/png; name=screen.png", "base64", PNG("screen.png", 40<<10)},
		{"gif", "image/gif; name=anim.gif", "base64", GIF("anim.gif", 160, 120)},
		{"3gpp", "video/3gpp; name=clip.3gp", "base64", ThreeGP("clip.3gp", 180<<10)},
		{"amr", "audio/amr; name=voice.amr", "base64", AMR("voice.amr", 12<<10)},
		{"text", "text/plain; charset=utf-8; name=note.txt", "8bit", []byte(Text)},
	}
	for _, m := range media {
		cid := m.name + "-part@vibes"
		out = append(out, moCase(v, "mo-"+m.name, corpus.OriginSynthesized,
			fmt.Sprintf("MO carrying one %s part (%s), referenced by Content href", strings.SplitN(m.ct, ";", 2)[0], m.enc),
			mo(v, "Photo", "cid:"+cid), part(m.ct, m.enc, m.body, "<"+cid+">")))
	}

	// A SMIL presentation: multipart/related with start, inside the root multipart/related.
	smil := swa.NewMultipart(`multipart/related; type="application/smil"; start="<presentation.smil>"`,
		part("application/smil; name=presentation.smil", "7bit", SMIL("cid:img01", "cid:txt01", "cid:aud01"), "<presentation.smil>"),
		part("image/jpeg; name=img01.jpg", "base64", JPEG("img01.jpg", 30<<10), "<img01>"),
		part("text/plain; charset=utf-8", "quoted-printable", []byte(Text), "<txt01>"),
		part("audio/amr; name=aud01.amr", "base64", AMR("aud01.amr", 8<<10), "<aud01>"),
	).SetContentID("<mms-content>")
	out = append(out, moCase(v, "mo-smil", corpus.OriginSynthesized,
		"MO with a SMIL presentation (multipart/related with start inside the root multipart/related): SMIL, image, text, audio",
		mo(v, "Slideshow", "cid:mms-content"), smil))
	return out
}

// moEncodings are MOs whose attachment travels in each transfer encoding.
func moEncodings(v mm7.Flavour) []spec {
	var out []spec
	pic := JPEG("enc.jpg", 24<<10)
	for _, enc := range []string{"base64", "binary", "8bit", "quoted-printable"} {
		body := pic
		ct := "image/jpeg"
		if enc == "8bit" || enc == "quoted-printable" {
			body, ct = []byte(Text+Text), "text/plain; charset=utf-8"
		}
		out = append(out, moCase(v, "mo-enc-"+enc, corpus.OriginSynthesized,
			"MO whose attachment travels in "+enc, mo(v, "Encoding", "cid:att"), part(ct, enc, body, "<att>")))
	}
	return out
}

// moReferences are the ways Content href names its part: a bare or a
// bracketed Content-ID, or a Content-Location.
func moReferences(v mm7.Flavour) []spec {
	var out []spec
	out = append(out, moCase(v, "mo-cid-bare", corpus.OriginSynthesized,
		"MO whose attachment's Content-ID has no angle brackets; Content href names it bare",
		mo(v, "Bare id", "cid:photo.bare@vibes"), part("image/jpeg", "base64", JPEG("bare.jpg", 8<<10), "photo.bare@vibes")))
	out = append(out, moCase(v, "mo-cid-bracketed", corpus.OriginSynthesized,
		"MO whose attachment's Content-ID is bracketed, as RFC 2045 writes it",
		mo(v, "Bracketed id", "cid:photo.bracketed@vibes"), part("image/jpeg", "base64", JPEG("bracketed.jpg", 8<<10), "<photo.bracketed@vibes>")))
	loc := part("image/jpeg", "base64", JPEG("located.jpg", 8<<10), "").SetContentLocation("photo-0001.jpg")
	sp := moCase(v, "mo-content-location", corpus.OriginSynthesized,
		"MO whose attachment has only a Content-Location, which Content href names",
		mo(v, "Located", "photo-0001.jpg"), loc)
	sp.dev = append(sp.dev, swa.DevHrefWithoutCID)
	out = append(out, sp)
	return out
}

// moSubjects are MOs without a Subject and with a long UTF-8 one.
func moSubjects(v mm7.Flavour) []spec {
	var out []spec
	out = append(out, moCase(v, "mo-no-subject", corpus.OriginSynthesized,
		"MO without a Subject", mo(v, "", "cid:t"), part("text/plain; charset=utf-8", "8bit", []byte("no subject"), "<t>")))
	long := strings.Repeat("A long subject line 🎉 with Grüße and 日本語 — ", 20)
	out = append(out, moCase(v, "mo-long-subject", corpus.OriginSynthesized,
		fmt.Sprintf("MO with a %d-byte UTF-8 Subject", len(long)), mo(v, long, "cid:t"),
		part("text/plain; charset=utf-8", "8bit", []byte("long subject"), "<t>")))
	return out
}

// moAddresses are MOs from every address form Vibes may send as Sender,
// then a group MMS with several recipients.
func moAddresses(v mm7.Flavour) []spec {
	var out []spec
	// Every address form as sender.
	for _, a := range []struct {
		name string
		addr mm7.Address
	}{
		{"e164", mm7.Number("+13125550199")}, {"10-digit", mm7.Number("3125550199")}, {"11-digit", mm7.Number("13125550199")},
		{"shortcode", mm7.ShortCode("555123")}, {"email", mm7.Email("jane.doe@example.com")},
	} {
		req := mo(v, "From "+a.name, "cid:t")
		req.Sender = a.addr
		out = append(out, moCase(v, "mo-from-"+a.name, corpus.OriginSynthesized,
			"MO whose Sender is a "+string(a.addr.Kind)+" ("+a.name+")", req, part("text/plain", "7bit", []byte("hi"), "<t>")))
	}
	// A group MMS.
	group := mo(v, "Group chat", "cid:t")
	group.Recipients = &mm7.Recipients{To: []mm7.Address{shortCode, mm7.Number("+13125550111")}, Cc: []mm7.Address{mm7.Number("+13125550122"), mm7.Number("+13125550133")}}
	out = append(out, moCase(v, "mo-group", corpus.OriginSynthesized, "group MMS: two To and two Cc recipients",
		group, part("text/plain; charset=utf-8", "8bit", []byte("hi all 👋"), "<t>")))
	return out
}

// moSizes are MOs of growing size, weighted to the 300 KB - 1 MB carriers
// use.
func moSizes(v mm7.Flavour) []spec {
	var out []spec
	for _, kb := range []int{1, 10, 100, 300, 400, 500, 700, 800, 1024, 2048} {
		name := fmt.Sprintf("%dk", kb)
		if kb >= 1024 {
			name = fmt.Sprintf("%dm", kb/1024)
		}
		img := JPEG("size-"+name, max(200, (kb<<10)*3/4-2000))
		mixed := swa.NewMultipart("multipart/mixed",
			part("image/jpeg; name=IMG_"+name+".jpg", "base64", img, "<IMG_"+name+".jpg>"),
			part("text/plain; charset=utf-8", "8bit", []byte("Sent from my phone"), "<text.txt>"),
		).SetContentID("<mms>")
		out = append(out, moCase(v, "mo-size-"+name, corpus.OriginSynthesized,
			fmt.Sprintf("MO of about %s: a %d-byte JPEG (base64) and a text part in a multipart/mixed", name, len(img)),
			mo(v, "Size "+name, "cid:mms"), mixed))
	}
	return out
}

// writeCaptured writes m as Vibes does, with the boundaries of a captured
// message: outer for the top multipart, inner for the one nested in it.
func writeCaptured(m *swa.Message, outer, inner string) (ct string, body []byte) {
	n := 0
	bs := []string{outer, inner}
	ct, body, err := swa.Writer{Style: swa.StyleVibes, Boundary: func() string { n++; return bs[(n-1)%2] }}.Write(m)
	if err != nil {
		panic(err)
	}
	return ct, body
}
