package merkle_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

// RFC 6962 reference data (the Certificate Transparency test vectors, also
// in services/shared/tests/rfc6962_vectors.json): leaf i hashes entry i.
var (
	entries = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	roots   = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	proof5of8 = []string{
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	}
)

func vectorLeaves(t *testing.T, n int) []merkle.Leaf {
	leaves := make([]merkle.Leaf, n)
	for i := range leaves {
		raw, err := hex.DecodeString(entries[i])
		require.NoError(t, err)
		leaves[i] = merkle.Leaf{Key: fmt.Sprintf("k%02d", i), Hash: sha256.Sum256(append([]byte{0}, raw...))}
	}
	return leaves
}

func hexOf(h merkle.Hash) string { return hex.EncodeToString(h[:]) }

func TestRFC6962Roots(t *testing.T) {
	for n := 0; n <= len(entries); n++ {
		assert.Equal(t, roots[n], hexOf(merkle.Build(vectorLeaves(t, n)).Root()), "size %d", n)
	}
}

func TestRFC6962InclusionProof(t *testing.T) {
	leaves := vectorLeaves(t, 8)
	tree := merkle.Build(leaves)
	p, ok := tree.ProofOf("k05")
	require.True(t, ok)
	assert.Equal(t, merkle.Proof{Index: 5, Size: 8, Path: proof5of8}, p)
	require.NoError(t, p.Verify(leaves[5].Hash, tree.Root()))
	assert.ErrorIs(t, p.Verify(leaves[4].Hash, tree.Root()), merkle.ErrProof)
	_, ok = tree.ProofOf("nope")
	assert.False(t, ok)
	assert.JSONEq(t, `{"index":5,"size":8,"path":["`+proof5of8[0]+`","`+proof5of8[1]+`","`+proof5of8[2]+`"]}`, string(p.Marshal()))
}

func TestEveryProofVerifiesAtEverySize(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := randomLeaves(n, uint64(n))
		tree := merkle.Build(leaves)
		for i, l := range leaves {
			p, ok := tree.ProofOf(l.Key)
			require.True(t, ok)
			require.Equal(t, uint64(i), p.Index)
			require.NoError(t, p.Verify(l.Hash, tree.Root()), "leaf %d of %d", i, n)
		}
	}
}

func TestBadProofs(t *testing.T) {
	leaves := randomLeaves(5, 1)
	tree := merkle.Build(leaves)
	p, _ := tree.ProofOf(leaves[2].Key)
	bad := []merkle.Proof{
		{Index: 5, Size: 5, Path: p.Path},
		{Index: 2, Size: 5, Path: append([]string{"zz"}, p.Path[1:]...)},
		{Index: 2, Size: 5, Path: append(append([]string{}, p.Path...), p.Path[0])},
		{Index: 2, Size: 5, Path: p.Path[:1]},
	}
	for _, b := range bad {
		assert.ErrorIs(t, b.Verify(leaves[2].Hash, tree.Root()), merkle.ErrProof)
	}
}

func TestLeafHashEncoding(t *testing.T) {
	v := sha256.Sum256([]byte("value"))
	want := sha256.Sum256(append([]byte{0x00, 3, 'k', 'e', 'y'}, v[:]...))
	assert.Equal(t, want, merkle.LeafHash("key", []byte("value")))
	assert.Equal(t, roots[0], hexOf(merkle.Build(nil).Root()))
}

func randomLeaves(n int, seed uint64) []merkle.Leaf {
	r := rand.New(rand.NewPCG(seed, 7))
	seen := map[string]bool{}
	leaves := make([]merkle.Leaf, 0, n)
	for len(leaves) < n {
		k := fmt.Sprintf("key-%08d", r.IntN(100*n+100))
		if seen[k] {
			continue
		}
		seen[k] = true
		leaves = append(leaves, merkle.Leaf{Key: k, Hash: merkle.LeafHash(k, []byte(k))})
	}
	sort.Slice(leaves, func(i, j int) bool { return leaves[i].Key < leaves[j].Key })
	return leaves
}

// merge applies changes to leaves the slow way, as the reference.
func merge(leaves, changes []merkle.Leaf) []merkle.Leaf {
	byKey := map[string]merkle.Hash{}
	for _, l := range leaves {
		byKey[l.Key] = l.Hash
	}
	for _, c := range changes {
		byKey[c.Key] = c.Hash
	}
	out := make([]merkle.Leaf, 0, len(byKey))
	for k, h := range byKey {
		out = append(out, merkle.Leaf{Key: k, Hash: h})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func TestWithMatchesRebuild(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		leaves := randomLeaves(r.IntN(70), seed)
		tree := merkle.Build(leaves)
		for round := 0; round < 4; round++ {
			var changes []merkle.Leaf
			for _, l := range leaves {
				if r.IntN(5) == 0 {
					changes = append(changes, merkle.Leaf{Key: l.Key, Hash: merkle.LeafHash(l.Key, []byte{byte(round)})})
				}
			}
			if r.IntN(2) == 0 {
				changes = merge(changes, randomLeaves(r.IntN(6)+1, seed*100+uint64(round)))
			}
			next := tree.With(changes)
			leaves = merge(leaves, changes)
			want := merkle.Build(leaves)
			require.Equal(t, want.Root(), next.Root(), "seed %d round %d", seed, round)
			require.Equal(t, len(leaves), next.Len())
			for i, l := range leaves {
				require.Equal(t, want.Prove(i), next.Prove(i))
				j, ok := next.Index(l.Key)
				require.True(t, ok)
				require.Equal(t, i, j)
			}
			tree = next
		}
	}
}

func TestWithLeavesTheOldTreeIntact(t *testing.T) {
	leaves := randomLeaves(10, 9)
	tree := merkle.Build(leaves)
	root := tree.Root()
	_ = tree.With([]merkle.Leaf{{Key: leaves[3].Key, Hash: merkle.Hash{1}}})
	_ = tree.With([]merkle.Leaf{{Key: "a-new-key", Hash: merkle.Hash{2}}})
	assert.Equal(t, root, tree.Root())
	assert.Same(t, tree, tree.With(nil))
}

func TestKeysWithPrefix(t *testing.T) {
	tree := merkle.Build([]merkle.Leaf{{Key: "a"}, {Key: "b\x00"}, {Key: "b\x00x"}, {Key: "b\x01"}, {Key: "c"}})
	assert.Equal(t, []string{"b\x00", "b\x00x"}, tree.KeysWithPrefix("b\x00"))
	assert.Empty(t, tree.KeysWithPrefix("d"))
	assert.Len(t, tree.KeysWithPrefix(""), 5)
}
