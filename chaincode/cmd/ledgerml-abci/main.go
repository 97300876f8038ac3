// Command ledgerml-abci serves the LedgerML chaincode core to CometBFT
// v0.38 over the ABCI socket protocol (docs/decisions/0003).
//
//	ledgerml-abci --home DIR --addr tcp://127.0.0.1:PORT [--upgrades LIST] [--log-level LEVEL]
//	ledgerml-abci version
//
// State lives in DIR/data (goleveldb). Logs go to stderr and never carry
// transaction payloads. SIGTERM or SIGINT stops the server after the call
// in progress. The upgrades the binary applies default to the build's
// (-ldflags "-X main.upgrades=none|all|v3,..."), "all" unless set.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/abci/server"
	cmtlog "github.com/cometbft/cometbft/libs/log"

	"github.com/ledgerml/ledgerml/chaincode/internal/abciapp"
	"github.com/ledgerml/ledgerml/chaincode/internal/ledger/kvstore"
	"github.com/ledgerml/ledgerml/chaincode/internal/upgrade"
)

// Set at build time with -ldflags "-X main.version=... -X main.upgrades=...".
var (
	version  = "dev"
	upgrades = "all"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop, nil))
}

// run is main without the process: ready, when not nil, receives the
// listening address once the server accepts connections.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal, ready chan<- string) int {
	fs := flag.NewFlagSet("ledgerml-abci", flag.ContinueOnError)
	fs.SetOutput(stderr)
	home := fs.String("home", "", "application home; state goes to HOME/data (required)")
	addr := fs.String("addr", "tcp://127.0.0.1:26658", "ABCI socket address (tcp://host:port or unix://path)")
	list := fs.String("upgrades", upgrades, "upgrades this binary applies: none, all or a comma-separated list")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	known, err := upgrade.Select(*list)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if fs.Arg(0) == "version" {
		fmt.Fprintf(stdout, "ledgerml-abci %s\nupgrades applied: %s\nupgrades built in: %s\n", version, upgrade.Names(known), upgrade.Names(upgrade.All()))
		return 0
	}
	var lvl slog.Level
	if fs.NArg() > 0 || *home == "" || lvl.UnmarshalText([]byte(*level)) != nil {
		fmt.Fprintln(stderr, "usage: ledgerml-abci --home DIR [--addr tcp://127.0.0.1:PORT] [--upgrades LIST] [--log-level LEVEL] | ledgerml-abci version")
		return 2
	}
	stderr = &lockedWriter{w: stderr} // shared by the application's and the server's loggers
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	if err := serve(*home, *addr, known, log, stderr, stop, ready); err != nil {
		log.Error("ledgerml-abci stopped", "err", err)
		return 1
	}
	return 0
}

func serve(home, addr string, known []upgrade.Migration, log *slog.Logger, stderr io.Writer, stop <-chan os.Signal, ready chan<- string) error {
	dir := filepath.Join(home, "data")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	db, err := dbm.NewGoLevelDB("ledgerml", dir)
	if err != nil {
		return fmt.Errorf("opening %s: %w", dir, err)
	}
	store, err := kvstore.Open(db)
	if err != nil {
		return errors.Join(err, db.Close())
	}
	app, err := abciapp.New(store, abciapp.Config{Version: version, Upgrades: known, Logger: log})
	if err != nil {
		return errors.Join(err, store.Close())
	}
	srv := server.NewSocketServer(addr, app)
	srv.SetLogger(cmtlog.NewFilter(cmtlog.NewTMLogger(stderr), cmtlog.AllowError()))
	if err := srv.Start(); err != nil {
		return errors.Join(fmt.Errorf("listening on %s: %w", addr, err), app.Close())
	}
	log.Info("serving ABCI", "addr", addr, "home", home, "version", version)
	if ready != nil {
		ready <- addr
	}
	sig := <-stop
	log.Info("stopping", "signal", sig.String())
	return errors.Join(srv.Stop(), app.Close())
}

// lockedWriter serialises whole log lines from both loggers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
