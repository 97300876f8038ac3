// Package policy holds the consortium's rules on who may send which
// transaction (docs/decisions/0003, "Identity and rules"). They run after
// every signature is authenticated and before the core, in CheckTx and
// again in FinalizeBlock; the core's own checks (owner, requester, admin)
// come on top.
package policy

import (
	"slices"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger"
	"github.com/ledgerml/ledgerml/chaincode/internal/msp"
)

// NeedsQuorum reports whether fn needs admins of a majority of the member
// MSPs: minting credits and scheduling an upgrade change every member's
// position, so no member decides them alone.
func NeedsQuorum(fn string) bool {
	return fn == contract.FnMint || fn == contract.FnScheduleUpgrade
}

// Quorum is the majority of n members: ⌊n/2⌋ + 1.
func Quorum(n int) int { return n/2 + 1 }

// Authorize applies the rules to an authenticated transaction;
// signers[0] is the submitter, the rest co-sign.
func Authorize(fn string, signers []msp.Signer, members []string) error {
	sub := signers[0]
	if err := submitter(fn, sub); err != nil {
		return err
	}
	if !NeedsQuorum(fn) {
		if len(signers) > 1 {
			return errs.New(errs.MalformedTx, "%s takes no co-signatures; only Mint and ScheduleUpgrade do", fn)
		}
		return nil
	}
	var approving []string
	for i, s := range signers {
		isAdmin := s.Role == ledger.RoleAdmin && s.MSPRole == msp.Member
		if i > 0 && !isAdmin {
			return errs.New(errs.ForbiddenRole, "co-signer %s (%s %s) is not an admin of a member organisation", s.MSP, s.MSPRole, s.Role)
		}
		if isAdmin && !slices.Contains(approving, s.MSP) {
			approving = append(approving, s.MSP)
		}
	}
	if need := Quorum(len(members)); len(approving) < need {
		return errs.New(errs.QuorumNotMet, "%s needs admins of %d of %d member organisations, got %d", fn, need, len(members), len(approving))
	}
	return nil
}

func submitter(fn string, s msp.Signer) error {
	switch {
	case s.Role == ledger.RoleUnknown:
		return errs.New(errs.ForbiddenRole, "a %s identity without a NodeOU role may not transact", s.MSP)
	case fn == contract.FnProbe:
		return nil
	case s.Role != ledger.RoleAdmin && s.Role != ledger.RoleClient:
		return errs.New(errs.ForbiddenRole, "a %s %s may only send Probe", s.MSP, s.Role)
	case s.MSPRole == msp.Operator:
		return errs.New(errs.ForbiddenRole, "the operator organisation %s may only send Probe", s.MSP)
	case s.MSPRole == msp.Auditor && fn != contract.FnAnchorAuditRoot:
		return errs.New(errs.ForbiddenRole, "the auditor organisation %s may only anchor audit roots", s.MSP)
	}
	return nil
}
