package mutate

import "math/rand/v2"

var byteOps = []*Op{
	{Name: "bytes/flip", Layer: LayerBytes, Desc: "1 to 8 bytes of one part (or of the body) replaced at random",
		apply: func(m *Message, r *rand.Rand) bool {
			b := &m.Body
			if m.Multipart && len(m.Parts) > 0 {
				b = &m.Parts[r.IntN(len(m.Parts))].Body
			}
			if len(*b) == 0 {
				return false
			}
			for range 1 + r.IntN(8) {
				(*b)[r.IntN(len(*b))] = byte(r.IntN(256))
			}
			return true
		}},
	{Name: "bytes/cut-head", Layer: LayerBytes, Framing: true, Desc: "the request cut inside its head, then the connection half-closed",
		apply: func(m *Message, r *rand.Rand) bool {
			m.CutHead = 1 + r.IntN(len(m.RequestLine)+40)
			return true
		}},
	{Name: "bytes/cut-body", Layer: LayerBytes, Framing: true, Desc: "the body cut short of the length the head declares, then the connection half-closed",
		apply: func(m *Message, r *rand.Rand) bool {
			n := len(m.renderBody())
			if n < 2 {
				return false
			}
			m.CutBody = 1 + r.IntN(n-1)
			return true
		}},
}
