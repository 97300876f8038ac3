package abciapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ledgerml/ledgerml/chaincode/internal/contract"
	"github.com/ledgerml/ledgerml/chaincode/internal/core/governance"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
	"github.com/ledgerml/ledgerml/chaincode/internal/upgrade"
)

// idAttributes are the record ids copied from an event payload into
// indexed attributes, so tx_search can find a record's transactions.
var idAttributes = []string{"dataset_id", "version", "request_id", "job_id", "log_id", "model_hash"}

// txEvent is the one ABCI event of a transaction whose core call emitted
// one: type = event name; tx_id, msp (submitter), fn, payload (the event's
// JSON); and the ids found in the payload, indexed. Ids are taken from the
// payload's top level, then from its nested records (a Training* payload
// wraps the job and the model); a DatasetRegistered payload is the dataset,
// whose "id" is its dataset_id.
func txEvent(ev kvstore.Event, txID, msp, fn string) abci.Event {
	attrs := []abci.EventAttribute{
		{Key: "tx_id", Value: txID, Index: true},
		{Key: "msp", Value: msp, Index: true},
		{Key: "fn", Value: fn, Index: true},
		{Key: "payload", Value: string(ev.Payload)},
	}
	ids := payloadIDs(ev.Payload)
	if id, ok := topLevel(ev.Payload)["id"]; ok && ev.Name == string(contract.DatasetRegistered) {
		if s, isString := stringOf(id); isString {
			ids["dataset_id"] = s
		}
	}
	for _, k := range idAttributes {
		if v, ok := ids[k]; ok {
			attrs = append(attrs, abci.EventAttribute{Key: k, Value: v, Index: true})
		}
	}
	return abci.Event{Type: ev.Name, Attributes: attrs}
}

func payloadIDs(payload []byte) map[string]string {
	ids := map[string]string{}
	top := topLevel(payload)
	take := func(fields map[string]json.RawMessage) {
		for _, k := range idAttributes {
			if _, done := ids[k]; done {
				continue
			}
			if s, ok := stringOf(fields[k]); ok {
				ids[k] = s
			}
		}
	}
	take(top)
	names := make([]string, 0, len(top))
	for k := range top {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		take(topLevel(top[k]))
	}
	return ids
}

// topLevel decodes a JSON object's fields; anything else yields none.
func topLevel(raw []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

func stringOf(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil || s == "" {
		return "", false
	}
	return s, true
}

// upgradeEvent is the block event of an applied upgrade.
func upgradeEvent(u governance.Upgrade, schema int) abci.Event {
	return abci.Event{Type: "UpgradeApplied", Attributes: []abci.EventAttribute{
		{Key: "name", Value: u.Name, Index: true},
		{Key: "height", Value: strconv.FormatInt(u.Height, 10)},
		{Key: "schema_version", Value: strconv.Itoa(schema)},
	}}
}

// systemTxID names an upgrade's system transaction in history entries.
func systemTxID(u governance.Upgrade) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("ledgerml upgrade %s at %d", u.Name, u.Height)))
	return hex.EncodeToString(sum[:])
}

func (a *App) known(name string) (upgrade.Migration, bool) {
	for _, m := range a.cfg.Upgrades {
		if m.Name == name {
			return m, true
		}
	}
	return upgrade.Migration{}, false
}

// UpgradeNeededError stops the chain at an upgrade this binary does not
// apply.
type UpgradeNeededError struct {
	Name   string
	Height int64
	Known  []upgrade.Migration
}

func (e *UpgradeNeededError) Error() string {
	return fmt.Sprintf("UPGRADE %q NEEDED at height %d: this binary applies %s; restart every validator with a binary that applies %q",
		e.Name, e.Height, upgrade.Names(e.Known), e.Name)
}
