// Package errs holds the chaincode's coded errors. Codes are stable: a
// refused transaction or query carries the numeric part as its ABCI code
// (codespace "ledgerml") and "LML-CC-xxxx NAME: message" as its log, which
// the Python ledger adapter parses, so a code is never renumbered or reused.
package errs

import (
	"errors"
	"fmt"
	"sort"
)

// Code is a sentinel for one error class; match it with errors.Is.
type Code struct {
	ID          string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (c *Code) Error() string { return c.ID + " " + c.Name }

var registry []*Code

func define(id, name, description string) *Code {
	c := &Code{ID: id, Name: name, Description: description}
	registry = append(registry, c)
	return c
}

var (
	InvalidArgument        = define("LML-CC-0001", "INVALID_ARGUMENT", "an input is missing, malformed or out of range")
	NotFound               = define("LML-CC-0002", "NOT_FOUND", "the referenced record does not exist")
	AlreadyExists          = define("LML-CC-0003", "ALREADY_EXISTS", "a record with this identifier exists and records are immutable")
	ForbiddenNotOwner      = define("LML-CC-0004", "FORBIDDEN_NOT_OWNER", "only the owning organisation may perform this write")
	ForbiddenNotRequester  = define("LML-CC-0005", "FORBIDDEN_NOT_REQUESTER", "only the requesting organisation may perform this write")
	ForbiddenNotAdmin      = define("LML-CC-0006", "FORBIDDEN_NOT_ADMIN", "the caller's role must be admin")
	NoLiveGrant            = define("LML-CC-0007", "NO_LIVE_GRANT", "no granted, unexpired, unrevoked access with jobs left covers this use")
	InsufficientDeposit    = define("LML-CC-0008", "INSUFFICIENT_DEPOSIT", "the deposit does not cover the sum of dataset prices")
	InsufficientBalance    = define("LML-CC-0009", "INSUFFICIENT_BALANCE", "the organisation's credit balance is too low")
	InvalidStateTransition = define("LML-CC-0010", "INVALID_STATE_TRANSITION", "the record's current status does not allow this operation")
	NonMonotonicAnchor     = define("LML-CC-0011", "NON_MONOTONIC_ANCHOR", "the tree size is smaller than the latest anchored size")
	AnchorConflict         = define("LML-CC-0012", "ANCHOR_CONFLICT", "a different root is already anchored at this tree size (log fork)")
	MultiOwnerUnsupported  = define("LML-CC-0013", "MULTI_OWNER_UNSUPPORTED", "a training job may only use datasets of a single owner for now")
	UnsupportedSchema      = define("LML-CC-0014", "UNSUPPORTED_SCHEMA", "the stored record has a schema version newer than this chaincode")
	Ledger                 = define("LML-CC-0015", "LEDGER", "the ledger refused a read or write")
	Internal               = define("LML-CC-0016", "INTERNAL", "a chaincode invariant was violated; this is a bug")
	Unauthenticated        = define("LML-CC-0017", "UNAUTHENTICATED", "a signature is missing or invalid, or its certificate does not chain to the named MSP at the block time or is not ECDSA P-256")
	Replayed               = define("LML-CC-0018", "REPLAYED", "a transaction with this submitter MSP and nonce is already on the ledger; the log names its tx id")
	MalformedTx            = define("LML-CC-0019", "MALFORMED_TX", "the transaction is not a well-formed envelope: JSON, base64, size and argument limits, nonce, known submit function")
	ForbiddenRole          = define("LML-CC-0020", "FORBIDDEN_ROLE", "the signer's role or its organisation's consortium role may not call this function or co-sign")
	QuorumNotMet           = define("LML-CC-0021", "QUORUM_NOT_MET", "admins of a majority of member organisations must sign this transaction")
	WrongChain             = define("LML-CC-0022", "WRONG_CHAIN", "the transaction names another chain id than this network's")
)

// Number is the numeric part of the code ("LML-CC-0004" -> 4), the ABCI
// result code of a refused transaction or query.
func (c *Code) Number() uint32 {
	var n uint32
	for _, r := range c.ID[len("LML-CC-"):] {
		n = n*10 + uint32(r-'0')
	}
	return n
}

// Codes returns every defined code ordered by ID, for the Python export.
func Codes() []*Code {
	out := append([]*Code(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Error is a coded error with a human message and an optional cause.
type Error struct {
	Code    *Code
	Message string
	Cause   error
}

func (e *Error) Error() string {
	msg := e.Code.ID + " " + e.Code.Name + ": " + e.Message
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap exposes both the code and the cause so errors.Is matches either.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Cause}
}

// New builds a coded error; format follows fmt.Sprintf.
func New(code *Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds a coded error carrying cause; nil cause yields nil so call
// sites can wrap unconditionally.
func Wrap(code *Code, cause error, format string, args ...any) error {
	if cause == nil {
		return nil
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// CodeOf returns the code of err, or nil when err carries none.
func CodeOf(err error) *Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c *Code
	if errors.As(err, &c) {
		return c
	}
	return nil
}
