package receive_test

import (
	"testing"
	"time"

	"github.com/mm7harness/mm7harness/corpus"
	"github.com/mm7harness/mm7harness/harness/receive"
	"github.com/mm7harness/mm7harness/harness/xsd"
)

// BenchmarkReadHTTP is the receiver's work per message before it stores
// anything: HTTP head, MIME, the SOAP part validated and decoded, on the
// corpus messages the receiver's own benchmarks send.
func BenchmarkReadHTTP(b *testing.B) {
	schemas, err := xsd.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range []string{"680-mo-size-1k", "680-dlr-retrieved", "680-mo-jpeg", "550-mo-seed"} {
		b.Run(id, func(b *testing.B) {
			c, err := corpus.Get(id)
			if err != nil {
				b.Skip(err)
			}
			raw, _, err := c.Stamp(time.Now())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := receive.ReadHTTP(raw, receive.Options{Schemas: schemas, Forgive: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
