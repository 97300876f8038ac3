// Package abciapp is the chaincode core as a CometBFT v0.38 ABCI
// application (docs/decisions/0003): it authenticates signed envelopes
// against the consortium's MSPs, applies the consortium's rules, runs one
// core function per transaction over the persistent kvstore, and commits
// each block atomically with its app hash, the root of the RFC 6962 tree
// over the state.
package abciapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
	"github.com/ledgerml/ledgerml/chaincode/internal/msp"
	"github.com/ledgerml/ledgerml/chaincode/internal/upgrade"
)

// AppVersion is the protocol version reported to CometBFT. It stays 1
// across upgrades: block headers carry it, and a node replaying old blocks
// with a newer binary must still accept them.
const AppVersion = 1

// Codespace of every refusal.
const Codespace = "ledgerml"

// Config is what the binary passes in.
type Config struct {
	Version  string              // reported by Info
	Upgrades []upgrade.Migration // the upgrades this binary applies
	Logger   *slog.Logger
}

// App is safe for concurrent use; every ABCI call holds one lock (the
// socket server serialises them too).
type App struct {
	abci.BaseApplication

	mu       sync.Mutex
	store    *kvstore.Store
	cfg      Config
	log      *slog.Logger
	genesis  kvstore.Genesis
	registry *msp.Registry
	block    *kvstore.Block // finalized, waiting for Commit
}

var _ abci.Application = (*App)(nil)

// ErrNoGenesis is returned when a block or a transaction arrives before
// InitChain.
var ErrNoGenesis = errors.New("the application has no genesis yet (InitChain was not called)")

// New opens the application over a store, loading the genesis when the
// chain was initialised before.
func New(store *kvstore.Store, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{store: store, cfg: cfg, log: cfg.Logger}
	g, ok, err := store.Genesis()
	if err != nil {
		return nil, fmt.Errorf("reading genesis: %w", err)
	}
	if ok {
		if err := a.setGenesis(g); err != nil {
			return nil, err
		}
	}
	meta := store.Meta()
	a.log.Info("state loaded", "height", meta.Height, "app_hash", fmt.Sprintf("%X", meta.AppHash),
		"entries", store.Size(), "upgrades", upgrade.Names(cfg.Upgrades))
	return a, nil
}

func (a *App) setGenesis(g kvstore.Genesis) error {
	reg, err := msp.Parse(g.AppState)
	if err != nil {
		return err
	}
	a.genesis, a.registry = g, reg
	return nil
}

// Close waits for the call in progress and closes the store.
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.store.Close()
}

// Info reports the last committed height and app hash, from which
// CometBFT replays any block the application has not committed.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	meta := a.store.Meta()
	res := &abci.ResponseInfo{Data: "ledgerml", Version: a.cfg.Version, AppVersion: AppVersion, LastBlockHeight: meta.Height}
	if meta.Height > 0 {
		res.LastBlockAppHash = meta.AppHash
	}
	return res, nil
}

// InitChain stores the chain id, genesis time and the MSPs of the app
// state. A malformed app state stops the node before its first block.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := kvstore.Genesis{ChainID: req.ChainId, Time: req.Time.UTC(), AppState: req.AppStateBytes}
	if err := a.setGenesis(g); err != nil {
		return nil, fmt.Errorf("genesis app state: %w", err)
	}
	if err := a.store.SaveGenesis(g); err != nil {
		return nil, err
	}
	a.log.Info("chain initialised", "chain_id", g.ChainID, "members", a.registry.Members())
	return &abci.ResponseInitChain{AppHash: a.store.AppHash()}, nil
}

// Commit writes the finalized block, its height and app hash in one batch.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.block == nil {
		return nil, errors.New("commit without a finalized block")
	}
	if err := a.store.Commit(a.block); err != nil {
		return nil, err
	}
	a.block = nil
	return &abci.ResponseCommit{}, nil
}

// lastBlockTime is the time CheckTx and queries judge validity at.
func (a *App) lastBlockTime() time.Time {
	if meta := a.store.Meta(); meta.Height > 0 {
		return meta.BlockTime
	}
	return a.genesis.Time
}
