package datasets

import (
	"errors"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/arg"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// Register creates a dataset owned by the caller's organisation.
func Register(tx *txn.Tx, in RegisterInput) (*Dataset, error) {
	if err := errors.Join(
		arg.ID("dataset id", in.ID),
		arg.Text("metadata", in.Metadata, true),
		arg.Text("terms", in.Terms, true),
	); err != nil {
		return nil, err
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	key, err := tx.Key(objDataset, in.ID)
	if err != nil {
		return nil, err
	}
	d := &Dataset{
		ID: in.ID, Owner: tx.MSP(), Metadata: in.Metadata, Terms: in.Terms,
		PricePerJob: in.PricePerJob, CreatedAt: now, TxID: tx.TxID(),
	}
	if err := tx.Create(key, d, d.Owner); err != nil {
		return nil, err
	}
	return d, tx.Emit(contract.DatasetRegistered, d)
}

// RegisterVersion records an immutable version; only the owner may add one.
func RegisterVersion(tx *txn.Tx, in VersionInput) (*Version, error) {
	if err := errors.Join(
		arg.ID("dataset id", in.DatasetID),
		arg.ID("version", in.Version),
		arg.Hex64("merkle root", in.MerkleRoot),
		arg.Hex64("schema hash", in.SchemaHash),
		arg.Positive("size", in.SizeBytes),
		arg.Positive("chunk count", in.ChunkCount),
	); err != nil {
		return nil, err
	}
	d, err := Get(tx, in.DatasetID)
	if err != nil {
		return nil, err
	}
	if d.Owner != tx.MSP() {
		return nil, errs.New(errs.ForbiddenNotOwner, "dataset %q is owned by %s, caller is %s", d.ID, d.Owner, tx.MSP())
	}
	now, err := tx.Now()
	if err != nil {
		return nil, err
	}
	key, err := tx.Key(objVersion, in.DatasetID, in.Version)
	if err != nil {
		return nil, err
	}
	v := &Version{
		DatasetID: in.DatasetID, Version: in.Version, Owner: d.Owner,
		MerkleRoot: in.MerkleRoot, SizeBytes: in.SizeBytes, ChunkCount: in.ChunkCount,
		SchemaHash: in.SchemaHash, CreatedAt: now, TxID: tx.TxID(),
	}
	if err := tx.Create(key, v, d.Owner); err != nil {
		return nil, err
	}
	return v, tx.Emit(contract.DatasetVersionRegistered, v)
}

// Get returns a dataset or NOT_FOUND.
func Get(tx *txn.Tx, id string) (*Dataset, error) {
	key, err := tx.Key(objDataset, id)
	if err != nil {
		return nil, err
	}
	var d Dataset
	found, err := tx.Get(key, &d)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.New(errs.NotFound, "dataset %q", id)
	}
	return &d, nil
}

// GetVersion returns a dataset version or NOT_FOUND.
func GetVersion(tx *txn.Tx, id, version string) (*Version, error) {
	key, err := tx.Key(objVersion, id, version)
	if err != nil {
		return nil, err
	}
	var v Version
	found, err := tx.Get(key, &v)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errs.New(errs.NotFound, "dataset %q version %q", id, version)
	}
	return &v, nil
}

// List returns every dataset in id order.
func List(tx *txn.Tx) ([]Dataset, error) {
	return txn.List[Dataset](tx, objDataset)
}

// ListVersions returns a dataset's versions in version-string order.
func ListVersions(tx *txn.Tx, id string) ([]Version, error) {
	if _, err := Get(tx, id); err != nil {
		return nil, err
	}
	return txn.List[Version](tx, objVersion, id)
}

// History returns every committed state of a dataset record.
func History(tx *txn.Tx, id string) ([]txn.Entry[Dataset], error) {
	key, err := tx.Key(objDataset, id)
	if err != nil {
		return nil, err
	}
	return txn.History[Dataset](tx, key)
}
