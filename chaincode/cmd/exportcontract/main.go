// Command exportcontract prints the names the chaincode shares with its
// clients (events, error codes, functions, schema version, upgrades) as
// JSON. The output is committed as chaincode/contract.json and read by the
// Python services, so names are defined once, in Go.
package main

//go:generate sh -c "go run . > ../../contract.json"

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/errs"
)

// ErrorInfo describes one error code; the map key is its name.
type ErrorInfo struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// Export is the published document. Errors is a map for lookup by name;
// encoding/json sorts map keys, so the output is stable.
type Export struct {
	SchemaVersion int                  `json:"schema_version"`
	Events        []contract.Event     `json:"events"`
	Errors        map[string]ErrorInfo `json:"errors"`
	Functions     []contract.Function  `json:"functions"`
	Upgrades      []contract.Upgrade   `json:"upgrades"`
}

// Build assembles the export from the Go definitions.
func Build() Export {
	e := Export{
		SchemaVersion: contract.SchemaVersion,
		Events:        contract.Events(),
		Errors:        map[string]ErrorInfo{},
		Functions:     contract.Functions(),
		Upgrades:      contract.Upgrades(),
	}
	for _, c := range errs.Codes() {
		e.Errors[c.Name] = ErrorInfo{Code: c.ID, Description: c.Description}
	}
	return e
}

// Write renders the export exactly as committed.
func Write(w io.Writer) error {
	raw, err := json.MarshalIndent(Build(), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", raw)
	return err
}

func main() {
	if err := Write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
