package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/sanctions"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

func newReplayCmd(env func(string) (string, bool)) *cobra.Command {
	var (
		sf         storeFlags
		sel        selection
		transferID string
		asOf       string
		format     string
	)
	cmd := &cobra.Command{
		Use:   "replay (--stream S | --customer ID | --transfer ID)",
		Short: "Print a stream's, customer's or transfer's history and state as of an instant",
		Long: `Replay prints a history event by event — when it occurred, who decided it
(actor), the event type and a summary of its data — followed by the state of
each aggregate in it, folded with the aggregate's own rules from those events
only. With --as-of, events that occurred after that instant (their
occurred_at, which the hash chain covers) are left out, so the output is what
the platform knew and decided up to then.

--customer covers the customer's customer, wallet and compliance streams and
the transfers and quotes they started, in log order. Streams of other
categories (idempotency keys, checkpoints, rates) are shown without state.
` + offlineStoreHelp,
		Example: `  remitflow replay --transfer 7f3c2a9e --as-of 2026-11-21T09:30:00Z
  remitflow replay --customer cus_1a2b3c --format json
  remitflow replay --stream wallet-cus_1a2b3c`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if sel.asOf, err = parseAsOf(asOf); err != nil {
				return err
			}
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: want text or json", format)
			}
			if transferID != "" {
				sel.stream = transfer.Aggregate.Stream(transferID)
			}
			if err := sel.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			return withStore(ctx, env, sf, func(store eventstore.Store) error {
				h, err := replayHistory(ctx, store, sel, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if format == "json" {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(h)
				}
				return h.writeText(cmd.OutOrStdout())
			})
		},
	}
	sf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&sel.stream, "stream", "", "replay one stream (e.g. wallet-cus_1a2b3c)")
	f.StringVar(&sel.customer, "customer", "", "replay a customer's history")
	f.StringVar(&transferID, "transfer", "", "replay a transfer (stream transfer-<ID>)")
	f.StringVar(&asOf, "as-of", "", "replay up to this RFC 3339 instant (default: now)")
	f.StringVar(&format, "format", "text", "output: text or json")
	cmd.MarkFlagsMutuallyExclusive("stream", "customer", "transfer")
	cmd.MarkFlagsOneRequired("stream", "customer", "transfer")
	return cmd
}

// parseAsOf parses --as-of; empty means no bound.
func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: want an RFC 3339 time such as 2026-11-21T09:30:00Z", s)
	}
	return t.UTC(), nil
}

// history is what replay prints.
type history struct {
	Selection string `json:"selection"`
	// AsOf is the instant replayed up to; nil for "everything".
	AsOf   *time.Time    `json:"as_of,omitempty"`
	Events []eventRecord `json:"events"`
	States []streamState `json:"states"`
	folds  map[string]*fold
}

// streamState is one aggregate's state after the replayed events.
type streamState struct {
	Stream   string `json:"stream"`
	Category string `json:"category"`
	// Revision is the stream's last replayed revision.
	Revision uint64 `json:"revision"`
	// State is the folded aggregate rendered by plainState; nil for
	// categories without one.
	State any    `json:"state,omitempty"`
	Note  string `json:"note,omitempty"`
}

// replayHistory reads the selection and folds each stream's events.
func replayHistory(ctx context.Context, store eventstore.Store, sel selection, stderr io.Writer) (*history, error) {
	h := &history{folds: map[string]*fold{}, Events: []eventRecord{}}
	switch {
	case sel.stream != "":
		h.Selection = "stream " + sel.stream
	default:
		h.Selection = "customer " + sel.customer
	}
	if !sel.asOf.IsZero() {
		t := sel.asOf
		h.AsOf = &t
	}
	var p *progress
	if sel.scans() {
		p = newProgress(stderr, "replay")
		if head, ok, err := logHead(ctx, store); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		} else if ok {
			p.SetHead(head)
		}
	}
	var order []string
	for ev, err := range sel.events(ctx, store, p) {
		if err != nil {
			p.Done()
			return nil, fmt.Errorf("replay: %w", err)
		}
		h.Events = append(h.Events, newEventRecord(ev))
		f := h.folds[ev.Stream]
		if f == nil {
			f = newFold(eventstore.Category(ev.Stream))
			h.folds[ev.Stream] = f
			order = append(order, ev.Stream)
		}
		if err := f.apply(ev); err != nil {
			p.Done()
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	p.Done()
	if len(h.Events) == 0 {
		if sel.customer != "" {
			return nil, fmt.Errorf("replay: no events for customer %q%s", sel.customer, sel.asOfSuffix())
		}
		return nil, fmt.Errorf("replay: stream %q has no events%s", sel.stream, sel.asOfSuffix())
	}
	for _, s := range order {
		f := h.folds[s]
		st := streamState{Stream: s, Category: eventstore.Category(s), Revision: f.revision}
		if f.folder != nil {
			st.State = plainState(reflect.ValueOf(f.folder.state()))
		} else {
			st.Note = "no aggregate for this category; history only"
		}
		h.States = append(h.States, st)
	}
	return h, nil
}

// writeText prints the history as a table followed by each state as
// indented JSON.
func (h *history) writeText(w io.Writer) error {
	asOf := "now"
	if h.AsOf != nil {
		asOf = h.AsOf.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(w, "%s as of %s: %d events\n\n", h.Selection, asOf, len(h.Events))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OCCURRED AT\tSTREAM@REV\tTYPE\tACTOR\tDATA")
	for _, e := range h.Events {
		actor := e.Actor
		if actor == "" {
			actor = "-"
		}
		fmt.Fprintf(tw, "%s\t%s@%d\t%s\t%s\t%s\n", e.OccurredAt.Format(time.RFC3339Nano), e.Stream, e.Revision, e.Type, actor, summarize(e.Data))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range h.States {
		fmt.Fprintf(w, "\nstate of %s at revision %d", s.Stream, s.Revision)
		if s.State == nil {
			fmt.Fprintf(w, ": %s\n", s.Note)
			continue
		}
		b, err := json.MarshalIndent(s.State, "  ", "  ")
		if err != nil {
			return fmt.Errorf("replay: encode state of %s: %w", s.Stream, err)
		}
		fmt.Fprintf(w, ":\n  %s\n", b)
	}
	return nil
}

// fold follows one stream during replay.
type fold struct {
	folder   folder
	revision uint64
}

// apply folds one event, when the category has an aggregate.
func (f *fold) apply(ev eventstore.RecordedEvent) error {
	f.revision = ev.Revision
	if f.folder == nil {
		return nil
	}
	if err := f.folder.apply(ev.Type, ev.Data); err != nil {
		return fmt.Errorf("%s@%d (%s): %w", ev.Stream, ev.Revision, ev.Type, err)
	}
	return nil
}

// folder folds one aggregate's events with its own Decode and Evolve.
type folder interface {
	apply(eventType string, data []byte) error
	state() any
}

// aggregateFolder is a folder over a command.Aggregate.
type aggregateFolder[S, C any] struct {
	agg command.Aggregate[S, C]
	s   S
}

func (f *aggregateFolder[S, C]) apply(eventType string, data []byte) error {
	e, err := f.agg.Decode(eventType, data)
	if err != nil {
		return err
	}
	f.s = f.agg.Evolve(f.s, e)
	return nil
}

func (f *aggregateFolder[S, C]) state() any { return f.s }

func newAggregateFolder[S, C any](agg command.Aggregate[S, C]) folder {
	return &aggregateFolder[S, C]{agg: agg, s: agg.Initial()}
}

// newFold returns the fold of a stream category: the aggregate's when the
// category is one (customer, wallet, transfer, agent, quote, compliance,
// sanctions list), history only otherwise.
func newFold(category string) *fold {
	var f folder
	switch category {
	case customer.Aggregate.Category:
		f = newAggregateFolder(customer.Aggregate)
	case wallet.Aggregate.Category:
		f = newAggregateFolder(wallet.Aggregate)
	case transfer.Aggregate.Category:
		f = newAggregateFolder(transfer.Aggregate)
	case agent.Aggregate.Category:
		f = newAggregateFolder(agent.Aggregate)
	case quote.Aggregate.Category:
		f = newAggregateFolder(quote.Aggregate)
	case compliance.Aggregate.Category:
		f = newAggregateFolder(compliance.Aggregate)
	case sanctions.ListAggregate.Category:
		f = newAggregateFolder(sanctions.ListAggregate)
	}
	return &fold{folder: f}
}

// Summary limits.
const (
	maxSummary     = 320
	maxSummaryText = 48
)

// summarize renders an event's JSON data as "key=value" pairs in the order
// the data has them: amounts as "12.50 USD", nested objects one level deep
// ("recipient.name=…"), longer values cut short. Times named "at" repeat
// occurred_at and are left out, as is encrypted personal data.
func summarize(data []byte) string {
	var parts []string
	walkObject(data, "", 0, &parts)
	s := strings.Join(parts, " ")
	if utf8.RuneCountInString(s) > maxSummary {
		r := []rune(s)
		s = string(r[:maxSummary-1]) + "…"
	}
	return s
}

// walkObject appends the fields of a JSON object; it appends nothing for
// other values.
func walkObject(data []byte, prefix string, depth int, parts *[]string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return
		}
		if key == "at" || key == "pii" || key == "ciphertext" {
			continue
		}
		if v, ok := renderValue(raw, prefix+key, depth, parts); ok {
			*parts = append(*parts, prefix+key+"="+v)
		}
	}
}

// renderValue renders a scalar or an amount, or walks a nested object
// (returning false); empty values return false.
func renderValue(raw json.RawMessage, key string, depth int, parts *[]string) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '{':
		var amt struct {
			Value    json.Number `json:"value"`
			Currency string      `json:"currency"`
		}
		if json.Unmarshal(raw, &amt) == nil && amt.Currency != "" && amt.Value != "" && countKeys(raw) == 2 {
			return string(amt.Value) + " " + amt.Currency, true
		}
		if depth == 0 {
			walkObject(raw, key+".", depth+1, parts)
			return "", false
		}
		return "{…}", true
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
			return "", false
		}
		return fmt.Sprintf("[%d]", len(items)), true
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" {
			return "", false
		}
		if utf8.RuneCountInString(s) > maxSummaryText {
			s = string([]rune(s)[:maxSummaryText-1]) + "…"
		}
		if strings.ContainsAny(s, " \t\"=") {
			return fmt.Sprintf("%q", s), true
		}
		return s, true
	case 'n':
		return "", false
	}
	return string(raw), true
}

// countKeys returns the number of keys of a JSON object.
func countKeys(raw json.RawMessage) int {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return -1
	}
	return len(m)
}

var (
	amountType  = reflect.TypeFor[money.Amount]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
	timeType    = reflect.TypeFor[time.Time]()
	piiType     = reflect.TypeFor[customer.EncryptedPII]()
)

// field is one member of an object in plainState's output.
type field struct {
	name  string
	value any
}

// object is a JSON object that keeps its fields in order.
type object []field

// MarshalJSON encodes the fields in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// plainState renders an aggregate's state for people: exported struct
// fields in declaration order with zero values left out, amounts as
// "12.50 USD", decimals as strings, times in UTC RFC 3339, map entries in
// key order, encrypted personal data as its key ID and size. States are plain data; nothing here depends on a particular
// aggregate.
func plainState(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	switch v.Type() {
	case amountType:
		a := v.Interface().(money.Amount)
		if a.Currency == "" {
			return nil
		}
		return a.String()
	case decimalType:
		return v.Interface().(decimal.Decimal).String()
	case timeType:
		return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano)
	case piiType:
		p := v.Interface().(customer.EncryptedPII)
		return fmt.Sprintf("encrypted with key %s (%d bytes)", p.KeyID, len(p.Ciphertext))
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return plainState(v.Elem())
	case reflect.Struct:
		o := object{}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || v.Field(i).IsZero() {
				continue
			}
			if f.Anonymous {
				if inner, ok := plainState(v.Field(i)).(object); ok {
					o = append(o, inner...)
					continue
				}
			}
			o = append(o, field{f.Name, plainState(v.Field(i))})
		}
		return o
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes()
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = plainState(v.Index(i))
		}
		return out
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		o := make(object, 0, len(keys))
		for _, k := range keys {
			o = append(o, field{fmt.Sprint(k), plainState(v.MapIndex(k))})
		}
		return o
	}
	return v.Interface()
}
