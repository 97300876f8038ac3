// Package arg validates transaction inputs before they touch the ledger, so
// composite keys never receive separators or unbounded strings.
package arg

import (
	"regexp"
	"time"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

var (
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	hexPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// MaxText bounds free-text fields (metadata, terms, reasons) so a single
// record cannot bloat every validator's state database.
const MaxText = 16 * 1024

// ID accepts identifiers usable as composite-key attributes.
func ID(field, v string) error {
	if !idPattern.MatchString(v) {
		return errs.New(errs.InvalidArgument, "%s %q must match %s", field, v, idPattern)
	}
	return nil
}

// Hex64 accepts a lowercase hex SHA-256 digest.
func Hex64(field, v string) error {
	if !hexPattern.MatchString(v) {
		return errs.New(errs.InvalidArgument, "%s %q must be 64 lowercase hex characters", field, v)
	}
	return nil
}

// OptionalHex64 accepts an empty string or a digest.
func OptionalHex64(field, v string) error {
	if v == "" {
		return nil
	}
	return Hex64(field, v)
}

// Text accepts a bounded free-text value; required refuses empty.
func Text(field, v string, required bool) error {
	if required && v == "" {
		return errs.New(errs.InvalidArgument, "%s is required", field)
	}
	if len(v) > MaxText {
		return errs.New(errs.InvalidArgument, "%s is %d bytes, at most %d", field, len(v), MaxText)
	}
	return nil
}

// Positive refuses zero for counts and amounts.
func Positive(field string, v uint64) error {
	if v == 0 {
		return errs.New(errs.InvalidArgument, "%s must be positive", field)
	}
	return nil
}

// After refuses a time not strictly after now.
func After(field string, v, now time.Time) error {
	if !v.After(now) {
		return errs.New(errs.InvalidArgument, "%s %s must be after the transaction time %s",
			field, v.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return nil
}
