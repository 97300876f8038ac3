package upgrade_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/upgrade"
)

func TestEveryContractUpgradeHasAMigration(t *testing.T) {
	all := upgrade.All()
	require.Len(t, all, len(contract.Upgrades()))
	for _, m := range all {
		assert.NotNil(t, m.Migrate, m.Name)
		assert.Greater(t, m.SchemaVersion, contract.SchemaVersion)
	}
}

func TestSelect(t *testing.T) {
	for _, none := range []string{"", " none "} {
		ms, err := upgrade.Select(none)
		require.NoError(t, err)
		assert.Empty(t, ms)
		assert.Equal(t, "none", upgrade.Names(ms))
	}
	ms, err := upgrade.Select("all")
	require.NoError(t, err)
	assert.Equal(t, "v3", upgrade.Names(ms))
	ms, err = upgrade.Select("v3, v3")
	require.NoError(t, err)
	assert.Len(t, ms, 1)
	_, err = upgrade.Select("v3,v9")
	assert.ErrorContains(t, err, `unknown upgrade "v9"`)
}
