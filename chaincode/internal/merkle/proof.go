package merkle

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// ProofType names the proof op in an abci_query response.
const ProofType = "ledgerml:rfc6962"

// Proof is the JSON data of a ProofType op: an inclusion proof of leaf
// Index in a tree of Size leaves, audit path bottom up, lowercase hex.
type Proof struct {
	Index uint64   `json:"index"`
	Size  uint64   `json:"size"`
	Path  []string `json:"path"`
}

// ProofOf builds the inclusion proof of key, or false when key is absent.
func (t *Tree) ProofOf(key string) (Proof, bool) {
	i, ok := t.Index(key)
	if !ok {
		return Proof{}, false
	}
	path := t.Prove(i)
	p := Proof{Index: uint64(i), Size: uint64(t.Len()), Path: make([]string, len(path))}
	for j, h := range path {
		p.Path[j] = hex.EncodeToString(h[:])
	}
	return p, true
}

// Marshal is the op's data bytes.
func (p Proof) Marshal() []byte {
	raw, _ := json.Marshal(p) // a struct of ints and strings cannot fail
	return raw
}

// ErrProof is returned for every proof that does not verify.
var ErrProof = errors.New("merkle inclusion proof does not verify")

// Verify checks that leaf is at p.Index in the tree of p.Size leaves whose
// root is root (RFC 9162 §2.1.3.2).
func (p Proof) Verify(leaf, root Hash) error {
	if p.Index >= p.Size {
		return fmt.Errorf("%w: index %d outside size %d", ErrProof, p.Index, p.Size)
	}
	fn, sn, r := p.Index, p.Size-1, leaf
	for _, s := range p.Path {
		raw, err := hex.DecodeString(s)
		if err != nil || len(raw) != len(Hash{}) {
			return fmt.Errorf("%w: bad path element %q", ErrProof, s)
		}
		sib := Hash(raw)
		if sn == 0 {
			return fmt.Errorf("%w: path longer than the tree", ErrProof)
		}
		if fn&1 == 1 || fn == sn {
			r = NodeHash(sib, r)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = NodeHash(r, sib)
		}
		fn, sn = fn>>1, sn>>1
	}
	if sn != 0 || r != root {
		return ErrProof
	}
	return nil
}
