package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	abcicli "github.com/cometbft/cometbft/abci/client"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, run([]string{"--upgrades", "none", "version"}, &out, &errOut, nil, nil))
	assert.Equal(t, "ledgerml-abci dev\nupgrades applied: none\nupgrades built in: v3\n", out.String())
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"--home", "x", "extra"}, {"--home", "x", "--log-level", "loud"}, {"--upgrades", "v9"}, {"--nope"}} {
		var out, errOut bytes.Buffer
		assert.Equal(t, 2, run(args, &out, &errOut, nil, nil), args)
		assert.NotEmpty(t, errOut.String())
	}
}

// TestServesOverTheSocketAndStopsOnSignal starts the binary's server on a
// unix socket, talks ABCI to it and stops it as SIGTERM would.
func TestServesOverTheSocketAndStopsOnSignal(t *testing.T) {
	home := t.TempDir()
	addr := "unix://" + filepath.Join(home, "abci.sock")
	stop, ready := make(chan os.Signal, 1), make(chan string, 1)
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run([]string{"--home", home, "--addr", addr}, &bytes.Buffer{}, stderr, stop, ready) }()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	client := abcicli.NewSocketClient(addr, true)
	require.NoError(t, client.Start())
	info, err := client.Info(context.Background(), &abci.RequestInfo{})
	require.NoError(t, err)
	assert.Equal(t, "ledgerml", info.Data)
	assert.Equal(t, "dev", info.Version)
	assert.Zero(t, info.LastBlockHeight)
	require.NoError(t, client.Stop())

	stop <- syscall.SIGTERM
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	assert.True(t, strings.Contains(stderr.String(), "stopping"), stderr.String())
	_, err = os.Stat(filepath.Join(home, "data", "ledgerml.db"))
	assert.NoError(t, err)
}

func TestRefusesABusyAddress(t *testing.T) {
	home := t.TempDir()
	addr := "unix://" + filepath.Join(home, "abci.sock")
	stop, ready := make(chan os.Signal, 1), make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"--home", home, "--addr", addr}, &bytes.Buffer{}, &bytes.Buffer{}, stop, ready)
	}()
	<-ready
	other := t.TempDir()
	var stderr bytes.Buffer
	assert.Equal(t, 1, run([]string{"--home", other, "--addr", addr}, &bytes.Buffer{}, &stderr, nil, nil))
	assert.Contains(t, stderr.String(), "listening on")
	stop <- syscall.SIGTERM
	assert.Equal(t, 0, <-done)
}

// syncBuffer is read by the test while the server's goroutines may still
// log a closed connection.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
