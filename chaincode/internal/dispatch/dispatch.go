// Package dispatch is the one table from a function name to its core call:
// each entry unwraps the string arguments (as the Python services send
// them), calls one core function and returns its record, which the
// application encodes as the result JSON. Nothing else happens here:
// authentication and consortium rules run before (internal/policy), owner
// and state rules inside the core.
package dispatch

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strconv"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/access"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/anchors"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/datasets"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/governance"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/training"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// Call is one invocation: the transaction context, its arguments and the
// height of the block it runs in (the last committed height for queries).
type Call struct {
	Tx     *txn.Tx
	Args   []string
	Height int64
}

// Entry describes one function. Args is the exact argument count; -1 takes
// any count (Probe).
type Entry struct {
	Kind contract.Kind
	Args int
	Run  func(c Call) (any, error)
}

// Probed is Probe's result: the stack's readiness transaction writes
// nothing but its replay record.
type Probed struct {
	TxID string `json:"tx_id"`
}

// Lookup returns the entry of fn.
func Lookup(fn string) (Entry, bool) {
	e, ok := table[fn]
	return e, ok
}

// CheckArgs refuses a wrong argument count as INVALID_ARGUMENT.
func (e Entry) CheckArgs(fn string, args []string) error {
	if e.Args >= 0 && len(args) != e.Args {
		return errs.New(errs.InvalidArgument, "%s takes %d arguments, got %d", fn, e.Args, len(args))
	}
	return nil
}

func submit(n int, run func(c Call) (any, error)) Entry {
	return Entry{Kind: contract.Submit, Args: n, Run: run}
}

func evaluate(n int, run func(c Call) (any, error)) Entry {
	return Entry{Kind: contract.Evaluate, Args: n, Run: run}
}

// one adapts a core call whose only input is the first argument.
func one[T any](fn func(*txn.Tx, string) (T, error)) func(Call) (any, error) {
	return func(c Call) (any, error) { return fn(c.Tx, c.Args[0]) }
}

// two adapts a core call taking the first two arguments as strings.
func two[T any](fn func(*txn.Tx, string, string) (T, error)) func(Call) (any, error) {
	return func(c Call) (any, error) { return fn(c.Tx, c.Args[0], c.Args[1]) }
}

// input adapts a core call taking one JSON document.
func input[I, T any](fn func(*txn.Tx, I) (T, error)) func(Call) (any, error) {
	return func(c Call) (any, error) {
		in, err := decode[I](c.Args[0])
		if err != nil {
			return nil, err
		}
		return fn(c.Tx, in)
	}
}

var table = map[string]Entry{
	contract.FnRegisterDataset:        submit(1, input(datasets.Register)),
	contract.FnRegisterDatasetVersion: submit(1, input(datasets.RegisterVersion)),
	contract.FnGetDataset:             evaluate(1, one(datasets.Get)),
	contract.FnGetDatasetVersion:      evaluate(2, two(datasets.GetVersion)),
	contract.FnListDatasets:           evaluate(0, func(c Call) (any, error) { return datasets.List(c.Tx) }),
	contract.FnListDatasetVersions:    evaluate(1, one(datasets.ListVersions)),
	contract.FnGetDatasetHistory:      evaluate(1, one(datasets.History)),

	contract.FnRequestAccess: submit(1, input(access.RequestAccess)),
	contract.FnGrantAccess: submit(2, func(c Call) (any, error) {
		cond, err := decode[access.Conditions](c.Args[1])
		if err != nil {
			return nil, err
		}
		return access.GrantAccess(c.Tx, c.Args[0], cond)
	}),
	contract.FnDenyAccess:              submit(2, two(access.DenyAccess)),
	contract.FnRevokeAccess:            submit(2, two(access.RevokeAccess)),
	contract.FnGetAccessRequest:        evaluate(1, one(access.GetRequest)),
	contract.FnListAccessRequests:      evaluate(1, one(access.ListRequests)),
	contract.FnGetAccessRequestHistory: evaluate(1, one(access.RequestHistory)),
	contract.FnCheckAccess: evaluate(3, func(c Call) (any, error) {
		return access.CheckAccess(c.Tx, c.Args[0], c.Args[1], access.Purpose(c.Args[2]))
	}),

	contract.FnMint:       submit(2, amount(credits.Mint)),
	contract.FnTransfer:   submit(2, amount(credits.Transfer)),
	contract.FnGetBalance: evaluate(1, one(credits.Balance)),
	contract.FnGetEscrow:  evaluate(1, one(credits.GetEscrow)),
	contract.FnGetSupply:  evaluate(0, func(c Call) (any, error) { return credits.GetSupply(c.Tx) }),

	contract.FnRequestTraining:       submit(1, input(training.RequestTraining)),
	contract.FnAcceptTraining:        submit(1, one(training.AcceptTraining)),
	contract.FnSubmitTrainingResult:  submit(1, input(training.SubmitTrainingResult)),
	contract.FnFailTraining:          submit(2, two(training.FailTraining)),
	contract.FnExpireTraining:        submit(1, one(training.ExpireTraining)),
	contract.FnCancelTraining:        submit(1, one(training.CancelTraining)),
	contract.FnGetTrainingJob:        evaluate(1, one(training.GetJob)),
	contract.FnGetTrainingJobHistory: evaluate(1, one(training.JobHistory)),
	contract.FnGetModel:              evaluate(1, one(training.GetModel)),

	contract.FnAnchorAuditRoot: submit(3, func(c Call) (any, error) {
		size, err := decimal("tree size", c.Args[1])
		if err != nil {
			return nil, err
		}
		return anchors.AnchorAuditRoot(c.Tx, c.Args[0], size, c.Args[2])
	}),
	contract.FnGetLatestAnchor: evaluate(1, one(anchors.GetLatestAnchor)),
	contract.FnGetAnchor: evaluate(2, func(c Call) (any, error) {
		size, err := decimal("tree size", c.Args[1])
		if err != nil {
			return nil, err
		}
		return anchors.GetAnchor(c.Tx, c.Args[0], size)
	}),

	contract.FnScheduleUpgrade: submit(2, func(c Call) (any, error) {
		h, err := decimal("height", c.Args[1])
		if err != nil {
			return nil, err
		}
		if h > 1<<62 {
			return nil, errs.New(errs.InvalidArgument, "height %d is out of range", h)
		}
		return governance.ScheduleUpgrade(c.Tx, c.Args[0], int64(h), c.Height)
	}),
	contract.FnGetUpgrade: evaluate(1, one(governance.GetUpgrade)),
	contract.FnProbe:      submit(-1, func(c Call) (any, error) { return Probed{TxID: c.Tx.TxID()}, nil }),
}

// amount adapts Mint and Transfer: [org, decimal amount].
func amount[T any](fn func(*txn.Tx, string, uint64) (T, error)) func(Call) (any, error) {
	return func(c Call) (any, error) {
		n, err := decimal("amount", c.Args[1])
		if err != nil {
			return nil, err
		}
		return fn(c.Tx, c.Args[0], n)
	}
}

var digits = regexp.MustCompile(`^[0-9]{1,20}$`)

// decimal reads an unsigned decimal argument.
func decimal(field, s string) (uint64, error) {
	if !digits.MatchString(s) {
		return 0, errs.New(errs.InvalidArgument, "%s %q must be a decimal integer", field, s)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errs.New(errs.InvalidArgument, "%s %q is out of range", field, s)
	}
	return n, nil
}

// decode reads one JSON argument strictly: unknown fields and trailing
// data are refused, so a misspelt field is an error rather than a zero.
func decode[T any](s string) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, errs.New(errs.InvalidArgument, "argument is not the expected JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, errs.New(errs.InvalidArgument, "argument has data after its JSON value")
	}
	return v, nil
}
