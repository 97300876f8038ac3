package abciapp_test

import (
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/merkle"
)

// history builds a few blocks of mixed, partly refused transactions.
func history(t *testing.T, c *consortium, n *node) [][][]byte {
	return [][][]byte{
		{n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1), n.tx("RegisterDataset", registerArgs(t, "mri", 60), c.org1)},
		{n.tx("Mint", args("Org2MSP", "500"), c.org1Admin, c.org2Admin), n.tx("Probe", nil, c.org2Peer)},
		{
			n.tx("RequestAccess", args(jsonArg(t, access.RequestInput{RequestID: "r1", DatasetID: "cxr", Purpose: access.Train,
				RequestedExpiry: t0.Add(48 * time.Hour)})), c.org2),
			n.tx("Transfer", args("Org1MSP", "7"), c.org2),
			n.tx("DenyAccess", args("r1", "no"), c.org2), // refused: not the owner
		},
		{n.tx("GrantAccess", args("r1", "{}"), c.org1), n.tx("AnchorAuditRoot", args("audit", "3", hex64("r3")), c.org3)},
	}
}

func TestTwoInstancesFedTheSameBlocksAgree(t *testing.T) {
	c := newConsortium(t)
	a, b := newNode(t, c), newNode(t, c)
	for i, blk := range history(t, c, a) {
		ra, rb := a.block(blk...), b.block(blk...)
		require.Equal(t, ra.AppHash, rb.AppHash, "block %d", i+1)
		require.Equal(t, ra.TxResults, rb.TxResults, "block %d", i+1)
		assert.Equal(t, ra.AppHash, a.appHash())
	}
}

func TestRestartFromTheDatabase(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	blocks := history(t, c, n)
	for _, blk := range blocks {
		n.block(blk...)
	}
	hash, height := n.appHash(), n.height
	n.restart(nil)
	assert.Equal(t, height, n.height, "Info reports the last committed height")
	assert.Equal(t, hash, n.appHash())
	var bal credits.Account
	n.read(&bal, "GetBalance", "Org1MSP")
	assert.Equal(t, uint64(7), bal.Balance)
	// The restarted node keeps going and still refuses replays.
	n.ok(n.tx("Probe", nil, c.org1), nil)
	assert.Equal(t, errs.Replayed.Number(), n.check(blocks[0][0]).Code)
	assert.Equal(t, errs.Replayed, code(n.exec(blocks[0][0])))
}

// A crash after FinalizeBlock and before Commit loses the block; CometBFT
// replays it from Info's height and gets the same app hash.
func TestCrashBetweenFinalizeAndCommit(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	blocks := history(t, c, n)
	for _, blk := range blocks[:2] {
		n.block(blk...)
	}
	committed := n.appHash()
	res, err := n.finalize(blocks[2]...)
	require.NoError(t, err)
	n.restart(nil)
	assert.Equal(t, int64(2), n.height)
	assert.Equal(t, committed, n.appHash())
	replayed := n.block(blocks[2]...)
	assert.Equal(t, res.AppHash, replayed.AppHash)
	assert.Equal(t, res.TxResults, replayed.TxResults, "replayed nonces were not recorded by the lost block")
}

func TestKeyProofVerifiesAgainstTheAppHash(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	var last []byte
	for _, blk := range history(t, c, n) {
		last = n.block(blk...).AppHash
	}
	key := "\x00lml.dataset\x00cxr\x00"
	res := n.query("/key", []byte(key), true)
	require.Zero(t, res.Code, res.Log)
	assert.Equal(t, n.height, res.Height)
	require.NotNil(t, res.ProofOps)
	require.Len(t, res.ProofOps.Ops, 1)
	op := res.ProofOps.Ops[0]
	assert.Equal(t, "ledgerml:rfc6962", op.Type)
	assert.Equal(t, []byte(key), op.Key)
	var p merkle.Proof
	require.NoError(t, json.Unmarshal(op.Data, &p))
	require.NoError(t, p.Verify(merkle.LeafHash(key, res.Value), merkle.Hash(last)),
		"the root is the app hash FinalizeBlock returned for this height (header height+1)")
	assert.ErrorIs(t, p.Verify(merkle.LeafHash(key, []byte("forged")), merkle.Hash(last)), merkle.ErrProof)

	// Key owners are state entries too, under 0xff.
	owner := n.query("/key", []byte("\xffowner/"+key), true)
	require.Zero(t, owner.Code, owner.Log)
	assert.JSONEq(t, `["Org1MSP"]`, string(owner.Value))

	plain := n.query("/key", []byte(key), false)
	assert.Nil(t, plain.ProofOps)
	assert.Equal(t, res.Value, plain.Value)
	missing := n.query("/key", []byte("\x00lml.dataset\x00nope\x00"), true)
	assert.Equal(t, errs.NotFound.Number(), missing.Code)
	assert.Equal(t, "ledgerml", missing.Codespace)
}

func TestQueryRefusals(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	n.block()
	for name, q := range map[string]struct {
		path, data string
		want       *errs.Code
	}{
		"unknown path":      {"/store", "", errs.InvalidArgument},
		"bad evaluate json": {"/evaluate", "{", errs.InvalidArgument},
		"extra field":       {"/evaluate", `{"fn":"ListDatasets","args":[],"msp":"Org1MSP"}`, errs.InvalidArgument},
		"submit function":   {"/evaluate", `{"fn":"Mint","args":["a","1"]}`, errs.InvalidArgument},
		"unknown function":  {"/evaluate", `{"fn":"Nope"}`, errs.InvalidArgument},
		"wrong arity":       {"/evaluate", `{"fn":"GetBalance","args":[]}`, errs.InvalidArgument},
		"bad argument":      {"/evaluate", `{"fn":"GetAnchor","args":["l","-1"]}`, errs.InvalidArgument},
		"trailing data":     {"/evaluate", `{"fn":"ListDatasets"} []`, errs.InvalidArgument},
		"bad nonce json":    {"/nonce", `[]`, errs.InvalidArgument},
		"unknown nonce":     {"/nonce", `{"msp":"Org1MSP","nonce":"00000000000000000000000000000000"}`, errs.NotFound},
	} {
		t.Run(name, func(t *testing.T) {
			res := n.query(q.path, []byte(q.data), false)
			assert.Equal(t, q.want.Number(), res.Code, res.Log)
			assert.Equal(t, "ledgerml", res.Codespace)
			assert.Equal(t, int64(1), res.Height)
		})
	}
	res, err := n.app.Query(ctx, &abci.RequestQuery{Path: "/evaluate", Data: []byte(`{"fn":"ListDatasets"}`), Height: 7})
	require.NoError(t, err)
	assert.Equal(t, errs.InvalidArgument.Number(), res.Code, "historical heights are not served")
	res, err = n.app.Query(ctx, &abci.RequestQuery{Path: "/evaluate", Data: []byte(`{"fn":"ListDatasets"}`), Height: 1})
	require.NoError(t, err)
	assert.Zero(t, res.Code, res.Log)
	assert.JSONEq(t, `[]`, string(res.Value))
}
