// Package upgrade holds the migrations of the upgrades listed in
// contract.Upgrades. A binary applies only the upgrades it is started with
// (ledgerml-abci --upgrades, default set at build time); when the ledger
// reaches the height of a scheduled upgrade the binary does not apply, the
// application stops at that block, so every validator halts at the same
// height until restarted with a binary that applies it.
package upgrade

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/credits"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/txn"
)

// Migration is one upgrade with the code it runs at its height, in the
// upgrade's own system transaction whose Schema is already the new one.
type Migration struct {
	contract.Upgrade
	Migrate func(tx *txn.Tx) error
}

var migrations = map[string]func(*txn.Tx) error{
	"v3": credits.MigrateMintCount,
}

// All returns every upgrade this code base can apply, in contract order.
func All() []Migration {
	var out []Migration
	for _, u := range contract.Upgrades() {
		out = append(out, Migration{Upgrade: u, Migrate: migrations[u.Name]})
	}
	return out
}

// Select parses a comma-separated list of upgrade names ("" or "none" for
// none, "all" for every one) into the migrations a binary applies.
func Select(list string) ([]Migration, error) {
	list = strings.TrimSpace(list)
	if list == "" || list == "none" {
		return nil, nil
	}
	all := All()
	if list == "all" {
		return all, nil
	}
	var out []Migration
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(m Migration) bool { return m.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown upgrade %q (this build has %s)", name, Names(all))
		}
		if !slices.ContainsFunc(out, func(m Migration) bool { return m.Name == name }) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Names lists migrations' names for logs and the version command.
func Names(ms []Migration) string {
	if len(ms) == 0 {
		return "none"
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ",")
}
