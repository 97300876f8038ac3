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
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

func code(res *abci.ExecTxResult) *errs.Code {
	for _, c := range errs.Codes() {
		if c.Number() == res.Code {
			return c
		}
	}
	return nil
}

func TestOwnerOnlyWritesAreRefusedForAnotherOrg(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	n.ok(n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1), nil)
	n.ok(n.tx("RequestAccess", args(jsonArg(t, access.RequestInput{RequestID: "r", DatasetID: "cxr", Purpose: access.Train,
		RequestedExpiry: blockTime(n.height).Add(time.Hour)})), c.org2), nil)
	for name, tx := range map[string][]byte{
		"version of another org's dataset": n.tx("RegisterDatasetVersion", versionArgs(t, "cxr", "v1"), c.org2),
		"grant on another org's dataset":   n.tx("GrantAccess", args("r", "{}"), c.org2Admin),
		"deny on another org's dataset":    n.tx("DenyAccess", args("r", "no"), c.org2),
	} {
		t.Run(name, func(t *testing.T) {
			before := n.appHash()
			res := n.exec(tx)
			assert.Equal(t, errs.ForbiddenNotOwner, code(res), res.Log)
			assert.Equal(t, "ledgerml", res.Codespace)
			assert.Regexp(t, `^LML-CC-0004 FORBIDDEN_NOT_OWNER: `, res.Log)
			assert.Empty(t, res.Events)
			assert.Equal(t, before, n.appHash(), "a refused transaction writes nothing")
		})
	}
	var r access.Request
	n.read(&r, "GetAccessRequest", "r")
	assert.Equal(t, access.Pending, r.Status)
}

func TestFailedTransactionLeavesNoWritesButKeepsItsNonce(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	n.ok(n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1), nil)
	before := n.appHash()
	// Transfer fails in the core after nothing: Org1 holds no credits.
	tx := n.tx("Transfer", args("Org2MSP", "5"), c.org1)
	res := n.exec(tx)
	assert.Equal(t, errs.InsufficientBalance, code(res), res.Log)
	assert.Equal(t, before, n.appHash())

	var b body
	var env struct{ Body []byte }
	require.NoError(t, json.Unmarshal(tx, &env))
	require.NoError(t, json.Unmarshal(env.Body, &b))
	q := n.query("/nonce", []byte(`{"msp":"Org1MSP","nonce":"`+b.Nonce+`"}`), false)
	require.Zero(t, q.Code, q.Log)
	assert.JSONEq(t, `{"tx_id":"`+txID(tx)+`","height":`+jsonInt(n.height)+`}`, string(q.Value))
	res = n.exec(tx)
	assert.Equal(t, errs.Replayed, code(res), "the write's outcome is final")
}

func jsonInt(h int64) string {
	raw, _ := json.Marshal(h)
	return string(raw)
}

func TestSameNonceTwiceInOneBlock(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	b := body{ChainID: chainID, Fn: "Probe", Args: []string{}, Nonce: n.nextNonce()}
	first, second := envelope(t, b, c.org1), envelope(t, b, c.org1) // other signatures, other bytes
	require.NotEqual(t, first, second)
	res := n.block(first, second)
	assert.Zero(t, res.TxResults[0].Code)
	assert.Equal(t, errs.Replayed, code(res.TxResults[1]))
	assert.Contains(t, res.TxResults[1].Log, txID(first))
}

func TestBlockRechecksWhatAFaultyProposerLetThrough(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	rogue := newCA(t, "Org1MSP root", nil).leaf(t, "Org1MSP", "admin")
	res := n.block(
		[]byte("not a transaction"),
		envelope(t, body{ChainID: "other", Fn: "Probe", Nonce: n.nextNonce()}, c.org1),
		n.tx("Mint", args("Org1MSP", "1000"), rogue, c.org2Admin),
		n.tx("Mint", args("Org1MSP", "1000"), c.org1Admin),
		n.tx("Transfer", args("Org2MSP", "1"), c.org2Peer),
		n.tx("Probe", nil, c.org1),
	)
	want := []*errs.Code{errs.MalformedTx, errs.WrongChain, errs.Unauthenticated, errs.QuorumNotMet, errs.ForbiddenRole, nil}
	for i, w := range want {
		assert.Equal(t, w, code(res.TxResults[i]), "tx %d: %s", i, res.TxResults[i].Log)
	}
	var supply credits.Supply
	n.read(&supply, "GetSupply")
	assert.Zero(t, supply.TotalMinted)
}

// Two writers of one key in one block both apply, in block order, and a
// second creation of the same record fails the same way on every node.
func TestConcurrentWritersInOneBlockAreDeterministic(t *testing.T) {
	c := newConsortium(t)
	a, b := newNode(t, c), newNode(t, c)
	mint := a.tx("Mint", args("Org2MSP", "10"), c.org1Admin, c.org2Admin)
	blocks := [][][]byte{
		{mint},
		{
			a.tx("Transfer", args("Org1MSP", "4"), c.org2),
			a.tx("Transfer", args("Org1MSP", "5"), c.org2),
			a.tx("Transfer", args("Org1MSP", "3"), c.org2), // 1 left: refused
			a.tx("RegisterDataset", registerArgs(t, "same", 1), c.org1),
			a.tx("RegisterDataset", registerArgs(t, "same", 2), c.org2),
		},
	}
	var results [2][]*abci.ExecTxResult
	for i, n := range []*node{a, b} {
		for _, blk := range blocks {
			res := n.block(blk...)
			results[i] = res.TxResults
		}
	}
	assert.Equal(t, results[0], results[1])
	assert.Equal(t, a.appHash(), b.appHash())
	got := []*errs.Code{code(results[0][0]), code(results[0][1]), code(results[0][2]), code(results[0][3]), code(results[0][4])}
	assert.Equal(t, []*errs.Code{nil, nil, errs.InsufficientBalance, nil, errs.AlreadyExists}, got)
	var bal credits.Account
	a.read(&bal, "GetBalance", "Org2MSP")
	assert.Equal(t, uint64(1), bal.Balance)
	var d datasets.Dataset
	a.read(&d, "GetDataset", "same")
	assert.Equal(t, "Org1MSP", d.Owner)
}

func TestProbeWritesOnlyItsReplayRecord(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	n.ok(n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1), nil)
	before := n.appHash()
	res := n.exec(n.tx("Probe", args("ready?"), c.org2Peer))
	require.Zero(t, res.Code, res.Log)
	assert.Empty(t, res.Events)
	assert.Equal(t, before, n.appHash())
}

func TestLifecycleErrors(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	// Before InitChain nothing runs.
	bare := &node{t: t, c: c, dir: t.TempDir()}
	bare.start(nil)
	_, err := bare.finalize()
	assert.Error(t, err)
	assert.Equal(t, errs.Internal.Number(), bare.check(n.tx("Probe", nil, c.org1)).Code)
	_, err = bare.app.Commit(ctx, &abci.RequestCommit{})
	assert.Error(t, err, "commit without a finalized block")
	_, err = bare.app.InitChain(ctx, &abci.RequestInitChain{ChainId: chainID, AppStateBytes: []byte(`{"msps":[]}`)})
	assert.ErrorContains(t, err, "no member msp")
	_, err = bare.app.InitChain(ctx, &abci.RequestInitChain{ChainId: chainID, AppStateBytes: []byte(`nope`)})
	assert.Error(t, err)

	info, err := n.app.Info(ctx, &abci.RequestInfo{})
	require.NoError(t, err)
	assert.Equal(t, &abci.ResponseInfo{Data: "ledgerml", Version: "test", AppVersion: 1}, info)
	n.block()
	info, err = n.app.Info(ctx, &abci.RequestInfo{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), info.LastBlockHeight)
	assert.Len(t, info.LastBlockAppHash, 32)
}

func TestMSPConfigIsValidated(t *testing.T) {
	c := newConsortium(t)
	bad := []string{
		`{"msps":[{"msp_id":"Org1 MSP","role":"member","root_certs":["x"]}]}`,
		`{"msps":[{"msp_id":"Org1MSP","role":"king","root_certs":["x"]}]}`,
		`{"msps":[{"msp_id":"Org1MSP","role":"member","root_certs":[]}]}`,
		`{"msps":[{"msp_id":"Org1MSP","role":"member","root_certs":["not pem"]}]}`,
	}
	good := c.state.MSPs[0]
	dup, _ := json.Marshal(map[string]any{"msps": []any{good, good}})
	bad = append(bad, string(dup))
	for _, raw := range bad {
		n := &node{t: t, c: c, dir: t.TempDir()}
		n.start(nil)
		_, err := n.app.InitChain(ctx, &abci.RequestInitChain{ChainId: chainID, AppStateBytes: []byte(raw)})
		assert.Error(t, err, raw)
	}
}

func TestPEMBundlesAreAccepted(t *testing.T) {
	c := newConsortium(t)
	cfg := c.state.MSPs[1] // Org2MSP: root and intermediate in one entry
	cfg.RootCerts = []string{cfg.RootCerts[0] + "\n" + pemOf(c.cas["Org1MSP"].cert)}
	c.state.MSPs[1] = cfg
	n := newNode(t, c)
	n.ok(n.tx("Probe", nil, c.org2), nil)
	n.ok(n.tx("Probe", nil, c.org1), nil)
	bad := c.state.MSPs[0]
	bad.RootCerts = []string{pemOf(c.cas["Org1MSP"].cert) + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}
	c.state.MSPs[0] = bad
	m := &node{t: t, c: c, dir: t.TempDir()}
	m.start(nil)
	_, err := m.app.InitChain(ctx, &abci.RequestInitChain{ChainId: chainID, AppStateBytes: appState(t, c)})
	assert.Error(t, err)
}
