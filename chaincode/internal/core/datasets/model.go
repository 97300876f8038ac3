// Package datasets is the catalogue aggregate: datasets owned by one
// organisation and their immutable, Merkle-rooted versions.
package datasets

import (
	"encoding/json"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
)

const (
	objDataset = "lml.dataset"
	objVersion = "lml.dataset.version"
)

// Dataset is the public catalogue entry; the data itself never touches the
// ledger.
type Dataset struct {
	txn.Schema
	ID          string    `json:"id"`
	Owner       string    `json:"owner"`
	Metadata    string    `json:"metadata"`
	Terms       string    `json:"terms"`
	PricePerJob uint64    `json:"price_per_job"`
	CreatedAt   time.Time `json:"created_at"`
	TxID        string    `json:"tx_id"`
}

// Migrate upgrades schema 1, which stored the price under "price" before
// per-job pricing was named explicitly.
func (d *Dataset) Migrate(from int, raw []byte) error {
	if from >= 2 {
		return nil
	}
	var v1 struct {
		Price uint64 `json:"price"`
	}
	if err := json.Unmarshal(raw, &v1); err != nil {
		return err
	}
	if d.PricePerJob == 0 {
		d.PricePerJob = v1.Price
	}
	return nil
}

// Version pins a dataset's content: storage verifies every chunk read
// against MerkleRoot, so a version can never change once registered.
type Version struct {
	txn.Schema
	DatasetID  string    `json:"dataset_id"`
	Version    string    `json:"version"`
	Owner      string    `json:"owner"`
	MerkleRoot string    `json:"merkle_root"`
	SizeBytes  uint64    `json:"size_bytes"`
	ChunkCount uint64    `json:"chunk_count"`
	SchemaHash string    `json:"schema_hash"`
	CreatedAt  time.Time `json:"created_at"`
	TxID       string    `json:"tx_id"`
}

// RegisterInput is the RegisterDataset argument.
type RegisterInput struct {
	ID          string `json:"id"`
	Metadata    string `json:"metadata"`
	Terms       string `json:"terms"`
	PricePerJob uint64 `json:"price_per_job"`
}

// VersionInput is the RegisterDatasetVersion argument.
type VersionInput struct {
	DatasetID  string `json:"dataset_id"`
	Version    string `json:"version"`
	MerkleRoot string `json:"merkle_root"`
	SizeBytes  uint64 `json:"size_bytes"`
	ChunkCount uint64 `json:"chunk_count"`
	SchemaHash string `json:"schema_hash"`
}
