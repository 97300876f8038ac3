package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

func TestCodedErrorMatchesCodeAndCause(t *testing.T) {
	cause := errors.New("disk on fire")
	err := fmt.Errorf("registering: %w", errs.Wrap(errs.Ledger, cause, "put %q", "k"))

	assert.ErrorIs(t, err, errs.Ledger)
	assert.ErrorIs(t, err, cause)
	assert.NotErrorIs(t, err, errs.NotFound)
	assert.Equal(t, `registering: LML-CC-0015 LEDGER: put "k": disk on fire`, err.Error())

	var coded *errs.Error
	require.ErrorAs(t, err, &coded)
	assert.Equal(t, "put \"k\"", coded.Message)
	assert.Same(t, errs.Ledger, errs.CodeOf(err))
}

func TestNewWithoutCause(t *testing.T) {
	err := errs.New(errs.NotFound, "dataset %q", "d1")
	assert.Equal(t, `LML-CC-0002 NOT_FOUND: dataset "d1"`, err.Error())
	assert.Same(t, errs.NotFound, errs.CodeOf(err))
}

func TestWrapNilIsNil(t *testing.T) {
	assert.NoError(t, errs.Wrap(errs.Ledger, nil, "unused"))
}

func TestCodeOf(t *testing.T) {
	assert.Nil(t, errs.CodeOf(errors.New("plain")))
	assert.Same(t, errs.NotFound, errs.CodeOf(fmt.Errorf("x: %w", errs.NotFound)))
}

func TestCodesAreUniqueAndOrdered(t *testing.T) {
	codes := errs.Codes()
	ids, names := map[string]bool{}, map[string]bool{}
	for i, c := range codes {
		assert.False(t, ids[c.ID], "duplicate id %s", c.ID)
		assert.False(t, names[c.Name], "duplicate name %s", c.Name)
		ids[c.ID], names[c.Name] = true, true
		if i > 0 {
			assert.Less(t, codes[i-1].ID, c.ID)
		}
		assert.NotEmpty(t, c.Description)
	}
	assert.Equal(t, "LML-CC-0002 NOT_FOUND", errs.NotFound.Error())
}

func TestNumberIsTheABCICode(t *testing.T) {
	assert.Equal(t, uint32(4), errs.ForbiddenNotOwner.Number())
	assert.Equal(t, uint32(22), errs.WrongChain.Number())
	for i, c := range errs.Codes() {
		assert.Equal(t, uint32(i+1), c.Number(), "codes are numbered without gaps")
	}
}
