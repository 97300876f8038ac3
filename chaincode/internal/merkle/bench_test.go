package merkle_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

// blockOf100k is the worst case the application must absorb per block: a
// 100k-entry state and a block inserting keys at the very start (every
// node recomputed) plus updates spread over the whole tree.
func blockOf100k() (*merkle.Tree, []merkle.Leaf) {
	leaves := make([]merkle.Leaf, 100_000)
	for i := range leaves {
		k := fmt.Sprintf("\x00lml.key\x00%08d\x00", i*2+1)
		leaves[i] = merkle.Leaf{Key: k, Hash: merkle.LeafHash(k, []byte(k))}
	}
	tree := merkle.Build(leaves)
	var changes []merkle.Leaf
	for i := 0; i < 1000; i++ {
		k := fmt.Sprintf("\x00lml.key\x00%08d\x00", i*200) // even: new keys
		changes = append(changes, merkle.Leaf{Key: k, Hash: merkle.LeafHash(k, nil)})
	}
	return tree, changes
}

func BenchmarkBlockOf100k(b *testing.B) {
	tree, changes := blockOf100k()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = tree.With(changes).Root()
	}
}

func TestBlockOf100kIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	tree, changes := blockOf100k()
	start := time.Now()
	_ = tree.With(changes).Root()
	// Generous for a shared 2-core machine and the race detector; typical
	// is a few tens of milliseconds.
	assert.Less(t, time.Since(start), 500*time.Millisecond)
}
