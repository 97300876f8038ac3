// Package anchors records audit-log tree heads on the ledger so any
// organisation can check an org's audit log against a root it cannot
// rewrite. Per log, anchors are append-only and tree sizes only grow.
package anchors

import (
	"errors"
	"fmt"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

const (
	objLog    = "lml.anchor.log"
	objAnchor = "lml.anchor"
)

// Log is the head pointer of one audit log; its first anchorer owns it.
type Log struct {
	txn.Schema
	LogID      string    `json:"log_id"`
	Owner      string    `json:"owner"`
	LatestSize uint64    `json:"latest_size"`
	LatestRoot string    `json:"latest_root"`
	UpdatedAt  time.Time `json:"updated_at"`
	TxID       string    `json:"tx_id"`
}

// Anchor is one signed tree head (size, RFC 6962 root) of a log.
type Anchor struct {
	txn.Schema
	LogID      string    `json:"log_id"`
	TreeSize   uint64    `json:"tree_size"`
	RootHash   string    `json:"root_hash"`
	AnchoredBy string    `json:"anchored_by"`
	AnchoredAt time.Time `json:"anchored_at"`
	TxID       string    `json:"tx_id"`
}

// AnchorAuditRoot appends a tree head. Re-anchoring an existing (size, root)
// returns the stored anchor without writing or emitting, so an audit
// service may retry after a timeout; a different root at an anchored size
// is a log fork and is refused as such.
func AnchorAuditRoot(tx *txn.Tx, logID string, treeSize uint64, rootHash string) (*Anchor, error) {
	if err := errors.Join(
		arg.ID("log id", logID),
		arg.Positive("tree size", treeSize),
		arg.Hex64("root hash", rootHash),
	); err != nil {
		return nil, err
	}
	head, headKey, found, err := loadLog(tx, logID)
	if err != nil {
		return nil, err
	}
	if found && head.Owner != tx.MSP() {
		return nil, errs.New(errs.ForbiddenNotOwner, "log %q is anchored by %s, caller is %s", logID, head.Owner, tx.MSP())
	}
	existing, key, err := load(tx, logID, treeSize)
	if err != nil {
		return nil, err
	}
	switch {
	case existing != nil && existing.RootHash == rootHash:
		return existing, nil
	case existing != nil:
		return nil, errs.New(errs.AnchorConflict, "log %q size %d is anchored with root %s", logID, treeSize, existing.RootHash)
	case found && treeSize < head.LatestSize:
		return nil, errs.New(errs.NonMonotonicAnchor, "log %q is at size %d, got %d", logID, head.LatestSize, treeSize)
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	a := &Anchor{LogID: logID, TreeSize: treeSize, RootHash: rootHash, AnchoredBy: tx.MSP(), AnchoredAt: now, TxID: tx.TxID()}
	if err := tx.Create(key, a, tx.MSP()); err != nil {
		return nil, err
	}
	next := &Log{LogID: logID, Owner: tx.MSP(), LatestSize: treeSize, LatestRoot: rootHash, UpdatedAt: now, TxID: tx.TxID()}
	if err := tx.Put(headKey, next); err != nil {
		return nil, err
	}
	if !found {
		if err := tx.Endorse(headKey, next.Owner); err != nil {
			return nil, err
		}
	}
	return a, tx.Emit(contract.AuditRootAnchored, a)
}

// GetLatestAnchor returns the largest anchored tree head of a log.
func GetLatestAnchor(tx *txn.Tx, logID string) (*Anchor, error) {
	head, _, found, err := loadLog(tx, logID)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.New(errs.NotFound, "audit log %q", logID)
	}
	return GetAnchor(tx, logID, head.LatestSize)
}

// GetAnchor returns the tree head anchored at exactly treeSize.
func GetAnchor(tx *txn.Tx, logID string, treeSize uint64) (*Anchor, error) {
	a, _, err := load(tx, logID, treeSize)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errs.New(errs.NotFound, "audit log %q has no anchor at size %d", logID, treeSize)
	}
	return a, nil
}

func loadLog(tx *txn.Tx, logID string) (*Log, string, bool, error) {
	key, err := tx.Key(objLog, logID)
	if err != nil {
		return nil, "", false, err
	}
	var l Log
	found, err := tx.Get(key, &l)
	return &l, key, found, err
}

// load keys sizes zero-padded so a range scan orders them numerically.
func load(tx *txn.Tx, logID string, treeSize uint64) (*Anchor, string, error) {
	key, err := tx.Key(objAnchor, logID, fmt.Sprintf("%020d", treeSize))
	if err != nil {
		return nil, "", err
	}
	var a Anchor
	found, err := tx.Get(key, &a)
	if err != nil || !found {
		return nil, key, err
	}
	return &a, key, nil
}
