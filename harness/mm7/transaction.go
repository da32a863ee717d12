package mm7

import (
	"crypto/rand"
	"encoding/hex"
)

// NewTransactionID returns a fresh TransactionID in the form Vibes sends:
// 16 lowercase hexadecimal digits (e.g. becc3e4a6e065bd6). The TransactionID
// is the SOAP header entry of every MM7 message (TS 23.140 8.7; XSD element
// TransactionID); a response echoes the request's.
func NewTransactionID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mm7: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b[:])
}

// IsVibesTransactionID reports whether id has the form Vibes sends.
func IsVibesTransactionID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
