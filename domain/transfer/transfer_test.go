package transfer_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

const id = "tr_1"

func terms() transfer.QuoteTerms {
	return transfer.QuoteTerms{
		QuoteID: "q_1", Send: money.MustParse("100.00", "USD"), Fee: money.MustParse("2.99", "USD"),
		Total: money.MustParse("102.99", "USD"), Receive: money.MustParse("12900.00", "KES"),
		MidRate: decimal.RequireFromString("130"), CustomerRate: decimal.RequireFromString("129"),
		ExpiresAt: t0.Add(15 * time.Minute),
	}
}

var mobile = transfer.Recipient{Method: transfer.MobileWallet, Name: "John Kamau", MSISDN: "+254708374149", Provider: payout.MPesa, Country: "KE"}
var cash = transfer.Recipient{Method: transfer.CashPickup, Name: "Amina Otieno", Country: "KE"}

func request(r transfer.Recipient) transfer.Request {
	return transfer.Request{TransferID: id, SenderID: "cus_1", Recipient: r, Quote: terms(), Purpose: "family support", Reference: "idem-1"}
}

func requested(r transfer.Recipient) transfer.Requested {
	return transfer.Requested{TransferID: id, SenderID: "cus_1", Recipient: r, Quote: terms(), Purpose: "family support", Reference: "idem-1", At: t0}
}

var (
	cleared  = transfer.Screened{TransferID: id, Cleared: true, At: t0}
	held     = transfer.Screened{TransferID: id, Hits: []transfer.Hit{{Rule: "sanctions.ofac_sdn", Subject: "recipient", Score: 0.93}}, CaseID: "case_1", At: t0}
	funded   = transfer.Funded{TransferID: id, Amount: money.MustParse("102.99", "USD"), CreditDrawn: money.MustParse("0", "USD"), At: t0}
	sub1     = transfer.PayoutSubmitted{TransferID: id, Attempt: 1, Reference: "ref-1", Partner: "mpesa", Provider: payout.MPesa, Amount: money.MustParse("12900.00", "KES"), At: t0}
	failed1r = transfer.PayoutFailed{TransferID: id, Attempt: 1, Reference: "ref-1", Code: "1", Reason: "insufficient balance", Retryable: true, At: t0}
	failed1  = transfer.PayoutFailed{TransferID: id, Attempt: 1, Reference: "ref-1", Code: "2001", Reason: "invalid initiator", At: t0}
	paid1    = transfer.PaidOut{TransferID: id, Method: transfer.MobileWallet, Attempt: 1, Reference: "ref-1", PartnerReference: "RKTQDM7W6S", Amount: money.MustParse("12900.00", "KES"), At: t0}
	issued   = transfer.PickupCodeIssued{TransferID: id, CodeHash: transfer.HashPickupCode(id, "12345678"), ExpiresAt: t0.Add(72 * time.Hour), At: t0}
	locked   = transfer.PickupLocked{TransferID: id, AgentID: "agt_1", Until: t0.Add(transfer.LockDuration), At: t0}
)

func fold(events ...command.Event) transfer.State {
	s := transfer.Aggregate.Initial()
	for _, e := range events {
		s = transfer.Aggregate.Evolve(s, e)
	}
	return s
}

func result(ref string, st payout.State, retryable bool) transfer.RecordPayoutResult {
	return transfer.RecordPayoutResult{Result: payout.Result{Reference: ref, State: st, PartnerReference: "RKTQDM7W6S", Retryable: retryable, Code: "c", Reason: "r"}}
}

func TestDecide(t *testing.T) {
	mob := []command.Event{requested(mobile), cleared, funded}
	pick := []command.Event{requested(cash), cleared, funded, issued}
	otherTerms := request(mobile)
	otherTerms.Quote.Receive = money.MustParse("13000.00", "KES")
	badMSISDN := request(mobile)
	badMSISDN.Recipient.MSISDN = "0708374149"
	badTotal := request(mobile)
	badTotal.Quote.Total = money.MustParse("100.00", "USD")
	usd := money.MustParse("102.99", "USD")
	wrongProvider := request(mobile)
	wrongProvider.Recipient.Provider = payout.MoMo
	wrongCurrency := request(cash)
	wrongCurrency.Recipient.Country = "UG"
	noCountry := request(cash)
	noCountry.Recipient.Country = "FR"

	cases := []struct {
		name  string
		given []command.Event
		when  transfer.Command
		at    time.Time
		then  []command.Event
		err   error
	}{
		{"request", nil, request(mobile), t0, []command.Event{requested(mobile)}, nil},
		{"request again is a no-op", []command.Event{requested(mobile)}, request(mobile), t0, nil, nil},
		{"same ID, other content", []command.Event{requested(mobile)}, otherTerms, t0, nil, transfer.ErrDuplicateRequest},
		{"expired quote", nil, request(mobile), t0.Add(15 * time.Minute), nil, transfer.ErrQuoteExpired},
		{"bad MSISDN", nil, badMSISDN, t0, nil, transfer.ErrInvalidRecipient},
		{"inconsistent terms", nil, badTotal, t0, nil, transfer.ErrInvalidCommand},
		{"provider not in country", nil, wrongProvider, t0, nil, transfer.ErrUnsupportedCorridor},
		{"currency not the country's", nil, wrongCurrency, t0, nil, transfer.ErrUnsupportedCorridor},
		{"country not served", nil, noCountry, t0, nil, transfer.ErrUnsupportedCorridor},
		{"unknown transfer", nil, transfer.Complete{}, t0, nil, transfer.ErrTransferNotFound},
		{"screen clear", []command.Event{requested(mobile)}, transfer.RecordScreening{Cleared: true}, t0, []command.Event{cleared}, nil},
		{"screen hold", []command.Event{requested(mobile)}, transfer.RecordScreening{Hits: held.Hits, CaseID: "case_1"}, t0, []command.Event{held}, nil},
		{"screen twice", []command.Event{requested(mobile), cleared}, transfer.RecordScreening{Cleared: true}, t0, nil, nil},
		{"hold without hits", []command.Event{requested(mobile)}, transfer.RecordScreening{}, t0, nil, transfer.ErrInvalidCommand},
		{"release", []command.Event{requested(mobile), held}, transfer.Release{By: "staff:alice", Reason: "false positive"}, t0,
			[]command.Event{transfer.Released{TransferID: id, By: "staff:alice", Reason: "false positive", At: t0}}, nil},
		{"reject", []command.Event{requested(mobile), held}, transfer.Reject{By: "staff:alice", Reason: "true match"}, t0,
			[]command.Event{transfer.Rejected{TransferID: id, By: "staff:alice", Reason: "true match", At: t0}}, nil},
		{"decision without reason", []command.Event{requested(mobile), held}, transfer.Release{By: "staff:alice"}, t0, nil, transfer.ErrInvalidCommand},
		{"release a cleared transfer", []command.Event{requested(mobile), cleared}, transfer.Release{By: "staff:alice", Reason: "x"}, t0, nil, transfer.ErrInvalidTransition},
		{"fund", []command.Event{requested(mobile), cleared}, transfer.MarkFunded{Amount: usd, CreditDrawn: money.MustParse("0", "USD")}, t0, []command.Event{funded}, nil},
		{"fund twice", mob, transfer.MarkFunded{Amount: usd}, t0, nil, nil},
		{"fund a held transfer", []command.Event{requested(mobile), held}, transfer.MarkFunded{Amount: usd}, t0, nil, transfer.ErrInvalidTransition},
		{"fund the wrong amount", []command.Event{requested(mobile), cleared}, transfer.MarkFunded{Amount: money.MustParse("1", "USD")}, t0, nil, transfer.ErrInvalidCommand},
		{"expire", []command.Event{requested(mobile), cleared}, transfer.Expire{}, t0.Add(time.Hour),
			[]command.Event{transfer.Expired{TransferID: id, QuoteExpiredAt: terms().ExpiresAt, At: t0.Add(time.Hour)}}, nil},
		{"expire too early", []command.Event{requested(mobile), cleared}, transfer.Expire{}, t0, nil, transfer.ErrQuoteNotExpired},
		{"expire after funding", mob, transfer.Expire{}, t0.Add(time.Hour), nil, transfer.ErrInvalidTransition},
		{"cancel funded", mob, transfer.Cancel{By: "customer:cus_1"}, t0,
			[]command.Event{transfer.Cancelled{TransferID: id, By: "customer:cus_1", Funded: true, At: t0}}, nil},
		{"cancel after submission", append(mob, sub1), transfer.Cancel{By: "customer:cus_1"}, t0, nil, transfer.ErrCancelNotAllowed},
		{"cancel after pickup code", pick, transfer.Cancel{By: "customer:cus_1"}, t0, nil, transfer.ErrCancelNotAllowed},
		{"submit", mob, transfer.SubmitPayout{Attempt: 1, Reference: "ref-1", Partner: "mpesa"}, t0, []command.Event{sub1}, nil},
		{"submit again", append(mob, sub1), transfer.SubmitPayout{Attempt: 1, Reference: "ref-1", Partner: "mpesa"}, t0, nil, nil},
		{"second attempt before failure", append(mob, sub1), transfer.SubmitPayout{Attempt: 2, Reference: "ref-2", Partner: "mpesa"}, t0, nil, transfer.ErrInvalidTransition},
		{"second attempt after retryable failure", append(mob, sub1, failed1r), transfer.SubmitPayout{Attempt: 2, Reference: "ref-2", Partner: "mpesa"}, t0,
			[]command.Event{transfer.PayoutSubmitted{TransferID: id, Attempt: 2, Reference: "ref-2", Partner: "mpesa", Provider: payout.MPesa, Amount: money.MustParse("12900.00", "KES"), At: t0}}, nil},
		{"submit cash pickup", pick, transfer.SubmitPayout{Attempt: 1, Reference: "ref-1", Partner: "mpesa"}, t0, nil, transfer.ErrWrongPayoutMethod},
		{"success", append(mob, sub1), result("ref-1", payout.StateSucceeded, false), t0, []command.Event{paid1}, nil},
		{"success twice", append(mob, sub1, paid1), result("ref-1", payout.StateSucceeded, false), t0, nil, nil},
		{"second success", append(mob, sub1, failed1r, transfer.PayoutSubmitted{TransferID: id, Attempt: 2, Reference: "ref-2", Partner: "mpesa", At: t0},
			transfer.PaidOut{TransferID: id, Method: transfer.MobileWallet, Attempt: 2, Reference: "ref-2", At: t0}),
			result("ref-1", payout.StateSucceeded, false), t0, nil, transfer.ErrAlreadyPaid},
		{"unknown reference", append(mob, sub1), result("ref-9", payout.StateSucceeded, false), t0, nil, transfer.ErrUnknownPayoutReference},
		{"amount mismatch", append(mob, sub1), transfer.RecordPayoutResult{Result: payout.Result{Reference: "ref-1", State: payout.StateSucceeded, Amount: ptr(money.MustParse("100", "KES"))}}, t0, nil, transfer.ErrPayoutAmountMismatch},
		{"pending", append(mob, sub1), transfer.RecordPayoutResult{Result: payout.Result{Reference: "ref-1", State: payout.StatePending}}, t0,
			[]command.Event{transfer.PayoutPending{TransferID: id, Attempt: 1, Reference: "ref-1", State: payout.StatePending, At: t0}}, nil},
		{"retryable failure", append(mob, sub1), result("ref-1", payout.StateFailed, true), t0,
			[]command.Event{transfer.PayoutFailed{TransferID: id, Attempt: 1, Reference: "ref-1", Code: "c", Reason: "r", Retryable: true, At: t0}}, nil},
		{"abandon after retryable failure", append(mob, sub1, failed1r), transfer.AbandonPayout{Reason: "3 attempts"}, t0,
			[]command.Event{transfer.PayoutFailed{TransferID: id, Attempt: 1, Reference: "ref-1", Code: "attempts_exhausted", Reason: "3 attempts", At: t0}}, nil},
		{"abandon in flight", append(mob, sub1), transfer.AbandonPayout{Reason: "x"}, t0, nil, transfer.ErrInvalidTransition},
		{"failure twice", append(mob, sub1, failed1), result("ref-1", payout.StateFailed, false), t0, nil, nil},
		{"complete", append(mob, sub1, paid1), transfer.Complete{}, t0,
			[]command.Event{transfer.Completed{TransferID: id, Receive: money.MustParse("12900.00", "KES"), At: t0}}, nil},
		{"complete unpaid", append(mob, sub1), transfer.Complete{}, t0, nil, transfer.ErrInvalidTransition},
		{"refund after final failure", append(mob, sub1, failed1), transfer.RecordRefund{Amount: usd}, t0,
			[]command.Event{transfer.Refunded{TransferID: id, Amount: usd, At: t0}}, nil},
		{"refund after retryable failure", append(mob, sub1, failed1r), transfer.RecordRefund{Amount: usd}, t0, nil, transfer.ErrInvalidTransition},
		{"refund paid", append(mob, sub1, paid1), transfer.RecordRefund{Amount: usd}, t0, nil, transfer.ErrInvalidTransition},
		{"issue pickup code", []command.Event{requested(cash), cleared, funded}, transfer.IssuePickupCode{Code: "12345678", ExpiresAt: t0.Add(72 * time.Hour)}, t0, []command.Event{issued}, nil},
		{"issue pickup code again", pick, transfer.IssuePickupCode{Code: "12345678", ExpiresAt: t0.Add(72 * time.Hour)}, t0, nil, nil},
		{"issue pickup code to mobile", mob, transfer.IssuePickupCode{Code: "12345678", ExpiresAt: t0.Add(time.Hour)}, t0, nil, transfer.ErrWrongPayoutMethod},
		{"lock", pick, transfer.LockPickup{AgentID: "agt_1", Code: "12345678"}, t0, []command.Event{locked}, nil},
		{"lock wrong code", pick, transfer.LockPickup{AgentID: "agt_1", Code: "12345679"}, t0,
			[]command.Event{transfer.PickupCodeRejected{TransferID: id, AgentID: "agt_1", Failures: 1, At: t0}}, nil},
		{"pay with wrong code", append(pick, locked), transfer.PayPickup{AgentID: "agt_1", Code: "1", IDType: "passport", IDNumber: "A1"}, t0,
			[]command.Event{transfer.PickupCodeRejected{TransferID: id, AgentID: "agt_1", Failures: 1, At: t0}}, nil},
		{"lock after too many wrong codes", append(pick, transfer.PickupCodeRejected{TransferID: id, AgentID: "agt_2", Failures: transfer.MaxPickupCodeFailures, At: t0}),
			transfer.LockPickup{AgentID: "agt_1", Code: "12345678"}, t0, nil, transfer.ErrPickupBlocked},
		{"lock held by another agent", append(pick, locked), transfer.LockPickup{AgentID: "agt_2", Code: "12345678"}, t0.Add(time.Minute), nil, transfer.ErrPickupLocked},
		{"lock after the other agent's lock lapsed", append(pick, locked), transfer.LockPickup{AgentID: "agt_2", Code: "12345678"}, t0.Add(11 * time.Minute),
			[]command.Event{transfer.PickupLocked{TransferID: id, AgentID: "agt_2", Until: t0.Add(21 * time.Minute), At: t0.Add(11 * time.Minute)}}, nil},
		{"pay pickup", append(pick, locked), transfer.PayPickup{AgentID: "agt_1", Code: "12345678", IDType: "passport", IDNumber: "A1234567"}, t0.Add(time.Minute),
			[]command.Event{transfer.PaidOut{TransferID: id, Method: transfer.CashPickup, AgentID: "agt_1", IDType: "passport", IDNumberHash: transfer.HashIDNumber(id, "passport", "A1234567"), Amount: money.MustParse("12900.00", "KES"), At: t0.Add(time.Minute)}}, nil},
		{"pay pickup without lock", pick, transfer.PayPickup{AgentID: "agt_1", Code: "12345678", IDType: "passport", IDNumber: "A1"}, t0, nil, transfer.ErrPickupNotLocked},
		{"pay pickup after lock lapsed", append(pick, locked), transfer.PayPickup{AgentID: "agt_1", Code: "12345678", IDType: "passport", IDNumber: "A1"}, t0.Add(10 * time.Minute), nil, transfer.ErrPickupNotLocked},
		{"pay pickup by another agent", append(pick, locked), transfer.PayPickup{AgentID: "agt_2", Code: "12345678", IDType: "passport", IDNumber: "A1"}, t0, nil, transfer.ErrPickupNotLocked},
		{"pay pickup without ID", append(pick, locked), transfer.PayPickup{AgentID: "agt_1", Code: "12345678"}, t0, nil, transfer.ErrInvalidCommand},
		{"pay pickup twice", append(pick, locked, transfer.PaidOut{TransferID: id, Method: transfer.CashPickup, AgentID: "agt_1", IDType: "passport", IDNumberHash: transfer.HashIDNumber(id, "passport", "A1"), At: t0}),
			transfer.PayPickup{AgentID: "agt_2", Code: "12345678", IDType: "passport", IDNumber: "A1"}, t0, nil, transfer.ErrAlreadyPaid},
		{"expire pickup", pick, transfer.ExpirePickup{}, t0.Add(72 * time.Hour), []command.Event{transfer.PickupExpired{TransferID: id, At: t0.Add(72 * time.Hour)}}, nil},
		{"expire pickup early", pick, transfer.ExpirePickup{}, t0, nil, transfer.ErrPickupNotExpired},
		{"lock expired pickup", pick, transfer.LockPickup{AgentID: "agt_1", Code: "12345678"}, t0.Add(72 * time.Hour), nil, transfer.ErrPickupExpired},
		{"refund expired pickup", append(pick, transfer.PickupExpired{TransferID: id, At: t0}), transfer.RecordRefund{Amount: usd}, t0,
			[]command.Event{transfer.Refunded{TransferID: id, Amount: usd, At: t0}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := transfer.Aggregate.Decide(fold(c.given...), c.when, c.at)
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("Decide(%T) error = %v, want %v", c.when, err, c.err)
			}
			if err != nil && got != nil {
				t.Errorf("Decide(%T) returned events with an error", c.when)
			}
			if w, g := show(c.then), show(got); w != g {
				t.Errorf("Decide(%T) events:\n got %s\nwant %s", c.when, g, w)
			}
		})
	}
}

// show renders events as type + canonical JSON, so that equal amounts with
// different decimal representations compare equal.
func show(events []command.Event) string {
	out := ""
	for _, e := range events {
		b, _ := json.Marshal(e)
		out += fmt.Sprintf("%T%s ", e, b)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestPublicStatus(t *testing.T) {
	pick := []command.Event{requested(cash), cleared, funded, issued}
	cases := []struct {
		given []command.Event
		want  transfer.Public
	}{
		{nil, ""},
		{[]command.Event{requested(mobile)}, transfer.PublicPending},
		{[]command.Event{requested(mobile), held}, transfer.PublicHeld},
		{[]command.Event{requested(mobile), cleared}, transfer.PublicProcessing},
		{[]command.Event{requested(mobile), cleared, funded, sub1}, transfer.PublicProcessing},
		{[]command.Event{requested(mobile), cleared, funded, sub1, failed1r}, transfer.PublicProcessing},
		{[]command.Event{requested(mobile), cleared, funded, sub1, failed1}, transfer.PublicFailed},
		{[]command.Event{requested(mobile), cleared, funded, sub1, failed1, transfer.Refunded{TransferID: id}}, transfer.PublicRefunded},
		{[]command.Event{requested(mobile), cleared, funded, sub1, paid1}, transfer.PublicPaidOut},
		{[]command.Event{requested(mobile), cleared, funded, sub1, paid1, transfer.Completed{TransferID: id}}, transfer.PublicCompleted},
		{[]command.Event{requested(mobile), cleared, funded, transfer.Cancelled{TransferID: id, Funded: true}, transfer.Refunded{TransferID: id}}, transfer.PublicCancelled},
		{[]command.Event{requested(mobile), transfer.Expired{TransferID: id}}, transfer.PublicExpired},
		{[]command.Event{requested(mobile), held, transfer.Rejected{TransferID: id}}, transfer.PublicFailed},
		{pick, transfer.PublicProcessing},
		{append(pick, transfer.PickupExpired{TransferID: id}), transfer.PublicExpired},
	}
	for _, c := range cases {
		s := fold(c.given...)
		if got := transfer.PublicStatus(s); got != c.want {
			t.Errorf("PublicStatus(%s) = %q, want %q", s.Status, got, c.want)
		}
	}
}

func TestEventsRoundTrip(t *testing.T) {
	events := []command.Event{requested(mobile), cleared, held, funded, sub1, failed1r, paid1, issued, locked,
		transfer.Released{TransferID: id, By: "a", Reason: "b", At: t0}, transfer.Rejected{TransferID: id, At: t0},
		transfer.FundingFailed{TransferID: id, Reason: "x", At: t0}, transfer.Expired{TransferID: id, At: t0},
		transfer.Cancelled{TransferID: id, At: t0}, transfer.PayoutPending{TransferID: id, State: payout.StateUnknown, At: t0},
		transfer.PickupExpired{TransferID: id, At: t0}, transfer.PickupCodeRejected{TransferID: id, AgentID: "a", Failures: 2, At: t0}, transfer.Completed{TransferID: id, Receive: money.MustParse("1", "KES"), At: t0},
		transfer.Refunded{TransferID: id, Amount: money.MustParse("1", "USD"), At: t0}}
	for _, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshal %s: %v", e.EventType(), err)
		}
		back, err := transfer.Decode(e.EventType(), b)
		if err != nil {
			t.Fatalf("Decode(%s): %v", e.EventType(), err)
		}
		if w, g := show([]command.Event{e}), show([]command.Event{back}); w != g {
			t.Errorf("round trip of %s:\n got %s\nwant %s", e.EventType(), g, w)
		}
	}
	if _, err := transfer.Decode("transfer.nope.v1", []byte(`{}`)); err == nil {
		t.Error("Decode of an unknown type succeeded")
	}
}

func TestSealedRecipient(t *testing.T) {
	sealed := mobile
	sealed.PII = customer.EncryptedPII{KeyID: "k:cus_1", Ciphertext: []byte("opaque")}
	req := request(sealed)
	events, err := transfer.Decide(transfer.State{}, req, t0)
	if err != nil {
		t.Fatal(err)
	}
	r := events[0].(transfer.Requested)
	if r.Recipient.Name != "" || r.Recipient.MSISDN != "" || !r.Recipient.IsSealed() {
		t.Errorf("event recipient %+v keeps clear details", r.Recipient)
	}
	for _, v := range []any{r, req} {
		b, _ := json.Marshal(v)
		if s := string(b); strings.Contains(s, "Kamau") || strings.Contains(s, "708374149") {
			t.Errorf("%T JSON has clear details: %s", v, s)
		}
	}
	// Re-sealed (new ciphertext) with the same key: the same request.
	again := req
	again.Recipient.PII.Ciphertext = []byte("other bytes")
	if evs, err := transfer.Decide(fold(r), again, t0); err != nil || evs != nil {
		t.Errorf("same request re-sealed: %v, %v", evs, err)
	}
	clear := request(mobile)
	if evs, err := transfer.Decide(transfer.State{}, clear, t0); err != nil || evs[0].(transfer.Requested).Recipient.Name != "John Kamau" {
		t.Errorf("unsealed request keeps its details: %v, %v", evs, err)
	}
	noCipher := request(mobile)
	noCipher.Recipient.PII.KeyID = "k"
	if _, err := transfer.Decide(transfer.State{}, noCipher, t0); !errors.Is(err, transfer.ErrInvalidRecipient) {
		t.Errorf("sealed without ciphertext: %v", err)
	}
}
