package abciapp_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/anchors"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/training"
	"github.com/ledgerml/ledgerml/chaincode/internal/dispatch"
)

func registerArgs(t *testing.T, id string, price uint64) []string {
	return args(jsonArg(t, datasets.RegisterInput{ID: id, Metadata: `{"name":"x"}`, Terms: "research", PricePerJob: price}))
}

func versionArgs(t *testing.T, id, v string) []string {
	return args(jsonArg(t, datasets.VersionInput{DatasetID: id, Version: v, MerkleRoot: hex64(id + v), SizeBytes: 10, ChunkCount: 1, SchemaHash: hex64("s")}))
}

func attrs(ev abci.Event) map[string]string {
	m := map[string]string{}
	for _, a := range ev.Attributes {
		m[a.Key] = a.Value
		if a.Key != "payload" {
			if !a.Index {
				m[a.Key] += " (not indexed)"
			}
		}
	}
	return m
}

// TestSeedScenario runs the demo's ledger writes through the application
// with the argument shapes the Python services send.
func TestSeedScenario(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)

	tx := n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1)
	res := n.exec(tx)
	require.Equal(t, uint32(0), res.Code, res.Log)
	var d datasets.Dataset
	require.NoError(t, json.Unmarshal(res.Data, &d))
	assert.Equal(t, "Org1MSP", d.Owner)
	assert.Equal(t, blockTime(n.height), d.CreatedAt, "timestamps are block times")
	assert.Equal(t, txID(tx), d.TxID, "tx id = sha256 of the tx bytes")
	require.Len(t, res.Events, 1)
	ev := attrs(res.Events[0])
	assert.Equal(t, "DatasetRegistered", res.Events[0].Type)
	assert.Equal(t, map[string]string{"tx_id": d.TxID, "msp": "Org1MSP", "fn": "RegisterDataset", "payload": string(res.Data), "dataset_id": "cxr"}, ev)

	n.ok(n.tx("RegisterDatasetVersion", versionArgs(t, "cxr", "v1"), c.org1), nil)
	expiry := blockTime(n.height).Add(30 * 24 * time.Hour)
	n.ok(n.tx("RequestAccess", args(jsonArg(t, map[string]string{
		"request_id": "req-1", "dataset_id": "cxr", "purpose": "train", "algorithm_code_hash": "",
		"requested_expiry": expiry.Format(time.RFC3339)})), c.org2), nil)
	res = n.exec(n.tx("GrantAccess", args("req-1", jsonArg(t, map[string]any{
		"expires_at": expiry.Format(time.RFC3339), "max_jobs": 1, "compute_only": true})), c.org1))
	require.Equal(t, uint32(0), res.Code, res.Log)
	assert.Equal(t, "AccessGranted", res.Events[0].Type)
	assert.Equal(t, "req-1", attrs(res.Events[0])["request_id"])
	assert.Equal(t, "cxr", attrs(res.Events[0])["dataset_id"])

	var dec access.Decision
	n.read(&dec, "CheckAccess", "Org2MSP", "cxr", "train")
	assert.True(t, dec.Allowed)
	assert.Equal(t, "req-1", dec.RequestID)

	n.ok(n.tx("Mint", args("Org2MSP", "500"), c.org1Admin, c.org2Admin), nil)
	var bal credits.Account
	n.read(&bal, "GetBalance", "Org2MSP")
	assert.Equal(t, uint64(500), bal.Balance)

	n.ok(n.tx("RequestTraining", args(jsonArg(t, map[string]any{
		"job_id": "job-1", "datasets": []map[string]string{{"dataset_id": "cxr", "version": "v1"}},
		"algorithm":            map[string]string{"name": "resnet", "code_hash": hex64("code")},
		"hyperparameters_hash": hex64("hp"), "deposit": 100})), c.org2), nil)
	res = n.exec(n.tx("AcceptTraining", args("job-1"), c.org1))
	require.Equal(t, uint32(0), res.Code, res.Log)
	assert.Equal(t, "job-1", attrs(res.Events[0])["job_id"], "ids of nested records are indexed")
	res = n.exec(n.tx("SubmitTrainingResult", args(jsonArg(t, map[string]string{
		"job_id": "job-1", "model_hash": hex64("weights"), "transcript_root": hex64("tr"), "metrics_hash": hex64("m")})), c.org1))
	require.Equal(t, uint32(0), res.Code, res.Log)
	assert.Equal(t, hex64("weights"), attrs(res.Events[0])["model_hash"])

	var job training.Job
	n.read(&job, "GetTrainingJob", "job-1")
	assert.Equal(t, training.Succeeded, job.Status)
	var model training.Model
	n.read(&model, "GetModel", hex64("weights"))
	assert.Equal(t, "Org2MSP", model.Holder)
	var ver datasets.Version
	n.read(&ver, "GetDatasetVersion", "cxr", "v1")
	assert.Equal(t, hex64("cxrv1"), ver.MerkleRoot)
	n.read(&bal, "GetBalance", "Org1MSP")
	assert.Equal(t, uint64(40), bal.Balance)

	// The auditor anchors its audit log; tree size is decimal, root hex.
	res = n.exec(n.tx("AnchorAuditRoot", args("org3-audit", "12", hex64("root12")), c.org3))
	require.Equal(t, uint32(0), res.Code, res.Log)
	assert.Equal(t, "org3-audit", attrs(res.Events[0])["log_id"])
	var anchor anchors.Anchor
	n.read(&anchor, "GetAnchor", "org3-audit", "12")
	assert.Equal(t, hex64("root12"), anchor.RootHash)

	var hist []map[string]any
	n.read(&hist, "GetAccessRequestHistory", "req-1")
	assert.Len(t, hist, 2)
}

func TestOtherCallsRoundTrip(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	n.ok(n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1), nil)
	for _, id := range []string{"a", "b"} {
		n.ok(n.tx("RequestAccess", args(jsonArg(t, access.RequestInput{RequestID: id, DatasetID: "cxr", Purpose: access.Download,
			RequestedExpiry: blockTime(n.height).Add(time.Hour)})), c.org2), nil)
	}
	n.ok(n.tx("DenyAccess", args("a", "no"), c.org1), nil)
	n.ok(n.tx("GrantAccess", args("b", `{"max_jobs":0,"compute_only":false}`), c.org1), nil)
	n.ok(n.tx("RevokeAccess", args("b", "contract ended"), c.org1), nil)
	n.ok(n.tx("Mint", args("Org1MSP", "10"), c.org2Admin, c.org1Admin), nil)
	var moved credits.Transferred
	n.ok(n.tx("Transfer", args("Org2MSP", "3"), c.org1), &moved)
	assert.Equal(t, uint64(3), moved.Amount)

	var list []access.Request
	n.read(&list, "ListAccessRequests", "cxr")
	assert.Len(t, list, 2)
	var r access.Request
	n.read(&r, "GetAccessRequest", "b")
	assert.Equal(t, access.Revoked, r.Status)
	var ds []datasets.Dataset
	n.read(&ds, "ListDatasets")
	assert.Len(t, ds, 1)
	var vs []datasets.Version
	n.read(&vs, "ListDatasetVersions", "cxr")
	assert.Empty(t, vs)
	var dh []map[string]any
	n.read(&dh, "GetDatasetHistory", "cxr")
	assert.Len(t, dh, 1)
	var supply credits.Supply
	n.read(&supply, "GetSupply")
	assert.Equal(t, uint64(10), supply.TotalMinted)
	assert.Equal(t, uint32(2), n.evaluate("GetEscrow", "none").Code)
	assert.Equal(t, uint32(2), n.evaluate("GetLatestAnchor", "none").Code)
	assert.Equal(t, uint32(2), n.evaluate("GetDataset", "zzz").Code)
	var jh []map[string]any
	n.read(&jh, "GetTrainingJobHistory", "zzz")
	assert.Empty(t, jh)

	// Jobs that end without delivery.
	n.ok(n.tx("RegisterDataset", registerArgs(t, "mri", 0), c.org1), nil)
	n.ok(n.tx("RegisterDatasetVersion", versionArgs(t, "mri", "v1"), c.org1), nil)
	n.ok(n.tx("RequestAccess", args(jsonArg(t, access.RequestInput{RequestID: "g", DatasetID: "mri", Purpose: access.Train,
		RequestedExpiry: blockTime(n.height).Add(time.Hour)})), c.org2), nil)
	n.ok(n.tx("GrantAccess", args("g", `{}`), c.org1), nil)
	for i, end := range []struct {
		fn   string
		args func(id string) []string
		who  *identity
	}{
		{"CancelTraining", func(id string) []string { return args(id) }, c.org2},
		{"FailTraining", func(id string) []string { return args(id, "gpu lost") }, c.org1},
	} {
		id := "j" + strconv.Itoa(i)
		n.ok(n.tx("RequestTraining", args(jsonArg(t, training.RequestInput{JobID: id, Datasets: []training.DatasetRef{{DatasetID: "mri", Version: "v1"}},
			Algorithm: training.Algorithm{Name: "a", CodeHash: hex64("c")}, HyperparametersHash: hex64("h"), Deposit: 1})), c.org2), nil)
		var j training.Job
		n.ok(n.tx(end.fn, end.args(id), end.who), &j)
		assert.NotEqual(t, training.Requested, j.Status)
	}
	res := n.exec(n.tx("ExpireTraining", args("j0"), c.org3Admin))
	assert.Equal(t, uint32(20), res.Code, "an auditor organisation may only anchor")
	res = n.exec(n.tx("ExpireTraining", args("j0"), c.org1))
	assert.Equal(t, uint32(10), res.Code, res.Log)
	var probe dispatch.Probed
	n.ok(n.tx("Probe", nil, c.org1), &probe)
	assert.NotEmpty(t, probe.TxID)
}
