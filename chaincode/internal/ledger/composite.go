package ledger

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// compositeSep separates the parts of a composite key. Every composite key
// starts with it, so composite keys never collide with simple keys.
const compositeSep = "\x00"

// ErrCompositePart refuses a part that is not valid UTF-8 or contains the
// separator or U+10FFFF (the range-end marker of the original encoding).
var ErrCompositePart = errors.New("invalid composite key part")

// CompositeKey encodes objectType and attributes the way Fabric's shim does:
// "\x00" objectType "\x00" (attribute "\x00")*. A prefix of attributes
// therefore yields a key prefix, which partial-key scans rely on.
func CompositeKey(objectType string, attributes []string) (string, error) {
	if err := validPart(objectType); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(compositeSep + objectType + compositeSep)
	for _, a := range attributes {
		if err := validPart(a); err != nil {
			return "", err
		}
		b.WriteString(a + compositeSep)
	}
	return b.String(), nil
}

func validPart(s string) error {
	if !utf8.ValidString(s) || strings.Contains(s, compositeSep) || strings.ContainsRune(s, utf8.MaxRune) {
		return ErrCompositePart
	}
	return nil
}
