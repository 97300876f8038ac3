// Package merkle is the RFC 6962 (Certificate Transparency) Merkle tree over
// the application's state entries, sorted by key. Its root is the app hash
// CometBFT puts in every block header; inclusion proofs let a client check a
// value it read against a header signed by the validators.
//
// The tree keeps every level in memory. It is a left-complete tree in which
// an unpaired last node moves up a level unchanged, which is exactly
// RFC 6962's split at the largest power of two below the size. Changing
// existing keys recomputes only their paths; inserting keys recomputes the
// nodes right of the first insertion, so a block costs at most O(n) hashes.
package merkle

import (
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"strings"
)

// Hash is a SHA-256 digest.
type Hash = [sha256.Size]byte

// EmptyRoot is the root of a tree without leaves: SHA-256 of nothing.
var EmptyRoot = Hash(sha256.Sum256(nil))

// LeafHash is the leaf of one state entry:
// SHA-256(0x00 ‖ uvarint(len key) ‖ key ‖ SHA-256(value)).
func LeafHash(key string, value []byte) Hash {
	vh := sha256.Sum256(value)
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+len(key)+len(vh))
	buf = append(buf, 0x00)
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	buf = append(buf, vh[:]...)
	return sha256.Sum256(buf)
}

// NodeHash is an interior node: SHA-256(0x01 ‖ left ‖ right).
func NodeHash(left, right Hash) Hash {
	var buf [1 + 2*sha256.Size]byte
	buf[0] = 0x01
	copy(buf[1:], left[:])
	copy(buf[1+sha256.Size:], right[:])
	return sha256.Sum256(buf[:])
}

// Leaf is one entry to set: its key and LeafHash.
type Leaf struct {
	Key  string
	Hash Hash
}

// Tree is immutable once built: With returns a new tree, so the committed
// tree keeps serving queries while a block computes the next one.
type Tree struct {
	keys   []string
	levels [][]Hash // levels[0] are the leaves; the last level holds the root
}

// Build returns the tree over leaves, which must be sorted by key with no
// duplicates.
func Build(leaves []Leaf) *Tree {
	t := &Tree{keys: make([]string, len(leaves)), levels: [][]Hash{make([]Hash, len(leaves))}}
	for i, l := range leaves {
		t.keys[i], t.levels[0][i] = l.Key, l.Hash
	}
	t.rebuildFrom(nil, 0)
	return t
}

// Len is the number of leaves.
func (t *Tree) Len() int { return len(t.keys) }

// Root is the RFC 6962 tree head.
func (t *Tree) Root() Hash {
	if len(t.keys) == 0 {
		return EmptyRoot
	}
	return t.levels[len(t.levels)-1][0]
}

// Index returns the position of key among the sorted leaves.
func (t *Tree) Index(key string) (int, bool) {
	i := sort.SearchStrings(t.keys, key)
	return i, i < len(t.keys) && t.keys[i] == key
}

// KeysWithPrefix returns the sorted keys that start with prefix.
func (t *Tree) KeysWithPrefix(prefix string) []string {
	lo := sort.SearchStrings(t.keys, prefix)
	hi := lo + sort.Search(len(t.keys)-lo, func(i int) bool { return !strings.HasPrefix(t.keys[lo+i], prefix) })
	return t.keys[lo:hi:hi]
}

// Prove returns the audit path of leaf i, bottom up (RFC 9162 §2.1.3).
func (t *Tree) Prove(i int) []Hash {
	var path []Hash
	for l := 0; l < len(t.levels)-1; l++ {
		if sib := i ^ 1; sib < len(t.levels[l]) {
			path = append(path, t.levels[l][sib])
		}
		i /= 2
	}
	return path
}

// With returns the tree with changes applied. changes must be sorted by key
// without duplicates; a key already present gets a new leaf hash, a new key
// is inserted in order.
func (t *Tree) With(changes []Leaf) *Tree {
	if len(changes) == 0 {
		return t
	}
	inserts := 0
	for _, c := range changes {
		if _, ok := t.Index(c.Key); !ok {
			inserts++
		}
	}
	if inserts == 0 {
		return t.updated(changes)
	}
	return t.inserted(changes, inserts)
}

// updated replaces leaf hashes in place on a copy and recomputes their
// paths only.
func (t *Tree) updated(changes []Leaf) *Tree {
	n := &Tree{keys: t.keys, levels: make([][]Hash, len(t.levels))}
	for l := range t.levels {
		n.levels[l] = append([]Hash(nil), t.levels[l]...)
	}
	dirty := make([]int, 0, len(changes))
	for _, c := range changes {
		i, _ := t.Index(c.Key)
		n.levels[0][i] = c.Hash
		dirty = append(dirty, i)
	}
	for l := 0; l < len(n.levels)-1; l++ {
		below, next := n.levels[l], dirty[:0]
		for _, i := range dirty {
			p := i / 2
			if len(next) > 0 && next[len(next)-1] == p {
				continue
			}
			next = append(next, p)
			n.levels[l+1][p] = parent(below, p)
		}
		dirty = next
	}
	return n
}

// inserted merges new keys into a fresh leaf level and recomputes every
// node right of the first change.
func (t *Tree) inserted(changes []Leaf, inserts int) *Tree {
	size := len(t.keys) + inserts
	n := &Tree{keys: make([]string, 0, size), levels: [][]Hash{make([]Hash, 0, size)}}
	first := -1
	i := 0
	for _, c := range changes {
		for i < len(t.keys) && t.keys[i] < c.Key {
			n.keys, n.levels[0] = append(n.keys, t.keys[i]), append(n.levels[0], t.levels[0][i])
			i++
		}
		if first < 0 {
			first = len(n.keys)
		}
		if i < len(t.keys) && t.keys[i] == c.Key {
			i++
		}
		n.keys, n.levels[0] = append(n.keys, c.Key), append(n.levels[0], c.Hash)
	}
	n.keys = append(n.keys, t.keys[i:]...)
	n.levels[0] = append(n.levels[0], t.levels[0][i:]...)
	n.rebuildFrom(t.levels, first)
	return n
}

// rebuildFrom computes the levels above the leaves. Nodes whose leaves all
// lie left of first are copied from old, which had the same leaves there.
func (t *Tree) rebuildFrom(old [][]Hash, first int) {
	t.levels = t.levels[:1]
	for l := 0; len(t.levels[l]) > 1; l++ {
		below := t.levels[l]
		up := make([]Hash, (len(below)+1)/2)
		first /= 2
		keep := 0
		if l+1 < len(old) {
			keep = min(first, len(old[l+1]))
			copy(up, old[l+1][:keep])
		}
		for p := keep; p < len(up); p++ {
			up[p] = parent(below, p)
		}
		t.levels = append(t.levels, up)
	}
}

// parent is node p of the level above below: the hash of its two children,
// or its only child moved up unchanged.
func parent(below []Hash, p int) Hash {
	if 2*p+1 < len(below) {
		return NodeHash(below[2*p], below[2*p+1])
	}
	return below[2*p]
}
