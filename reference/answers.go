package reference

import (
	"bytes"
	"sync"

	"github.com/mm7harness/mm7harness/harness/mm7"
)

// successAnswers keeps the success answers the receiver gives, encoded
// once per kind of answer with the TransactionID cut out: the answers to
// one kind of request in one flavour differ in nothing else, and encoding
// each one afresh was a twentieth of the receiver's time per message.
type successAnswers struct {
	mu sync.RWMutex
	m  map[answerKey]answerTemplate
}

type answerKey struct {
	kind    mm7.Kind
	flavour string
	release mm7.Release
	version string
}

// An answer is head, the TransactionID, tail.
type answerTemplate struct{ head, tail []byte }

// answerTemplates bounds the cache. The keys come from the peer's request
// but only in shapes the encoder accepts (kinds, flavours, namespaces and
// MM7Versions it knows), so the bound is a guard, not a limit met.
const answerTemplates = 64

// tidMark stands for the TransactionID while a template is encoded.
const tidMark = "mm7harness-answer-transaction-id"

// encode gives what mm7.Encode gives for env, from the template when the
// TransactionID needs no escaping.
func (a *successAnswers) encode(env *mm7.Envelope) ([]byte, error) {
	if !plainText(env.TransactionID) {
		return mm7.Encode(env)
	}
	key := answerKey{kind: env.Message.Kind(), flavour: env.Flavour.Name, release: env.Release,
		version: mm7.MM7VersionOf(env.Message)}
	a.mu.RLock()
	t, ok := a.m[key]
	n := len(a.m)
	a.mu.RUnlock()
	if !ok {
		if n >= answerTemplates {
			return mm7.Encode(env)
		}
		marked := *env
		marked.TransactionID = tidMark
		b, err := mm7.Encode(&marked)
		if err != nil {
			return nil, err
		}
		i := bytes.Index(b, []byte(tidMark))
		if i < 0 || bytes.Count(b, []byte(tidMark)) != 1 {
			return mm7.Encode(env)
		}
		t = answerTemplate{head: b[:i], tail: b[i+len(tidMark):]}
		a.mu.Lock()
		if a.m == nil {
			a.m = make(map[answerKey]answerTemplate)
		}
		if len(a.m) < answerTemplates {
			a.m[key] = t
		}
		a.mu.Unlock()
	}
	out := make([]byte, 0, len(t.head)+len(env.TransactionID)+len(t.tail))
	out = append(append(append(out, t.head...), env.TransactionID...), t.tail...)
	return out, nil
}

// plainText reports whether s is written into XML text as it is: printable
// ASCII that no encoder escapes.
func plainText(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x21 || c > 0x7e, c == '<', c == '>', c == '&', c == '"', c == '\'':
			return false
		}
	}
	return true
}
