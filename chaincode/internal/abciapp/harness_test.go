package abciapp_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/abciapp"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
	"github.com/ledgerml/ledgerml/chaincode/internal/upgrade"
)

const chainID = "ledgerml-test"

var ctx = context.Background()

// node is one application instance driven the way CometBFT drives it.
type node struct {
	t      *testing.T
	c      *consortium
	dir    string
	app    *abciapp.App
	height int64
	nonces int
}

func appState(t *testing.T, c *consortium) []byte {
	raw, err := json.Marshal(c.state)
	require.NoError(t, err)
	return raw
}

// newNode starts a fresh application and runs InitChain.
func newNode(t *testing.T, c *consortium) *node {
	n := &node{t: t, c: c, dir: t.TempDir()}
	n.start(nil)
	_, err := n.app.InitChain(ctx, &abci.RequestInitChain{Time: t0, ChainId: chainID, AppStateBytes: appState(t, c), InitialHeight: 1})
	require.NoError(t, err)
	return n
}

// start opens the application over the node's directory.
func (n *node) start(known []upgrade.Migration) {
	db, err := dbm.NewGoLevelDB("ledgerml", n.dir)
	require.NoError(n.t, err)
	store, err := kvstore.Open(db)
	require.NoError(n.t, err)
	n.app, err = abciapp.New(store, abciapp.Config{Version: "test", Upgrades: known})
	require.NoError(n.t, err)
	n.t.Cleanup(func() { _ = n.app.Close() })
}

// restart stops the application and opens it again, as after a crash.
func (n *node) restart(known []upgrade.Migration) {
	require.NoError(n.t, n.app.Close())
	n.start(known)
	info, err := n.app.Info(ctx, &abci.RequestInfo{})
	require.NoError(n.t, err)
	n.height = info.LastBlockHeight
}

func blockTime(h int64) time.Time { return t0.Add(time.Duration(h) * 5 * time.Second) }

// finalize runs FinalizeBlock for the next height without committing.
func (n *node) finalize(txs ...[]byte) (*abci.ResponseFinalizeBlock, error) {
	return n.app.FinalizeBlock(ctx, &abci.RequestFinalizeBlock{Txs: txs, Height: n.height + 1, Time: blockTime(n.height + 1)})
}

// block finalizes and commits the next block.
func (n *node) block(txs ...[]byte) *abci.ResponseFinalizeBlock {
	n.t.Helper()
	res, err := n.finalize(txs...)
	require.NoError(n.t, err)
	_, err = n.app.Commit(ctx, &abci.RequestCommit{})
	require.NoError(n.t, err)
	n.height++
	return res
}

// exec commits one transaction in its own block and returns its result.
func (n *node) exec(tx []byte) *abci.ExecTxResult {
	n.t.Helper()
	return n.block(tx).TxResults[0]
}

// ok commits one transaction that must succeed and decodes its result.
func (n *node) ok(tx []byte, out any) {
	n.t.Helper()
	res := n.exec(tx)
	require.Equal(n.t, uint32(0), res.Code, res.Log)
	if out != nil {
		require.NoError(n.t, json.Unmarshal(res.Data, out))
	}
}

func (n *node) check(tx []byte) *abci.ResponseCheckTx {
	res, err := n.app.CheckTx(ctx, &abci.RequestCheckTx{Tx: tx, Type: abci.CheckTxType_New})
	require.NoError(n.t, err)
	return res
}

func (n *node) query(path string, data []byte, prove bool) *abci.ResponseQuery {
	res, err := n.app.Query(ctx, &abci.RequestQuery{Path: path, Data: data, Prove: prove})
	require.NoError(n.t, err)
	return res
}

// evaluate runs an /evaluate query and returns the response.
func (n *node) evaluate(fn string, args ...string) *abci.ResponseQuery {
	raw, err := json.Marshal(abciapp.EvaluateRequest{Fn: fn, Args: args})
	require.NoError(n.t, err)
	return n.query(abciapp.PathEvaluate, raw, false)
}

// read evaluates and decodes a successful result.
func (n *node) read(out any, fn string, args ...string) {
	n.t.Helper()
	res := n.evaluate(fn, args...)
	require.Equal(n.t, uint32(0), res.Code, res.Log)
	require.NoError(n.t, json.Unmarshal(res.Value, out))
}

func (n *node) nextNonce() string {
	n.nonces++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s nonce %d", n.dir, n.nonces)))
	return hex.EncodeToString(sum[:16])
}

// body is the signed part of a transaction.
type body struct {
	ChainID string   `json:"chain_id"`
	Fn      string   `json:"fn"`
	Args    []string `json:"args"`
	Nonce   string   `json:"nonce"`
}

type signature struct {
	MSP  string `json:"msp"`
	Cert string `json:"cert"`
	Sig  string `json:"sig"`
}

// envelope builds transaction bytes the way the Python adapter does.
func envelope(t *testing.T, b body, signers ...*identity) []byte {
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	sigs := make([]signature, len(signers))
	for i, s := range signers {
		sigs[i] = signature{MSP: s.msp, Cert: base64.StdEncoding.EncodeToString(s.der), Sig: base64.StdEncoding.EncodeToString(s.sign(t, raw))}
	}
	tx, err := json.Marshal(map[string]any{"body": base64.StdEncoding.EncodeToString(raw), "signatures": sigs})
	require.NoError(t, err)
	return tx
}

// tx is a transaction of fn signed by signers (the first submits) with a
// fresh nonce.
func (n *node) tx(fn string, args []string, signers ...*identity) []byte {
	return envelope(n.t, body{ChainID: chainID, Fn: fn, Args: args, Nonce: n.nextNonce()}, signers...)
}

func args(a ...string) []string { return a }

func jsonArg(t *testing.T, v any) string {
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}

func hex64(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// appHash is the last committed app hash reported by Info.
func (n *node) appHash() []byte {
	info, err := n.app.Info(ctx, &abci.RequestInfo{})
	require.NoError(n.t, err)
	return info.LastBlockAppHash
}

// txID is CometBFT's transaction hash.
func txID(tx []byte) string {
	sum := sha256.Sum256(tx)
	return hex.EncodeToString(sum[:])
}
