package dispatch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/dispatch"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// The table and the exported contract name the same functions with the
// same kinds, so the Python services can call everything listed.
func TestTableMatchesTheContract(t *testing.T) {
	for _, f := range contract.Functions() {
		e, ok := dispatch.Lookup(f.Name)
		require.True(t, ok, f.Name)
		assert.Equal(t, f.Kind, e.Kind, f.Name)
	}
	_, ok := dispatch.Lookup("Nope")
	assert.False(t, ok)
}

func TestArguments(t *testing.T) {
	e, _ := dispatch.Lookup(contract.FnMint)
	assert.ErrorIs(t, e.CheckArgs("Mint", []string{"a"}), errs.InvalidArgument)
	assert.NoError(t, e.CheckArgs("Mint", []string{"a", "1"}))
	probe, _ := dispatch.Lookup(contract.FnProbe)
	assert.NoError(t, probe.CheckArgs("Probe", make([]string, 16)))

	for _, bad := range [][]string{{"Org1MSP", "-1"}, {"Org1MSP", "1.5"}, {"Org1MSP", "99999999999999999999"}, {"Org1MSP", ""}} {
		_, err := e.Run(dispatch.Call{Args: bad})
		assert.ErrorIs(t, err, errs.InvalidArgument, bad)
	}
	reg, _ := dispatch.Lookup(contract.FnRegisterDataset)
	for _, bad := range []string{`{"id":"x","metadta":"m"}`, `{"id":"x"} {}`, `[]`, ``} {
		_, err := reg.Run(dispatch.Call{Args: []string{bad}})
		assert.ErrorIs(t, err, errs.InvalidArgument, bad)
	}
	grant, _ := dispatch.Lookup(contract.FnGrantAccess)
	_, err := grant.Run(dispatch.Call{Args: []string{"r", `{"max_jobs":-1}`}})
	assert.ErrorIs(t, err, errs.InvalidArgument)
	for _, fn := range []string{contract.FnAnchorAuditRoot, contract.FnGetAnchor} {
		e, _ := dispatch.Lookup(fn)
		_, err := e.Run(dispatch.Call{Args: []string{"log", "x", "root"}})
		assert.ErrorIs(t, err, errs.InvalidArgument, fn)
	}
}
