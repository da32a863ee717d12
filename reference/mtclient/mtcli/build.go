package mtcli

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/mm7harness/mm7harness/harness/mm7"
	"github.com/mm7harness/mm7harness/reference/mtclient"
)

// maxFile bounds what is read of --file: far above what Vibes takes, so
// the client's own refusal says by how much it is too large.
const maxFile = 8 << 20

// build makes the client and the message the flags describe. A missing
// setting or an unreadable file is a usage error; a file far too large
// for Vibes is an mtclient.ErrNotSent.
func (a *Args) build(stderr io.Writer) (*mtclient.Client, mtclient.Message, error) {
	var m mtclient.Message
	switch {
	case a.Endpoint == "":
		return nil, m, errors.New("--endpoint (or MM7_URL) is required")
	case a.To == "":
		return nil, m, errors.New("--to (or MM7_RECIPIENT) is required")
	case a.MaxAttempts < 1:
		return nil, m, fmt.Errorf("--max-attempts %d: want at least 1", a.MaxAttempts)
	case a.Timeout <= 0 || a.RetryInterval < 0:
		return nil, m, fmt.Errorf("--timeout %v, --retry-interval %v: want a positive timeout and an interval of 0 or more", a.Timeout, a.RetryInterval)
	}
	if u, err := url.Parse(a.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, m, fmt.Errorf("--endpoint %q: want an http or https URL", a.Endpoint)
	}
	media, err := a.media()
	if err != nil {
		return nil, m, err
	}
	v := a.Flavour
	if v.IsZero() {
		v = mm7.NewestFlavour()
	}
	interval := a.RetryInterval
	if interval == 0 {
		interval = -1 // the client's zero is its default; 0 here means no wait
	}
	c := &mtclient.Client{Endpoint: a.Endpoint, User: a.User, Password: a.Password, Flavour: v,
		Timeout: a.Timeout, RetryInterval: interval, MaxAttempts: a.MaxAttempts,
		Logger: slog.New(slog.NewTextHandler(stderr, nil))}
	m = mtclient.Message{To: a.To, From: a.From, Subject: a.Subject, DeliveryReport: a.DeliveryReport,
		DLRCallbackURL: a.DLRURL, CarrierCode: a.CarrierCode, Media: []mtclient.Media{media}}
	return c, m, nil
}

// media is --file, its type from its name or else its content, or the
// built-in picture.
func (a *Args) media() (mtclient.Media, error) {
	if a.File == "" {
		return Picture(), nil
	}
	f, err := os.Open(a.File)
	if err != nil {
		return mtclient.Media{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	switch {
	case err != nil:
		return mtclient.Media{}, fmt.Errorf("%s: %w", a.File, err)
	case len(data) > maxFile:
		return mtclient.Media{}, fmt.Errorf("%w: %s is over %d bytes; Vibes takes 1 MB", mtclient.ErrTooLarge, a.File, maxFile)
	case len(data) == 0:
		return mtclient.Media{}, fmt.Errorf("%s is empty", a.File)
	}
	ct := mime.TypeByExtension(filepath.Ext(a.File))
	if ct == "" {
		ct = http.DetectContentType(data)
	}
	return mtclient.Media{ContentType: ct, Filename: filepath.Base(a.File), Data: data}, nil
}

// Picture is the built-in media: a 32×32 PNG of a few hundred bytes,
// made here so that a run needs no file.
func Picture() mtclient.Media {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{R: uint8(x * 8), G: uint8(y * 8), B: 160, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("mtcli: encoding the built-in picture: " + err.Error()) // an in-memory image always encodes
	}
	return mtclient.Media{ContentType: "image/png", Filename: "mm7harness.png", Data: b.Bytes()}
}
