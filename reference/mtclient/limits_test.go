package mtclient_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/reference/mtclient"
)

// A message over 1 MB is refused before anything is sent, saying why.
func TestTooLargeIsNotSent(t *testing.T) {
	srv, rec := serve(t, script(success(mm7.Flavour680)))
	msg := message(t)
	msg.Media[0].Data = bytes.Repeat([]byte{0xAB}, 800<<10) // base64 makes it 1.07 MB
	res, err := client(srv.URL, mm7.Flavour680).Submit(context.Background(), msg)
	if !errors.Is(err, mtclient.ErrTooLarge) || !errors.Is(err, mtclient.ErrNotSent) || res.Stop != mtclient.StopNotSent || len(rec.sent()) != 0 {
		t.Fatalf("got %+v, %v, %d requests; want ErrTooLarge and nothing sent", res, err, len(rec.sent()))
	}
	if !strings.Contains(err.Error(), "1 MB") {
		t.Errorf("error %q does not say the limit", err)
	}
	// Just under the limit goes.
	msg.Media[0].Data = msg.Media[0].Data[:700<<10]
	if _, err := client(srv.URL, mm7.Flavour680).Submit(context.Background(), msg); err != nil {
		t.Fatalf("700 KiB of media: %v", err)
	}
}

// What cannot be sent is refused before sending.
func TestNotSent(t *testing.T) {
	srv, rec := serve(t, script(success(mm7.Flavour680)))
	good := message(t)
	for name, c := range map[string]struct {
		client func(*mtclient.Client)
		msg    func(*mtclient.Message)
	}{
		"no endpoint":            {client: func(c *mtclient.Client) { c.Endpoint = "" }},
		"no flavour":             {client: func(c *mtclient.Client) { c.Flavour = mm7.Flavour{} }},
		"no recipient":           {msg: func(m *mtclient.Message) { m.To = "" }},
		"no media":               {msg: func(m *mtclient.Message) { m.Media = nil }},
		"empty media":            {msg: func(m *mtclient.Message) { m.Media[0].Data = nil }},
		"a multipart media":      {msg: func(m *mtclient.Message) { m.Media[0].ContentType = "multipart/mixed; boundary=x" }},
		"a bad content type":     {msg: func(m *mtclient.Message) { m.Media[0].ContentType = "image/" }},
		"a newline in a header":  {msg: func(m *mtclient.Message) { m.DLRCallbackURL = "http://x/\r\nX-Evil: 1" }},
		"a newline in a carrier": {msg: func(m *mtclient.Message) { m.CarrierCode = "1\n2" }},
	} {
		cl, m := client(srv.URL, mm7.Flavour680), good
		m.Media = append([]mtclient.Media(nil), good.Media...)
		if c.client != nil {
			c.client(cl)
		}
		if c.msg != nil {
			c.msg(&m)
		}
		res, err := cl.Submit(context.Background(), m)
		if !errors.Is(err, mtclient.ErrNotSent) || res.Stop != mtclient.StopNotSent {
			t.Errorf("%s: got %+v, %v; want ErrNotSent", name, res, err)
		}
	}
	if n := len(rec.sent()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// A canceled context stops the waiting at once.
func TestCancelStopsTheWait(t *testing.T) {
	srv, _ := serve(t, script(fault(mm7.Flavour680, 4005)))
	cl := client(srv.URL, mm7.Flavour680)
	cl.RetryInterval = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := cl.Submit(ctx, message(t))
	if err == nil || res.Stop != mtclient.StopCanceled || res.Attempts != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("got %+v, %v after %v; want canceled after one attempt", res, err, time.Since(start))
	}
}

// An answer larger than MaxAnswer is not read whole.
func TestAnswerIsBounded(t *testing.T) {
	srv, _ := serve(t, script(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write(bytes.Repeat([]byte(" "), 2<<20))
	}))
	res, err := client(srv.URL, mm7.Flavour680).Submit(context.Background(), message(t))
	if err == nil || res.Stop != mtclient.StopRefused || res.Err == nil || !strings.Contains(res.Err.Error(), "over") {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// Without a short code the SubmitReq names no sender, and is still valid.
func TestNoSenderAddress(t *testing.T) {
	for _, v := range mm7.Flavours() {
		srv, rec := serve(t, script(success(v)))
		msg := message(t)
		msg.From, msg.Subject = "", ""
		if _, err := client(srv.URL, v).Submit(context.Background(), msg); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		req, _, _ := valid(t, rec.sent()[0], v)
		if req.SenderIdentification.SenderAddress != nil || req.Subject != "" {
			t.Errorf("%s: SubmitReq %+v", v, req)
		}
	}
}
