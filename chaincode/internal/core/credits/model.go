// Package credits holds consortium credit balances per organisation and the
// escrow that training jobs pay through.
package credits

import (
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
)

const (
	objAccount = "lml.credits.account"
	objMint    = "lml.credits.mint"
	objEscrow  = "lml.credits.escrow"
	objSupply  = "lml.credits.supply"
)

// Supply is the running total of minted credits, written by every mint.
// MintCount exists from schema 3 on (upgrade v3): it stays zero, and is
// omitted, while the ledger runs schema 2, so records keep their schema-2
// bytes until the upgrade height.
type Supply struct {
	txn.Schema
	TotalMinted uint64    `json:"total_minted"`
	MintCount   uint64    `json:"mint_count,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
	TxID        string    `json:"tx_id"`
}

// Account is one organisation's balance; absent means zero.
type Account struct {
	txn.Schema
	Org       string    `json:"org"`
	Balance   uint64    `json:"balance"`
	UpdatedAt time.Time `json:"updated_at"`
	TxID      string    `json:"tx_id"`
}

// MintRecord is kept per mint transaction so total supply is auditable
// without replaying every balance change.
type MintRecord struct {
	txn.Schema
	TxID     string    `json:"tx_id"`
	To       string    `json:"to"`
	Amount   uint64    `json:"amount"`
	MintedBy string    `json:"minted_by"`
	MintedAt time.Time `json:"minted_at"`
}

// Transferred is the CreditsTransferred payload; balances themselves carry
// the state, so the transfer is not stored separately.
type Transferred struct {
	TxID   string    `json:"tx_id"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Amount uint64    `json:"amount"`
	At     time.Time `json:"at"`
}

// EscrowStatus: HELD until released to owners or refunded to the payer.
type EscrowStatus string

const (
	Held     EscrowStatus = "HELD"
	Released EscrowStatus = "RELEASED"
	Refunded EscrowStatus = "REFUNDED"
)

// Payout is one credit movement out of an escrow.
type Payout struct {
	Org    string `json:"org"`
	Amount uint64 `json:"amount"`
}

// Escrow is a training job's deposit.
type Escrow struct {
	txn.Schema
	JobID     string       `json:"job_id"`
	Payer     string       `json:"payer"`
	Amount    uint64       `json:"amount"`
	Status    EscrowStatus `json:"status"`
	Payouts   []Payout     `json:"payouts"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	TxID      string       `json:"tx_id"`
}
