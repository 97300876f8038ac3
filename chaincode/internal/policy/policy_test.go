package policy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/msp"
	"github.com/ledgerml/ledgerml/chaincode/internal/policy"
)

func admin(id string) msp.Signer {
	return msp.Signer{MSP: id, Role: ledger.RoleAdmin, MSPRole: msp.Member}
}

func TestQuorumIsAMajorityOfMembers(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 3, 5: 3} {
		assert.Equal(t, want, policy.Quorum(n), "n=%d", n)
	}
	members := []string{"A", "B", "C", "D"}
	assert.ErrorIs(t, policy.Authorize("Mint", []msp.Signer{admin("A"), admin("B")}, members), errs.QuorumNotMet)
	assert.NoError(t, policy.Authorize("Mint", []msp.Signer{admin("A"), admin("B"), admin("C")}, members))
	assert.NoError(t, policy.Authorize("ScheduleUpgrade", []msp.Signer{admin("C"), admin("A")}, members[:3]))
	client := msp.Signer{MSP: "A", Role: ledger.RoleClient, MSPRole: msp.Member}
	assert.ErrorIs(t, policy.Authorize("Mint", []msp.Signer{client, admin("B"), admin("C")}, members), errs.QuorumNotMet,
		"a client submitter does not count")
	assert.True(t, policy.NeedsQuorum("Mint"))
	assert.False(t, policy.NeedsQuorum("Transfer"))
}
