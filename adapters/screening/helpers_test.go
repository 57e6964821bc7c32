package screening_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/adapters/sanctionslist"
	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/sanctions"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// clock is a settable fake clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var (
	ofacOnce sync.Once
	ofacList *sanctions.List
	ofacErr  error
)

// ofac returns the embedded OFAC snapshot, parsed once per test binary.
func ofac(t *testing.T) *sanctions.List {
	t.Helper()
	ofacOnce.Do(func() {
		var f sanctionslist.Files
		if f, ofacErr = sanctionslist.Snapshot(); ofacErr != nil {
			return
		}
		ofacList, ofacErr = sanctions.Parse(bytes.NewReader(f[0]), bytes.NewReader(f[1]), bytes.NewReader(f[2]), t0)
	})
	if ofacErr != nil {
		t.Fatalf("parse the OFAC snapshot: %v", ofacErr)
	}
	return ofacList
}

// smallFiles are list files of three entries, and extra rows of sdn.csv;
// okaforRemarks is entry 1's remarks, acmeProgram entry 2's programme.
func smallFiles(okaforRemarks, acmeProgram, extra string) sanctionslist.Files {
	sdn := fmt.Sprintf("1,\"OKAFOR, Chidi Emeka\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,%q\r\n", okaforRemarks) +
		fmt.Sprintf("2,\"ACME GLOBAL TRADING LLC\",-0- ,%q,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", acmeProgram) +
		"3,\"VOLKOV, Dmitri Sergeyevich\",\"individual\",\"RUSSIA-EO14024\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 03 Mar 1971.\"\r\n" +
		extra
	alt := "1,101,\"aka\",\"OKAFOR, Chidi\",-0- \r\n"
	add := "1,201,-0- ,\"Lagos\",\"Nigeria\",-0- \r\n2,202,-0- ,\"Dubai\",\"United Arab Emirates\",-0- \r\n"
	return sanctionslist.Files{[]byte(sdn), []byte(alt), []byte(add)}
}

// smallList parses smallFiles without extra rows.
func smallList(t *testing.T, okaforRemarks, acmeProgram string) *sanctions.List {
	t.Helper()
	return parseFiles(t, smallFiles(okaforRemarks, acmeProgram, ""))
}

func parseFiles(t *testing.T, f sanctionslist.Files) *sanctions.List {
	t.Helper()
	l, err := sanctions.Parse(bytes.NewReader(f[0]), bytes.NewReader(f[1]), bytes.NewReader(f[2]), t0)
	if err != nil {
		t.Fatalf("parse the small list: %v", err)
	}
	return l
}

func install(t *testing.T, h *sanctions.Holder, l *sanctions.List) *sanctions.Screener {
	t.Helper()
	sc, err := sanctions.NewScreener(l, sanctions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h.Replace(sc)
	return sc
}

type env struct {
	store    *memory.Store
	clock    *clock
	vault    *pii.Vault
	lists    *sanctions.Holder
	screener *screening.Screener
	reviews  *screening.Reviews
	logs     *bytes.Buffer
}

func newEnv(t *testing.T, l *sanctions.List) *env {
	t.Helper()
	v, err := pii.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: memory.New(), clock: &clock{now: t0}, vault: v, lists: &sanctions.Holder{}, logs: &bytes.Buffer{}}
	if l != nil {
		install(t, e.lists, l)
	}
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	if e.screener, err = screening.NewScreener(screening.Config{Store: e.store, Clock: e.clock, Lists: e.lists, Vault: v, Logger: log}); err != nil {
		t.Fatal(err)
	}
	if e.reviews, err = screening.NewReviews(e.store, e.clock, e.lists); err != nil {
		t.Fatal(err)
	}
	return e
}

// register registers a customer the way the HTTP API does: the name and
// phone encrypted under the customer ID.
func (e *env) register(t *testing.T, id, name, phone, country string, tier customer.Tier) {
	t.Helper()
	plain, _ := json.Marshal(screening.Personal{Name: name, Phone: phone})
	keyID, ct, err := e.vault.Encrypt(id, plain)
	if err != nil {
		t.Fatal(err)
	}
	cmdID := command.DeriveID("register", id)
	if _, err := command.Handle(context.Background(), e.store, customer.Aggregate, id, customer.Command(customer.Register{
		Meta: customer.Meta{ID: cmdID, Actor: "staff:test"}, CustomerID: id, Country: country, Phone: phone, Tier: tier,
		PII: customer.EncryptedPII{KeyID: keyID, Ciphertext: ct},
	}), command.CommandMeta{CommandID: cmdID, Actor: "staff:test", Clock: e.clock}); err != nil {
		t.Fatalf("register %s: %v", id, err)
	}
}

func (e *env) compliance(t *testing.T, subject string) compliance.State {
	t.Helper()
	st, _, _, err := command.Load(context.Background(), e.store, compliance.Aggregate, subject)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// events lists the event types of a stream.
func (e *env) events(t *testing.T, stream string) []string {
	t.Helper()
	var out []string
	for ev, err := range e.store.ReadStream(context.Background(), stream, eventstore.ReadStreamOptions{}) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.Type)
	}
	return out
}

func count(types []string, want string) int {
	n := 0
	for _, ty := range types {
		if ty == want {
			n++
		}
	}
	return n
}

// transferState is a requested transfer paying total (no fee) to a cash
// pickup recipient in Nigeria.
func transferState(id, senderID, recipientName string, total money.Amount, at time.Time) transfer.State {
	return transfer.State{
		ID: id, Status: transfer.StatusRequested, SenderID: senderID, RequestedAt: at, UpdatedAt: at,
		Recipient: transfer.Recipient{Method: transfer.CashPickup, Name: recipientName, Country: "NG"},
		Quote: transfer.QuoteTerms{
			QuoteID: "q_" + id, Send: total, Fee: money.Amount{Value: decimal.Zero, Currency: total.Currency}, Total: total,
			Receive: money.MustParse("1000.00", "NGN"), MidRate: decimal.NewFromInt(2), CustomerRate: decimal.NewFromInt(2),
			ExpiresAt: at.Add(time.Hour),
		},
		Purpose: "family support", Reference: "ref_" + id,
	}
}

// request writes the transfer to its stream, as the transfer Service does.
func (e *env) request(t *testing.T, s transfer.State) {
	t.Helper()
	cmdID := command.DeriveID("request", s.ID)
	if _, err := command.Handle(context.Background(), e.store, transfer.Aggregate, s.ID, transfer.Command(transfer.Request{
		TransferID: s.ID, SenderID: s.SenderID, Recipient: s.Recipient, Quote: s.Quote, Purpose: s.Purpose, Reference: s.Reference,
	}), command.CommandMeta{CommandID: cmdID, Actor: "customer:" + s.SenderID, Clock: e.clock}); err != nil {
		t.Fatalf("request %s: %v", s.ID, err)
	}
}
