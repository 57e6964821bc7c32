package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/remitflow/remitflow/projections"
	"github.com/spf13/cobra"
)

func newRebuildCmd(env func(string) (string, bool)) *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "rebuild",
		Short: "Rebuild every read model from the log and print their digests",
		Long: `Rebuild folds the whole event log, from the first event to the last one
present when it starts, into fresh read models (balances, transfers, agents,
corridors, compliance, rates) and prints the events applied, the time taken,
the rate, and each read model's digest: a SHA-256 over its canonical state.
Rebuilding the same log again prints the same digests, so comparing digests
across runs or nodes shows whether read models agree.

Nothing is written: the read models live in memory for the run.
` + offlineStoreHelp,
		Example: `  remitflow rebuild --data-dir /var/lib/remitflow`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return withStore(ctx, env, sf, func(store eventstore.Store) error {
				rep, err := rebuild(ctx, store, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				rep.write(cmd.OutOrStdout())
				return nil
			})
		},
	}
	sf.register(cmd)
	return cmd
}

// readModelsConfig is the read models' configuration, shared by serve and
// rebuild so their digests agree. Live feeds are preferred to the pinned
// rates, which an operator fixes on purpose and which therefore do not age.
func readModelsConfig() projections.Config {
	return projections.Config{Rates: fxrates.BookConfig{
		Sources: []string{"oxr", "ecb", "pinned"},
		MaxAge:  map[string]time.Duration{"pinned": 365 * 24 * time.Hour, "oxr": 6 * time.Hour},
	}}
}

// rebuildReport is what rebuild prints.
type rebuildReport struct {
	Events  uint64
	Head    eventstore.Position
	Elapsed time.Duration
	// Digests are the read models' digests, by name.
	Digests map[string]string
}

// rebuild applies the log up to its current head to new read models, in
// position order, as the projections runner does.
func rebuild(ctx context.Context, store eventstore.Store, stderr io.Writer) (rebuildReport, error) {
	rm, err := projections.NewAll(readModelsConfig())
	if err != nil {
		return rebuildReport{}, fmt.Errorf("rebuild: %w", err)
	}
	ps := rm.Projections()
	head, ok, err := logHead(ctx, store)
	if err != nil {
		return rebuildReport{}, fmt.Errorf("rebuild: %w", err)
	}
	p := newProgress(stderr, "rebuild")
	p.SetHead(head)
	if ok {
		for ev, err := range store.ReadAll(ctx, eventstore.ReadAllOptions{}) {
			if err != nil {
				p.Done()
				return rebuildReport{}, fmt.Errorf("rebuild: read the log: %w", err)
			}
			if head.Less(ev.Position) {
				// Appended after the rebuild started.
				break
			}
			for _, pr := range ps {
				if err := pr.Apply(ev); err != nil {
					p.Done()
					return rebuildReport{}, fmt.Errorf("rebuild: %s at %s (%s %s@%d): %w", pr.Name(), ev.Position, ev.Type, ev.Stream, ev.Revision, err)
				}
			}
			p.Step(ev.Position)
		}
	}
	p.Done()
	return rebuildReport{Events: p.Count(), Head: head, Elapsed: p.Elapsed(), Digests: rm.Digests()}, nil
}

// write prints the report, digests in name order.
func (r rebuildReport) write(w io.Writer) {
	fmt.Fprintf(w, "rebuilt read models from %d events (up to position %s) in %s, %.0f events/s\n",
		r.Events, r.Head, r.Elapsed.Round(time.Millisecond), rate(r.Events, r.Elapsed))
	names := make([]string, 0, len(r.Digests))
	for n := range r.Digests {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(w, "digest %-12s %s\n", n, r.Digests[n])
	}
}
