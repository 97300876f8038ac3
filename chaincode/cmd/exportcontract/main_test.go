package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
)

// The Python services read the committed file; a Go change that is not
// regenerated would silently diverge from them.
func TestCommittedContractIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf))
	committed, err := os.ReadFile("../../contract.json")
	require.NoError(t, err)
	assert.Equal(t, buf.String(), string(committed),
		"chaincode/contract.json is stale: run `go generate ./cmd/exportcontract` in chaincode/")
}

func TestExportIsComplete(t *testing.T) {
	e := Build()
	assert.Equal(t, contract.SchemaVersion, e.SchemaVersion)
	assert.Contains(t, e.Events, contract.TrainingRequested)
	assert.Equal(t, "LML-CC-0013", e.Errors["MULTI_OWNER_UNSUPPORTED"].Code)
	assert.Equal(t, "LML-CC-0022", e.Errors["WRONG_CHAIN"].Code)
	assert.Equal(t, "v3", e.Upgrades[0].Name)
	seen := map[string]bool{}
	for _, f := range e.Functions {
		id := f.Contract + ":" + f.Name
		assert.False(t, seen[id], "duplicate function %s", id)
		seen[id] = true
		assert.Contains(t, []contract.Kind{contract.Submit, contract.Evaluate}, f.Kind)
	}
	events := map[contract.Event]bool{}
	for _, ev := range e.Events {
		assert.False(t, events[ev], "duplicate event %s", ev)
		events[ev] = true
	}
}
