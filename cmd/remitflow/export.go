package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/spf13/cobra"
)

func newExportCmd(env func(string) (string, bool)) *cobra.Command {
	var (
		sf   storeFlags
		sel  selection
		asOf string
		out  string
	)
	cmd := &cobra.Command{
		Use:   "export (--customer ID | --stream S | --all)",
		Short: "Export history as NDJSON (one event a line) for compliance",
		Long: `Export writes events as NDJSON, one JSON object a line, in log order:
stream, revision, position, id, type, occurred_at, recorded_at, actor,
correlation_id, causation_id, command_id, command_hash, schema_version,
prev_hash, hash and data (the event's JSON exactly as stored). Every field the
hash chain covers is included, so the export can be checked on its own.

--customer selects the customer's own streams (customer-, wallet-,
compliance-<ID>) and the transfers and quotes they started. --as-of keeps the
events whose occurred_at is at or before that instant. Events are streamed,
never held in memory. With --out the file is written atomically (temporary
file in the same directory, fsync, rename; mode 0600), so a reader never sees
half an export; otherwise the lines go to stdout.
` + offlineStoreHelp,
		Example: `  remitflow export --customer cus_1a2b3c --out cus_1a2b3c.ndjson
  remitflow export --all --as-of 2026-11-01T00:00:00Z --out audit-2026-10.ndjson
  remitflow export --stream transfer-7f3c2a9e | jq .type`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if sel.asOf, err = parseAsOf(asOf); err != nil {
				return err
			}
			if err := sel.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			return withStore(ctx, env, sf, func(store eventstore.Store) error {
				return runExport(ctx, store, sel, out, cmd.OutOrStdout(), cmd.ErrOrStderr())
			})
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&sel.customer, "customer", "", "export this customer's history")
	f.StringVar(&sel.stream, "stream", "", "export one stream")
	f.BoolVar(&sel.all, "all", false, "export the whole log")
	f.StringVar(&asOf, "as-of", "", "only events that occurred at or before this RFC 3339 instant")
	f.StringVarP(&out, "out", "o", "", "write to this file (atomically) instead of stdout")
	cmd.MarkFlagsMutuallyExclusive("customer", "stream", "all")
	cmd.MarkFlagsOneRequired("customer", "stream", "all")
	return cmd
}

// runExport writes the selected events as NDJSON to the file out, or to
// stdout when out is empty, and reports the count on stderr.
func runExport(ctx context.Context, store eventstore.Store, sel selection, out string, stdout, stderr io.Writer) error {
	var (
		dst    io.Writer = stdout
		atomic *atomicFile
	)
	if out != "" {
		var err error
		if atomic, err = createAtomic(out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer atomic.Abort()
		dst = atomic
	}
	bw := bufio.NewWriterSize(dst, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var p *progress
	if sel.scans() {
		p = newProgress(stderr, "export")
		if head, ok, err := logHead(ctx, store); err != nil {
			return fmt.Errorf("export: %w", err)
		} else if ok {
			p.SetHead(head)
		}
	}
	n := 0
	for ev, err := range sel.events(ctx, store, p) {
		if err != nil {
			p.Done()
			return fmt.Errorf("export: %w", err)
		}
		if err := enc.Encode(newEventRecord(ev)); err != nil {
			p.Done()
			return fmt.Errorf("export: write: %w", err)
		}
		n++
	}
	p.Done()
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	if n == 0 && sel.customer != "" {
		return fmt.Errorf("export: no events for customer %q%s", sel.customer, sel.asOfSuffix())
	}
	if atomic != nil {
		if err := atomic.Commit(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(stderr, "exported %d events to %s\n", n, out)
		return nil
	}
	fmt.Fprintf(stderr, "exported %d events\n", n)
	return nil
}

// eventRecord is one event as export writes it and replay --format json
// shows it.
type eventRecord struct {
	Stream        string          `json:"stream"`
	Revision      uint64          `json:"revision"`
	Position      string          `json:"position"`
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	OccurredAt    time.Time       `json:"occurred_at"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Actor         string          `json:"actor,omitempty"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	CausationID   string          `json:"causation_id,omitempty"`
	CommandID     string          `json:"command_id,omitempty"`
	CommandHash   string          `json:"command_hash,omitempty"`
	SchemaVersion int             `json:"schema_version,omitempty"`
	PrevHash      string          `json:"prev_hash"`
	Hash          string          `json:"hash"`
	Data          json.RawMessage `json:"data"`
	// Metadata holds the raw metadata, only when it could not be decoded.
	Metadata      json.RawMessage `json:"metadata,omitempty"`
	MetadataError string          `json:"metadata_error,omitempty"`
}

// newEventRecord describes ev with its decoded metadata.
func newEventRecord(ev eventstore.RecordedEvent) eventRecord {
	r := eventRecord{
		Stream: ev.Stream, Revision: ev.Revision, Position: ev.Position.String(), ID: ev.ID.String(),
		Type: ev.Type, RecordedAt: ev.RecordedAt.UTC(), Data: json.RawMessage(ev.Data),
	}
	if len(r.Data) == 0 {
		r.Data = json.RawMessage("null")
	}
	m, err := command.DecodeEventMetadata(ev.Metadata)
	if err != nil {
		r.Metadata, r.MetadataError = json.RawMessage(ev.Metadata), err.Error()
		r.OccurredAt = r.RecordedAt
		return r
	}
	r.OccurredAt = m.OccurredAt.UTC()
	if r.OccurredAt.IsZero() {
		r.OccurredAt = r.RecordedAt
	}
	r.Actor, r.CorrelationID, r.CausationID = m.Actor, m.CorrelationID, m.CausationID
	r.CommandID, r.CommandHash, r.SchemaVersion = m.CommandID, m.CommandHash, m.SchemaVersion
	r.PrevHash, r.Hash = m.PrevHash, m.Hash
	return r
}

// occurredAt returns an event's domain time (metadata occurred_at), or the
// time the store recorded it when the metadata has none.
func occurredAt(ev eventstore.RecordedEvent) time.Time {
	if m, err := eventstore.DecodeMetadata(ev.Metadata); err == nil && !m.OccurredAt.IsZero() {
		return m.OccurredAt
	}
	return ev.RecordedAt
}

// selection says which events export and replay read.
type selection struct {
	// Exactly one of stream, customer and all.
	stream   string
	customer string
	all      bool
	// asOf, when not zero, drops events that occurred after it.
	asOf time.Time
}

// validate checks the stream name or customer ID.
func (s selection) validate() error {
	switch {
	case s.stream == "" && s.customer == "" && !s.all:
		return errors.New("the stream, customer or transfer to select is empty")
	case s.stream != "":
		if err := eventstore.ValidateStreamName(s.stream); err != nil {
			return fmt.Errorf("--stream: %w", err)
		}
	case s.customer != "":
		if err := eventstore.ValidateStreamName(customer.Aggregate.Stream(s.customer)); err != nil {
			return fmt.Errorf("--customer %q is not a valid customer ID", s.customer)
		}
	}
	return nil
}

// scans reports whether the selection reads the whole log.
func (s selection) scans() bool { return s.stream == "" }

func (s selection) asOfSuffix() string {
	if s.asOf.IsZero() {
		return ""
	}
	return " as of " + s.asOf.UTC().Format(time.RFC3339Nano)
}

// customerCategories are the stream categories a customer's history spans.
var customerCategories = []string{
	customer.Aggregate.Category, wallet.Aggregate.Category, compliance.Aggregate.Category,
	transfer.Aggregate.Category, quote.Aggregate.Category,
}

// events yields the selected events in log order (stream order for one
// stream), counting them on p when p is not nil. A missing stream yields an
// error naming it.
func (s selection) events(ctx context.Context, store eventstore.Store, p *progress) iter.Seq2[eventstore.RecordedEvent, error] {
	return func(yield func(eventstore.RecordedEvent, error) bool) {
		keep := func(ev eventstore.RecordedEvent) bool {
			return s.asOf.IsZero() || !occurredAt(ev).After(s.asOf)
		}
		if s.stream != "" {
			for ev, err := range store.ReadStream(ctx, s.stream, eventstore.ReadStreamOptions{}) {
				if errors.Is(err, eventstore.ErrStreamNotFound) {
					yield(eventstore.RecordedEvent{}, fmt.Errorf("stream %q not found: %w", s.stream, err))
					return
				}
				if err != nil {
					yield(eventstore.RecordedEvent{}, fmt.Errorf("read %s: %w", s.stream, err))
					return
				}
				if keep(ev) && !yield(ev, nil) {
					return
				}
			}
			return
		}
		opts := eventstore.ReadAllOptions{}
		var owns func(eventstore.RecordedEvent) bool
		if s.customer != "" {
			prefixes := make([]string, len(customerCategories))
			for i, c := range customerCategories {
				prefixes[i] = c + "-"
			}
			opts.Filter = eventstore.StreamPrefix(prefixes...)
			owns = s.customerOwns()
		}
		for ev, err := range store.ReadAll(ctx, opts) {
			if err != nil {
				yield(eventstore.RecordedEvent{}, fmt.Errorf("read the log: %w", err))
				return
			}
			p.Step(ev.Position)
			if owns != nil && !owns(ev) {
				continue
			}
			if keep(ev) && !yield(ev, nil) {
				return
			}
		}
	}
}

// customerOwns returns a predicate over the log, in order, that selects the
// customer's events: their customer, wallet and compliance streams, and the
// transfer and quote streams whose first event names them. It remembers only
// the customer's own streams.
func (s selection) customerOwns() func(eventstore.RecordedEvent) bool {
	own := map[string]bool{
		customer.Aggregate.Stream(s.customer):   true,
		wallet.Aggregate.Stream(s.customer):     true,
		compliance.Aggregate.Stream(s.customer): true,
	}
	return func(ev eventstore.RecordedEvent) bool {
		if own[ev.Stream] {
			return true
		}
		if ev.Revision != 0 {
			return false
		}
		var first struct {
			SenderID   string `json:"sender_id"`
			CustomerID string `json:"customer_id"`
		}
		switch {
		case ev.Type == transfer.TypeRequested:
			if json.Unmarshal(ev.Data, &first) == nil && first.SenderID == s.customer {
				own[ev.Stream] = true
			}
		case ev.Type == quote.TypeIssued:
			if json.Unmarshal(ev.Data, &first) == nil && first.CustomerID == s.customer {
				own[ev.Stream] = true
			}
		}
		return own[ev.Stream]
	}
}

// atomicFile is a file that appears under its name only when complete:
// writes go to a temporary file in the same directory, and Commit syncs it
// and renames it into place.
type atomicFile struct {
	f    *os.File
	path string
	done bool
}

// createAtomic starts writing path.
func createAtomic(path string) (*atomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("--out %s is a directory", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &atomicFile{f: f, path: path}, nil
}

// Write writes to the temporary file.
func (a *atomicFile) Write(b []byte) (int, error) { return a.f.Write(b) }

// Commit syncs the temporary file, renames it to the target path and syncs
// the directory.
func (a *atomicFile) Commit() error {
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", a.f.Name(), err)
	}
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", a.f.Name(), err)
	}
	if err := os.Rename(a.f.Name(), a.path); err != nil {
		return fmt.Errorf("rename to %s: %w", a.path, err)
	}
	a.done = true
	if d, err := os.Open(filepath.Dir(a.path)); err == nil {
		serr := d.Sync()
		d.Close()
		if serr != nil {
			return fmt.Errorf("sync directory of %s: %w", a.path, serr)
		}
	}
	return nil
}

// Abort removes the temporary file unless Commit succeeded.
func (a *atomicFile) Abort() {
	if a.done {
		return
	}
	a.f.Close()
	os.Remove(a.f.Name())
	a.done = true
}
