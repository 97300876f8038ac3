// Command ledgerref is the reference side of `make bench-ledger`: CometBFT's own Go RPC client
// (rpc/client/http) submitting pre-signed LedgerML transactions to the same network the Python adapter
// is measured against. Each submitter broadcasts with broadcast_tx_sync and waits for the commit by
// polling /tx by hash at the same interval as the adapter, so the two differ only in the client.
//
// Input: one hex-encoded transaction per line. Output: JSON with the commit count, wall time and every
// commit latency in milliseconds.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
)

type result struct {
	Submitters  int       `json:"submitters"`
	Committed   int       `json:"committed"`
	Failed      int       `json:"failed"`
	WallS       float64   `json:"wall_s"`
	LatenciesMS []float64 `json:"latencies_ms"`
	FirstError  string    `json:"first_error,omitempty"`
}

func readTxs(path string) ([]types.Tx, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var txs []types.Tx
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		raw, err := hex.DecodeString(scanner.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", len(txs)+1, err)
		}
		txs = append(txs, raw)
	}
	return txs, scanner.Err()
}

// submit broadcasts one transaction and waits until /tx finds it committed, polling at `poll` and
// doubling the interval up to `pollMax` (the Python adapter's schedule).
func submit(ctx context.Context, c *rpchttp.HTTP, tx types.Tx, poll, pollMax time.Duration) error {
	res, err := c.BroadcastTxSync(ctx, tx)
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("check_tx code %d: %s", res.Code, res.Log)
	}
	hash := sha256.Sum256(tx)
	for {
		found, err := c.Tx(ctx, hash[:], false)
		if err == nil {
			if found.TxResult.Code != 0 {
				return fmt.Errorf("deliver code %d: %s", found.TxResult.Code, found.TxResult.Log)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll): // poll: the same schedule as the Python adapter
		}
		poll = min(2*poll, pollMax)
	}
}

func run(rpc string, txs []types.Tx, submitters int, poll, pollMax, timeout time.Duration) (result, error) {
	c, err := rpchttp.New(rpc, "/websocket")
	if err != nil {
		return result{}, err
	}
	var (
		mu  sync.Mutex
		out = result{Submitters: submitters}
		wg  sync.WaitGroup
	)
	next := make(chan types.Tx)
	start := time.Now()
	for i := 0; i < submitters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tx := range next {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				t0 := time.Now()
				err := submit(ctx, c, tx, poll, pollMax)
				cancel()
				mu.Lock()
				if err != nil {
					out.Failed++
					if out.FirstError == "" {
						out.FirstError = err.Error()
					}
				} else {
					out.Committed++
					out.LatenciesMS = append(out.LatenciesMS, float64(time.Since(t0).Microseconds())/1000)
				}
				mu.Unlock()
			}
		}()
	}
	for _, tx := range txs {
		next <- tx
	}
	close(next)
	wg.Wait()
	out.WallS = time.Since(start).Seconds()
	return out, nil
}

func main() {
	rpc := flag.String("rpc", "http://127.0.0.1:26611", "validator RPC address")
	in := flag.String("txs", "", "file of hex transactions, one per line")
	submitters := flag.Int("submitters", 1, "concurrent submitters")
	poll := flag.Duration("poll", 50*time.Millisecond, "first interval between /tx polls")
	pollMax := flag.Duration("poll-max", 500*time.Millisecond, "longest interval between /tx polls")
	timeout := flag.Duration("timeout", 60*time.Second, "deadline per transaction")
	flag.Parse()
	txs, err := readTxs(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading transactions:", err)
		os.Exit(2)
	}
	out, err := run(*rpc, txs, *submitters, *poll, *pollMax, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
