// Command nullserver is the receiver benchmark's baseline: an HTTP server
// that reads each request's body and answers 200, nothing else. It runs in
// its own process, pinned to a core as the receiver is, so that the two
// are measured alike.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "where to listen")
	flag.Parse()
	err := http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	fmt.Fprintln(os.Stderr, "nullserver:", err)
	os.Exit(1)
}
