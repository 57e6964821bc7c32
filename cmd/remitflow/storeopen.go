package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/adapters/storeconfig"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/spf13/cobra"
)

// offlineStoreHelp is appended to the help of every command that opens the
// event store itself.
const offlineStoreHelp = `
The event store is the one serve uses: REMITFLOW_STORE (embedded by default,
or eventstoredb with REMITFLOW_ESDB_URL) and REMITFLOW_DATA_DIR, which
--data-dir overrides. The embedded store locks its directory, so run this
against a stopped server's data directory (or a copy of it); an EventStoreDB
store can be read while servers run.`

// storeFlags are the flags every store-reading command shares.
type storeFlags struct {
	dataDir string
}

// register adds --data-dir to cmd.
func (f *storeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dataDir, "data-dir", "", "embedded store directory (overrides REMITFLOW_DATA_DIR; default ./data)")
}

// openStore opens the event store the configuration in env names, with
// dataDir (when not empty) replacing REMITFLOW_DATA_DIR. The store is opened
// for reading an existing log: an embedded data directory that does not
// exist is refused rather than created, and the memory store (which holds
// nothing between processes) is refused. Call the returned function once to
// close the store.
func openStore(ctx context.Context, env func(string) (string, bool), f storeFlags) (eventstore.Store, func() error, error) {
	cfg, err := storeconfig.FromEnv(env)
	if err != nil {
		return nil, nil, err
	}
	if f.dataDir != "" {
		if cfg.Store != storeconfig.StoreEmbedded {
			return nil, nil, fmt.Errorf("--data-dir applies to the embedded store, but REMITFLOW_STORE is %s", cfg.Store)
		}
		cfg.DataDir = f.dataDir
	}
	switch cfg.Store {
	case storeconfig.StoreMemory:
		return nil, nil, fmt.Errorf("REMITFLOW_STORE=memory keeps no events between processes; use the embedded store's data directory or EventStoreDB")
	case storeconfig.StoreEmbedded:
		info, err := os.Stat(cfg.DataDir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("data directory %q does not exist (set --data-dir or REMITFLOW_DATA_DIR)", cfg.DataDir)
		case err != nil:
			return nil, nil, fmt.Errorf("data directory: %w", err)
		case !info.IsDir():
			return nil, nil, fmt.Errorf("data directory %q is not a directory", cfg.DataDir)
		}
	}
	store, closeStore, err := storeconfig.Open(ctx, cfg)
	if errors.Is(err, embedded.ErrLocked) {
		return nil, nil, fmt.Errorf("%w (is `remitflow serve` running on %s? stop it, or run against a copy of the directory)", err, cfg.DataDir)
	}
	if err != nil {
		return nil, nil, err
	}
	return store, closeStore, nil
}

// withStore opens the store, runs f and closes the store, returning f's
// error or, failing that, the error of closing.
func withStore(ctx context.Context, env func(string) (string, bool), flags storeFlags, f func(eventstore.Store) error) (err error) {
	store, closeStore, err := openStore(ctx, env, flags)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeStore(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	return f(store)
}

// logHead returns the position of the last event in the global log, and
// false when the log is empty.
func logHead(ctx context.Context, store eventstore.Store) (eventstore.Position, bool, error) {
	for ev, err := range store.ReadAll(ctx, eventstore.ReadAllOptions{Direction: eventstore.Backwards, After: eventstore.End, MaxCount: 1}) {
		if err != nil {
			return eventstore.Position{}, false, fmt.Errorf("read head of the log: %w", err)
		}
		return ev.Position, true, nil
	}
	return eventstore.Position{}, false, nil
}
