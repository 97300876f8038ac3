package abciapp_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/abciapp"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/governance"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/upgrade"
)

const upgradeHeight = 6

// beforeUpgrade writes schema-2 records and schedules v3 at upgradeHeight.
func beforeUpgrade(t *testing.T, c *consortium, n *node) [][][]byte {
	return [][][]byte{
		{n.tx("RegisterDataset", registerArgs(t, "cxr", 40), c.org1), n.tx("Mint", args("Org2MSP", "500"), c.org1Admin, c.org2Admin)},
		{n.tx("Mint", args("Org1MSP", "20"), c.org2Admin, c.org1Admin)},
		{n.tx("ScheduleUpgrade", args("v3", strconv.Itoa(upgradeHeight)), c.org1Admin, c.org2Admin)},
		{}, {},
	}
}

func schemaOf(t *testing.T, raw []byte) int {
	var s struct {
		SchemaVersion int `json:"schema_version"`
	}
	require.NoError(t, json.Unmarshal(raw, &s))
	return s.SchemaVersion
}

func TestUpgradeHaltsAnOldBinaryAndMigratesWithANewOne(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c) // applies no upgrade: the binary before v3
	for _, blk := range beforeUpgrade(t, c, n) {
		for _, r := range n.block(blk...).TxResults {
			require.Zero(t, r.Code, r.Log)
		}
	}
	var plan governance.Upgrade
	n.read(&plan, "GetUpgrade", "v3")
	assert.Equal(t, governance.Upgrade{Schema: plan.Schema, Name: "v3", Height: upgradeHeight, Status: governance.Scheduled,
		ScheduledBy: "Org1MSP", ScheduledAt: blockTime(3), TxID: plan.TxID}, plan)
	require.Equal(t, int64(upgradeHeight-1), n.height)

	// The old binary stops at the upgrade height, naming the upgrade.
	_, err := n.finalize()
	var needed *abciapp.UpgradeNeededError
	require.ErrorAs(t, err, &needed)
	assert.Equal(t, "v3", needed.Name)
	assert.Contains(t, err.Error(), `UPGRADE "v3" NEEDED at height 6`)
	n.restart(nil)
	_, err = n.finalize()
	require.ErrorAs(t, err, &needed, "restarting the same binary stops again")

	// Restarted with a binary that applies v3, the block runs the migration.
	n.restart(upgrade.All())
	require.Equal(t, int64(upgradeHeight-1), n.height)
	res := n.block(n.tx("Mint", args("Org2MSP", "1"), c.org1Admin, c.org2Admin))
	require.Zero(t, res.TxResults[0].Code, res.TxResults[0].Log)
	require.Len(t, res.Events, 1)
	assert.Equal(t, "UpgradeApplied", res.Events[0].Type)
	assert.Equal(t, map[string]string{"name": "v3", "height": "6 (not indexed)", "schema_version": "3 (not indexed)"}, attrs(res.Events[0]))

	var supply credits.Supply
	n.read(&supply, "GetSupply")
	assert.Equal(t, 3, supply.SchemaVersion)
	assert.Equal(t, uint64(521), supply.TotalMinted)
	assert.Equal(t, uint64(3), supply.MintCount, "two mints counted by the migration, one by the new rule")
	raw := n.query("/key", []byte("\x00lml.credits.supply\x00"), false).Value
	assert.Equal(t, 3, schemaOf(t, raw))

	// Records written before the upgrade are read in the new schema.
	dsRaw := n.query("/key", []byte("\x00lml.dataset\x00cxr\x00"), false).Value
	assert.Equal(t, 2, schemaOf(t, dsRaw), "stored as written")
	var d datasets.Dataset
	n.read(&d, "GetDataset", "cxr")
	assert.Equal(t, 3, d.SchemaVersion)
	assert.Equal(t, uint64(40), d.PricePerJob)
	n.read(&plan, "GetUpgrade", "v3")
	assert.Equal(t, governance.Applied, plan.Status)
	assert.Equal(t, blockTime(upgradeHeight), *plan.AppliedAt)

	// New records carry schema 3.
	var ds datasets.Dataset
	n.ok(n.tx("RegisterDataset", registerArgs(t, "new", 1), c.org1), &ds)
	assert.Equal(t, 3, ds.SchemaVersion)
	n.restart(upgrade.All())
	n.read(&supply, "GetSupply")
	assert.Equal(t, uint64(3), supply.MintCount)
}

// A node replaying the chain from genesis with the new binary writes the
// old schema until the upgrade height, so its app hashes match the old
// binary's block for block.
func TestNewBinaryReplaysOldBlocksIdentically(t *testing.T) {
	c := newConsortium(t)
	old := newNode(t, c)
	fresh := newNode(t, c)
	fresh.restart(upgrade.All())
	for i, blk := range beforeUpgrade(t, c, old) {
		a, b := old.block(blk...), fresh.block(blk...)
		require.Equal(t, a.AppHash, b.AppHash, "height %d", i+1)
	}
	old.restart(upgrade.All())
	a, b := old.block(), fresh.block()
	assert.Equal(t, a.AppHash, b.AppHash)
	assert.Equal(t, a.Events, b.Events)
}

func TestScheduleUpgradeRefusals(t *testing.T) {
	c := newConsortium(t)
	n := newNode(t, c)
	n.ok(n.tx("ScheduleUpgrade", args("v3", "50"), c.org1Admin, c.org2Admin), nil)
	for name, tc := range map[string]struct {
		tx   []byte
		want *errs.Code
	}{
		"height passed":   {n.tx("ScheduleUpgrade", args("v4", "2"), c.org1Admin, c.org2Admin), errs.InvalidArgument},
		"height not int":  {n.tx("ScheduleUpgrade", args("v4", "1e9"), c.org1Admin, c.org2Admin), errs.InvalidArgument},
		"height too big":  {n.tx("ScheduleUpgrade", args("v4", "18446744073709551615"), c.org1Admin, c.org2Admin), errs.InvalidArgument},
		"bad name":        {n.tx("ScheduleUpgrade", args("v 4", "60"), c.org1Admin, c.org2Admin), errs.InvalidArgument},
		"twice":           {n.tx("ScheduleUpgrade", args("v3", "60"), c.org2Admin, c.org1Admin), errs.AlreadyExists},
		"client submits":  {n.tx("ScheduleUpgrade", args("v4", "60"), c.org1, c.org2Admin), errs.QuorumNotMet},
		"one admin alone": {n.tx("ScheduleUpgrade", args("v4", "60"), c.org1Admin), errs.QuorumNotMet},
	} {
		t.Run(name, func(t *testing.T) {
			res := n.exec(tc.tx)
			assert.Equal(t, tc.want, code(res), res.Log)
		})
	}
	assert.Equal(t, errs.NotFound.Number(), n.evaluate("GetUpgrade", "v4").Code)
}
