package mockvibes

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadResponse: whatever an endpoint sends, reading its answer does
// not panic and keeps no more than the limits allow.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nA\r\n7fffffffffffffff\r\nBBBB",
		"HTTP/1.0 500 Oops\r\n\r\nbody until close",
		"HTTP/1.1 204 No Content\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	lim := ResponseLimits{MaxHeaderBytes: 512, MaxBody: 256, MaxInterim: 4}
	f.Fuzz(func(t *testing.T, in []byte) {
		rsp, err := readResponse(bufio.NewReaderSize(bytes.NewReader(in), 64<<10), lim)
		if rsp == nil {
			t.Fatalf("no response value (err %v)", err)
		}
		if len(rsp.raw) > lim.MaxHeaderBytes*(lim.MaxInterim+2)+2*lim.MaxBody+2*maxChunkLine {
			t.Fatalf("kept %d bytes", len(rsp.raw))
		}
		if len(rsp.body) > lim.MaxBody {
			t.Fatalf("body of %d bytes over the limit", len(rsp.body))
		}
		if err == nil && (rsp.status < 200 && rsp.status != 101) {
			t.Fatalf("a final answer with status %d", rsp.status)
		}
	})
}
