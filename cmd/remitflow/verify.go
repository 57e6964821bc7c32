package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/spf13/cobra"
)

func newVerifyCmd(env func(string) (string, bool)) *cobra.Command {
	var (
		sf     storeFlags
		stream string
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the hash chain of every stream (or one stream)",
		Long: `Verify reads the event log and checks every stream's hash chain: each
event's hash must match its content and metadata, and name the previous
event's hash. Any edit, removal, reordering or insertion of history breaks a
link. On a broken chain it prints the first broken event (stream, revision,
event ID, type and what did not match) and exits non-zero.
` + offlineStoreHelp,
		Example: `  remitflow verify --data-dir /var/lib/remitflow
  remitflow verify --stream transfer-7f3c2a9e`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return withStore(ctx, env, sf, func(store eventstore.Store) error {
				if cmd.Flags().Changed("stream") {
					return verifyStream(ctx, store, stream, cmd.OutOrStdout())
				}
				return verifyAll(ctx, store, cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&stream, "stream", "", "verify only this stream (e.g. transfer-7f3c2a9e)")
	return cmd
}

// verifyStream checks one stream's chain.
func verifyStream(ctx context.Context, store eventstore.Store, stream string, out io.Writer) error {
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return fmt.Errorf("--stream: %w", err)
	}
	p := newProgress(io.Discard, "verify")
	if err := command.Verify(ctx, progressStore{Store: store, p: p}, stream); err != nil {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return fmt.Errorf("verify: stream %q not found: %w", stream, err)
		}
		return reportBroken(out, err, "")
	}
	events := p.Count()
	fmt.Fprintf(out, "verified stream %s: %d events, hash chain intact\n", stream, events)
	return nil
}

// verifyAll checks every stream's chain, reporting progress on errOut.
func verifyAll(ctx context.Context, store eventstore.Store, out, errOut io.Writer) error {
	p := newProgress(errOut, "verify")
	if head, ok, err := logHead(ctx, store); err != nil {
		return fmt.Errorf("verify: %w", err)
	} else if ok {
		p.SetHead(head)
	}
	rep, err := command.VerifyAll(ctx, progressStore{Store: store, p: p}, eventstore.Filter{})
	p.Done()
	if err != nil {
		return reportBroken(out, err, fmt.Sprintf("checked %d streams and %d events before the break\n", rep.Streams, rep.Events))
	}
	fmt.Fprintf(out, "verified %d streams, %d events (up to position %s): every hash chain is intact\n", rep.Streams, rep.Events, rep.Last)
	return nil
}

// reportBroken prints a broken chain's first event and returns the error for
// the exit status; other errors are returned wrapped.
func reportBroken(out io.Writer, err error, extra string) error {
	var ce *command.ChainError
	if !errors.As(err, &ce) {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintf(out, "BROKEN hash chain\n  stream:   %s\n  revision: %d\n  event:    %s\n  type:     %s\n  reason:   %s\n",
		ce.Stream, ce.Revision, ce.EventID, ce.Type, ce.Reason)
	io.WriteString(out, extra)
	return fmt.Errorf("verify: %w", err)
}

// progressStore counts the events ReadAll and ReadStream yield on a
// progress report.
type progressStore struct {
	eventstore.Store
	p *progress
}

// ReadAll yields the wrapped store's events, counting each.
func (s progressStore) ReadAll(ctx context.Context, opts eventstore.ReadAllOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for ev, err := range s.Store.ReadAll(ctx, opts) {
			if err == nil {
				s.p.Step(ev.Position)
			}
			if !yield(ev, err) {
				return
			}
		}
	}
}

// ReadStream yields the wrapped store's events, counting each.
func (s progressStore) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		for ev, err := range s.Store.ReadStream(ctx, stream, opts) {
			if err == nil {
				s.p.Step(ev.Position)
			}
			if !yield(ev, err) {
				return
			}
		}
	}
}
