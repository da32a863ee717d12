package build

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// Every media file is made here by code, deterministically: the same case
// always gets the same bytes.

func rng(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	s := h.Sum64()
	return rand.New(rand.NewPCG(s, s^0x5851f42d4c957f2d))
}

// picture draws a photo-like image: smooth gradients with noise, so that
// JPEG and PNG sizes grow with the area as real photos do.
func picture(r *rand.Rand, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	noise := 20 + r.IntN(60)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := r.IntN(noise)
			img.Set(x, y, color.RGBA{uint8(x*255/w + n), uint8(y*255/h + n), uint8((x+y)*127/(w+h) + n), 255})
		}
	}
	return img
}

// JPEG returns a baseline JPEG of size bytes (within 3): a picture encoded
// a little under the size, then padded with APP15 segments, which decoders
// skip, as camera makers' metadata is.
func JPEG(name string, size int) []byte {
	r := rng(name)
	side := max(8, isqrt(size*10/13))
	var out []byte
	for i := 0; i < 8; i++ {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, picture(r, side, side*3/4+1), &jpeg.Options{Quality: 92}); err != nil {
			panic(err)
		}
		out = b.Bytes()
		if len(out) <= size || side <= 8 {
			break
		}
		side = max(8, side*9/10)
	}
	pad := size - len(out)
	var segs []byte
	for pad >= 4 {
		n := min(pad, 65535+2) - 2 // length field counts itself, not the marker
		seg := make([]byte, 2+n)
		seg[0], seg[1] = 0xFF, 0xEF
		binary.BigEndian.PutUint16(seg[2:], uint16(n))
		for i := 4; i < len(seg); i++ {
			seg[i] = byte(r.Uint32())
		}
		segs = append(segs, seg...)
		pad -= len(seg)
	}
	return append(append(append([]byte(nil), out[:2]...), segs...), out[2:]...)
}

// PNG returns a PNG of roughly size bytes.
func PNG(name string, size int) []byte {
	r := rng(name)
	side := max(4, isqrt(size/3))
	var b bytes.Buffer
	if err := png.Encode(&b, picture(r, side, side)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF returns a GIF of w×h pixels.
func GIF(name string, w, h int) []byte {
	r := rng(name)
	img := image.NewPaletted(image.Rect(0, 0, w, h), palette.WebSafe)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetColorIndex(x, y, uint8((x/8+y/8+r.IntN(3))%len(palette.WebSafe)))
		}
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// ThreeGP returns an ISO base media file with a 3GPP brand: an ftyp box, a
// free box and an mdat box filled to size bytes. Enough for any receiver
// that stores and forwards video/3gpp; not a playable clip.
func ThreeGP(name string, size int) []byte {
	r := rng(name)
	var b bytes.Buffer
	box := func(typ string, payload []byte) {
		binary.Write(&b, binary.BigEndian, uint32(8+len(payload)))
		b.WriteString(typ)
		b.Write(payload)
	}
	box("ftyp", []byte("3gp4\x00\x00\x02\x003gp4isom3gp5"))
	box("free", nil)
	n := max(0, size-b.Len()-8)
	mdat := make([]byte, n)
	for i := range mdat {
		mdat[i] = byte(r.Uint32())
	}
	box("mdat", mdat)
	return b.Bytes()
}

// AMR returns an AMR-NB file (RFC 4867 storage format): the "#!AMR\n" magic
// and 12.2 kbit/s frames (a 0x3C header and 31 bytes each) up to size bytes.
func AMR(name string, size int) []byte {
	r := rng(name)
	b := []byte("#!AMR\n")
	for len(b)+32 <= max(size, 38) {
		frame := make([]byte, 32)
		frame[0] = 0x3C
		for i := 1; i < 32; i++ {
			frame[i] = byte(r.Uint32())
		}
		b = append(b, frame...)
	}
	return b
}

// SMIL returns a SMIL presentation showing an image and a text, then
// playing an audio clip.
func SMIL(img, txt, audio string) []byte {
	return []byte(`<smil xmlns="http://www.w3.org/2001/SMIL20/Language">
<head><layout><root-layout width="320" height="480"/>
<region id="Image" top="0" left="0" width="320" height="320"/>
<region id="Text" top="320" left="0" width="320" height="160"/></layout></head>
<body><par dur="5000ms"><img src="` + img + `" region="Image"/><text src="` + txt + `" region="Text"/></par>
<par dur="8000ms"><audio src="` + audio + `"/></par></body>
</smil>
`)
}

// Text is a message text in several scripts, with emoji.
const Text = "Hi from the beach! 🌊☀️ Grüße, привет, 你好, مرحبا, שלום, नमस्ते, こんにちは 👋🏽\r\n"

func isqrt(n int) int {
	if n <= 0 {
		return 0
	}
	x := n
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}
