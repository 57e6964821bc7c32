package wallet_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/command/commandtest"
	"github.com/remitflow/remitflow/domain/ledger"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/wallet"
)

const cus = "cus_1"

var (
	t0   = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	meta = wallet.Meta{ID: "cmd-1", Actor: "customer:cus_1"}
)

func usd(v string) money.Amount { return money.MustParse(v, "USD") }
func kes(v string) money.Amount { return money.MustParse(v, "KES") }

// show renders events as "type json" lines so that equal events compare equal
// and failures print readably.
func show(t *testing.T, events []command.Event) string {
	t.Helper()
	return commandtest.Show(t, events...)
}

func fold(given []command.Event) wallet.State {
	s := wallet.Aggregate.Initial()
	for _, e := range given {
		s = wallet.Aggregate.Evolve(s, e)
	}
	return s
}

type scenario struct {
	name  string
	given []command.Event
	when  wallet.Command
	then  []command.Event
	err   error
}

func run(t *testing.T, scenarios []scenario) {
	t.Helper()
	cases := make([]commandtest.Scenario[wallet.Command], len(scenarios))
	for i, sc := range scenarios {
		cases[i] = commandtest.Scenario[wallet.Command]{Name: sc.name, Given: sc.given, When: sc.when, Then: sc.then, Err: sc.err}
	}
	commandtest.Run(t, wallet.Aggregate, t0, cases)
}

func funded(ref string, a money.Amount) wallet.Funded {
	return wallet.Funded{CustomerID: cus, FundingRef: ref, Amount: a, At: t0}
}

func reserved(tr string, a, drawn money.Amount) wallet.Reserved {
	return wallet.Reserved{CustomerID: cus, TransferID: tr, Amount: a, CreditDrawn: drawn, At: t0}
}

func settlement(amount, fee money.Amount, recv money.Amount) ledger.Postings {
	net, _ := amount.Sub(fee)
	return ledger.Postings{
		{Account: ledger.CustomerReserved(cus), Amount: amount.Neg()},
		{Account: ledger.RevenueFees, Amount: fee},
		{Account: ledger.FX(amount.Currency), Amount: net},
		{Account: ledger.FX(recv.Currency), Amount: recv.Neg()},
		{Account: ledger.PartnerPayable("mpesa"), Amount: recv},
	}
}

func TestFund(t *testing.T) {
	run(t, []scenario{
		{name: "funds available",
			when: wallet.Fund{Meta: meta, CustomerID: cus, FundingRef: "card_1", Amount: usd("100")},
			then: []command.Event{funded("card_1", usd("100"))}},
		{name: "same reference and amount is a no-op",
			given: []command.Event{funded("card_1", usd("100"))},
			when:  wallet.Fund{Meta: meta, CustomerID: cus, FundingRef: "card_1", Amount: usd("100.00")}},
		{name: "same reference other amount",
			given: []command.Event{funded("card_1", usd("100"))},
			when:  wallet.Fund{Meta: meta, CustomerID: cus, FundingRef: "card_1", Amount: usd("90")},
			err:   wallet.ErrDuplicateFunding},
		{name: "zero amount",
			when: wallet.Fund{Meta: meta, CustomerID: cus, FundingRef: "card_1", Amount: usd("0")},
			err:  wallet.ErrInvalidCommand},
		{name: "negative amount",
			when: wallet.Fund{Meta: meta, CustomerID: cus, FundingRef: "card_1", Amount: usd("-5")},
			err:  wallet.ErrInvalidCommand},
		{name: "unknown currency",
			when: wallet.Fund{Meta: meta, CustomerID: cus, FundingRef: "card_1", Amount: money.Amount{Currency: "XXX"}},
			err:  wallet.ErrInvalidCommand},
		{name: "missing reference",
			when: wallet.Fund{Meta: meta, CustomerID: cus, Amount: usd("1")},
			err:  wallet.ErrInvalidCommand},
		{name: "missing command ID",
			when: wallet.Fund{Meta: wallet.Meta{Actor: "x"}, CustomerID: cus, FundingRef: "r", Amount: usd("1")},
			err:  wallet.ErrInvalidCommand},
		{name: "missing actor",
			when: wallet.Fund{Meta: wallet.Meta{ID: meta.ID}, CustomerID: cus, FundingRef: "r", Amount: usd("1")},
			err:  wallet.ErrInvalidCommand},
		{name: "missing customer",
			when: wallet.Fund{Meta: meta, FundingRef: "r", Amount: usd("1")},
			err:  wallet.ErrInvalidCommand},
		{name: "another customer's wallet",
			given: []command.Event{funded("card_1", usd("100"))},
			when:  wallet.Fund{Meta: meta, CustomerID: "cus_2", FundingRef: "r", Amount: usd("1")},
			err:   wallet.ErrWalletMismatch},
	})
}

var line = wallet.CreditLineApproved{CustomerID: cus, Limit: usd("50"), At: t0}

func TestReserve(t *testing.T) {
	run(t, []scenario{
		{name: "reserves from available",
			given: []command.Event{funded("f", usd("100"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("60")},
			then:  []command.Event{reserved("tr_1", usd("60"), usd("0"))}},
		{name: "exact balance",
			given: []command.Event{funded("f", usd("60"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("60")},
			then:  []command.Event{reserved("tr_1", usd("60"), usd("0"))}},
		{name: "repeat is a no-op",
			given: []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("60")}},
		{name: "same transfer other amount",
			given: []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("10")},
			err:   wallet.ErrReservationConflict},
		{name: "released transfer cannot be reserved again",
			given: []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0")),
				wallet.ReservationReleased{CustomerID: cus, TransferID: "tr_1", Amount: usd("60"), At: t0}},
			when: wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("60")},
			err:  wallet.ErrReservationConflict},
		{name: "insufficient without credit",
			given: []command.Event{funded("f", usd("10"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("10.01")},
			err:   wallet.ErrInsufficientFunds},
		{name: "other currency is not available",
			given: []command.Event{funded("f", usd("100"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: kes("10")},
			err:   wallet.ErrInsufficientFunds},
		{name: "draws the shortfall from credit",
			given: []command.Event{funded("f", usd("30")), line},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("70")},
			then: []command.Event{
				wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_1", Amount: usd("40"), At: t0},
				reserved("tr_1", usd("70"), usd("40")),
			}},
		{name: "draws the whole limit",
			given: []command.Event{line},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("50")},
			then: []command.Event{
				wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_1", Amount: usd("50"), At: t0},
				reserved("tr_1", usd("50"), usd("50")),
			}},
		{name: "beyond the limit",
			given: []command.Event{funded("f", usd("30")), line},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("80.01")},
			err:   wallet.ErrInsufficientFunds},
		{name: "credit line in another currency",
			given: []command.Event{line},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: kes("1")},
			err:   wallet.ErrInsufficientFunds},
		{name: "frozen by an overdue installment",
			given: []command.Event{line,
				wallet.CreditDrawn{CustomerID: cus, Amount: usd("20"), At: t0},
				wallet.InstallmentPlanCreated{CustomerID: cus, Installments: []wallet.Installment{{Number: 1, Due: t0, Amount: usd("20")}}, At: t0},
				wallet.InstallmentOverdue{CustomerID: cus, Number: 1, Due: t0, Outstanding: usd("20"), At: t0},
			},
			when: wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("21")},
			err:  wallet.ErrCreditFrozen},
		{name: "frozen line still allows reserving own money",
			given: []command.Event{line,
				wallet.CreditDrawn{CustomerID: cus, Amount: usd("20"), At: t0},
				wallet.InstallmentPlanCreated{CustomerID: cus, Installments: []wallet.Installment{{Number: 1, Due: t0, Amount: usd("20")}}, At: t0},
				wallet.InstallmentOverdue{CustomerID: cus, Number: 1, Due: t0, Outstanding: usd("20"), At: t0},
			},
			when: wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("20")},
			then: []command.Event{reserved("tr_1", usd("20"), usd("0"))}},
		{name: "missing transfer ID",
			given: []command.Event{funded("f", usd("100"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, Amount: usd("1")},
			err:   wallet.ErrInvalidCommand},
		{name: "zero amount",
			given: []command.Event{funded("f", usd("100"))},
			when:  wallet.Reserve{Meta: meta, CustomerID: cus, TransferID: "tr_1", Amount: usd("0")},
			err:   wallet.ErrInvalidCommand},
	})
}

func TestRelease(t *testing.T) {
	released := wallet.ReservationReleased{CustomerID: cus, TransferID: "tr_1", Amount: usd("60"), At: t0}
	run(t, []scenario{
		{name: "returns the reservation",
			given: []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0"))},
			when:  wallet.Release{Meta: meta, CustomerID: cus, TransferID: "tr_1"},
			then:  []command.Event{released}},
		{name: "repays the credit drawn for it",
			given: []command.Event{funded("f", usd("30")), line,
				wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_1", Amount: usd("30"), At: t0},
				reserved("tr_1", usd("60"), usd("30"))},
			when: wallet.Release{Meta: meta, CustomerID: cus, TransferID: "tr_1"},
			then: []command.Event{released,
				wallet.CreditRepaid{CustomerID: cus, Amount: usd("30"), Source: wallet.SourceRelease, TransferID: "tr_1", At: t0}}},
		{name: "repays no more than is still owed",
			given: []command.Event{funded("f", usd("30")), line,
				wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_1", Amount: usd("30"), At: t0},
				reserved("tr_1", usd("60"), usd("30")),
				wallet.CreditRepaid{CustomerID: cus, Amount: usd("25"), Source: wallet.SourceExternal, FundingRef: "bank_1", At: t0}},
			when: wallet.Release{Meta: meta, CustomerID: cus, TransferID: "tr_1"},
			then: []command.Event{released,
				wallet.CreditRepaid{CustomerID: cus, Amount: usd("5"), Source: wallet.SourceRelease, TransferID: "tr_1", At: t0}}},
		{name: "twice is a no-op",
			given: []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0")), released},
			when:  wallet.Release{Meta: meta, CustomerID: cus, TransferID: "tr_1"}},
		{name: "unknown transfer",
			given: []command.Event{funded("f", usd("100"))},
			when:  wallet.Release{Meta: meta, CustomerID: cus, TransferID: "tr_9"},
			err:   wallet.ErrReservationNotFound},
		{name: "after settlement",
			given: []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0")),
				wallet.Settled{CustomerID: cus, TransferID: "tr_1", Amount: usd("60"), Postings: settlement(usd("60"), usd("2"), kes("7500")), At: t0}},
			when: wallet.Release{Meta: meta, CustomerID: cus, TransferID: "tr_1"},
			err:  wallet.ErrReservationClosed},
		{name: "missing transfer ID",
			when: wallet.Release{Meta: meta, CustomerID: cus},
			err:  wallet.ErrInvalidCommand},
	})
}

func TestSettle(t *testing.T) {
	held := []command.Event{funded("f", usd("100")), reserved("tr_1", usd("60"), usd("0"))}
	good := settlement(usd("60"), usd("2"), kes("7500"))
	settled := wallet.Settled{CustomerID: cus, TransferID: "tr_1", Amount: usd("60"), Postings: good, At: t0}
	unbalanced := settlement(usd("60"), usd("2"), kes("7500"))
	unbalanced[1].Amount = usd("3")
	short := settlement(usd("50"), usd("2"), kes("7500"))
	toAvailable := append(settlement(usd("60"), usd("2"), kes("7500")),
		ledger.Move(ledger.FX("USD"), ledger.CustomerAvailable(cus), usd("1"))...)
	wrongCcy := ledger.Postings{
		{Account: ledger.CustomerReserved(cus), Amount: kes("-60")},
		{Account: ledger.PartnerPayable("mpesa"), Amount: kes("60")},
	}
	run(t, []scenario{
		{name: "settles with the given postings",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: good},
			then: []command.Event{settled}},
		{name: "same postings again is a no-op",
			given: append(held, settled), when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: good}},
		{name: "other postings after settlement",
			given: append(held, settled),
			when:  wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: settlement(usd("60"), usd("3"), kes("7500"))},
			err:   wallet.ErrReservationClosed},
		{name: "unbalanced",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: unbalanced},
			err: wallet.ErrInvalidSettlement},
		{name: "debits less than reserved",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: short},
			err: wallet.ErrInvalidSettlement},
		{name: "touches available",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: toAvailable},
			err: wallet.ErrInvalidSettlement},
		{name: "reserved debited in another currency",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: wrongCcy},
			err: wallet.ErrInvalidSettlement},
		{name: "no postings",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1"},
			err: wallet.ErrInvalidSettlement},
		{name: "released reservation",
			given: append(held, wallet.ReservationReleased{CustomerID: cus, TransferID: "tr_1", Amount: usd("60"), At: t0}),
			when:  wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_1", Postings: good},
			err:   wallet.ErrReservationClosed},
		{name: "unknown transfer",
			given: held, when: wallet.Settle{Meta: meta, CustomerID: cus, TransferID: "tr_2", Postings: good},
			err: wallet.ErrReservationNotFound},
	})
}

func TestCreditLine(t *testing.T) {
	drawn := wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_1", Amount: usd("40"), At: t0}
	run(t, []scenario{
		{name: "approves a limit",
			when: wallet.ApproveCreditLine{Meta: meta, CustomerID: cus, Limit: usd("50")},
			then: []command.Event{line}},
		{name: "same limit is a no-op",
			given: []command.Event{line},
			when:  wallet.ApproveCreditLine{Meta: meta, CustomerID: cus, Limit: usd("50.00")}},
		{name: "lowers within drawn",
			given: []command.Event{line, drawn},
			when:  wallet.ApproveCreditLine{Meta: meta, CustomerID: cus, Limit: usd("40")},
			then:  []command.Event{wallet.CreditLineApproved{CustomerID: cus, Limit: usd("40"), At: t0}}},
		{name: "below drawn",
			given: []command.Event{line, drawn},
			when:  wallet.ApproveCreditLine{Meta: meta, CustomerID: cus, Limit: usd("39.99")},
			err:   wallet.ErrCreditLimitBelowDrawn},
		{name: "other currency",
			given: []command.Event{line},
			when:  wallet.ApproveCreditLine{Meta: meta, CustomerID: cus, Limit: kes("5000")},
			err:   wallet.ErrCreditCurrency},
		{name: "negative limit",
			when: wallet.ApproveCreditLine{Meta: meta, CustomerID: cus, Limit: usd("-1")},
			err:  wallet.ErrInvalidCommand},
		{name: "repays from available",
			given: []command.Event{line, drawn, funded("f", usd("10"))},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("10"), Source: wallet.SourceAvailable},
			then:  []command.Event{wallet.CreditRepaid{CustomerID: cus, Amount: usd("10"), Source: wallet.SourceAvailable, At: t0}}},
		{name: "repays from external funding",
			given: []command.Event{line, drawn},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("40"), Source: wallet.SourceExternal, FundingRef: "bank_1"},
			then:  []command.Event{wallet.CreditRepaid{CustomerID: cus, Amount: usd("40"), Source: wallet.SourceExternal, FundingRef: "bank_1", At: t0}}},
		{name: "external repayment reference reused",
			given: []command.Event{line, drawn, wallet.CreditRepaid{CustomerID: cus, Amount: usd("10"), Source: wallet.SourceExternal, FundingRef: "bank_1", At: t0}},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("10"), Source: wallet.SourceExternal, FundingRef: "bank_1"}},
		{name: "external repayment without reference",
			given: []command.Event{line, drawn},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("1"), Source: wallet.SourceExternal},
			err:   wallet.ErrInvalidCommand},
		{name: "more than drawn",
			given: []command.Event{line, drawn, funded("f", usd("100"))},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("40.01"), Source: wallet.SourceAvailable},
			err:   wallet.ErrOverRepayment},
		{name: "available too small",
			given: []command.Event{line, drawn, reserved("tr_1", usd("40"), usd("40")), funded("f", usd("5"))},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("10"), Source: wallet.SourceAvailable},
			err:   wallet.ErrInsufficientFunds},
		{name: "no credit line",
			when: wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("10"), Source: wallet.SourceAvailable},
			err:  wallet.ErrNoCreditLine},
		{name: "repayment in another currency",
			given: []command.Event{line, drawn},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: kes("10"), Source: wallet.SourceExternal, FundingRef: "b"},
			err:   wallet.ErrCreditCurrency},
		{name: "unknown source",
			given: []command.Event{line, drawn},
			when:  wallet.RepayCredit{Meta: meta, CustomerID: cus, Amount: usd("10"), Source: "gift"},
			err:   wallet.ErrInvalidCommand},
	})
}

func TestInstallments(t *testing.T) {
	d1, d2, d3 := t0.AddDate(0, 1, 0), t0.AddDate(0, 2, 0), t0.AddDate(0, 3, 0)
	drawn := wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_1", Amount: usd("50"), At: t0}
	plan := wallet.InstallmentPlanCreated{CustomerID: cus, At: t0, Installments: []wallet.Installment{
		{Number: 1, Due: d1, Amount: usd("16.66")},
		{Number: 2, Due: d2, Amount: usd("16.66")},
		{Number: 3, Due: d3, Amount: usd("16.68")},
	}}
	run(t, []scenario{
		{name: "splits what is drawn, remainder last",
			given: []command.Event{line, drawn},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1, d2, d3}},
			then:  []command.Event{plan}},
		{name: "one plan at a time",
			given: []command.Event{line, drawn, plan},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1}},
			err:   wallet.ErrPlanExists},
		{name: "a paid plan makes room for a new one",
			given: []command.Event{line, drawn, plan,
				wallet.CreditRepaid{CustomerID: cus, Amount: usd("50"), Source: wallet.SourceExternal, FundingRef: "b", At: t0},
				wallet.CreditDrawn{CustomerID: cus, TransferID: "tr_2", Amount: usd("10"), At: t0}},
			when: wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1}},
			then: []command.Event{wallet.InstallmentPlanCreated{CustomerID: cus, At: t0, Installments: []wallet.Installment{
				{Number: 1, Due: d1, Amount: usd("10")}}}}},
		{name: "nothing drawn",
			given: []command.Event{line},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1}},
			err:   wallet.ErrNothingDrawn},
		{name: "no credit line",
			when: wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1}},
			err:  wallet.ErrNoCreditLine},
		{name: "no due dates",
			given: []command.Event{line, drawn},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus},
			err:   wallet.ErrInvalidCommand},
		{name: "due date in the past",
			given: []command.Event{line, drawn},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{t0}},
			err:   wallet.ErrInvalidCommand},
		{name: "due dates out of order",
			given: []command.Event{line, drawn},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d2, d1}},
			err:   wallet.ErrInvalidCommand},
		{name: "one part takes everything, even below a cent",
			given: []command.Event{line, wallet.CreditDrawn{CustomerID: cus, Amount: usd("0.004"), At: t0}},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1}},
			then: []command.Event{wallet.InstallmentPlanCreated{CustomerID: cus, At: t0, Installments: []wallet.Installment{
				{Number: 1, Due: d1, Amount: usd("0.004")}}}}},
		{name: "too many parts for the amount",
			given: []command.Event{line, wallet.CreditDrawn{CustomerID: cus, Amount: usd("0.02"), At: t0}},
			when:  wallet.CreateInstallmentPlan{Meta: meta, CustomerID: cus, DueDates: []time.Time{d1, d2, d3}},
			err:   wallet.ErrInvalidCommand},
	})

	// Overdue marking depends on now, so it runs outside the table.
	s := fold([]command.Event{line, drawn, plan})
	if got, err := wallet.Decide(s, wallet.MarkOverdue{Meta: meta, CustomerID: cus}, d1); err != nil || len(got) != 0 {
		t.Fatalf("MarkOverdue at the due date = %s, %v; want nothing", show(t, got), err)
	}
	later := d2.Add(time.Hour)
	got, err := wallet.Decide(s, wallet.MarkOverdue{Meta: meta, CustomerID: cus}, later)
	want := []command.Event{
		wallet.InstallmentOverdue{CustomerID: cus, Number: 1, Due: d1, Outstanding: usd("16.66"), At: later},
		wallet.InstallmentOverdue{CustomerID: cus, Number: 2, Due: d2, Outstanding: usd("16.66"), At: later},
	}
	if err != nil || show(t, got) != show(t, want) {
		t.Fatalf("MarkOverdue after two due dates = %s, %v; want %s", show(t, got), err, show(t, want))
	}
	for _, e := range got {
		s = wallet.Evolve(s, e)
	}
	if !s.Credit.Frozen() {
		t.Fatalf("credit line not frozen with overdue installments")
	}
	if got, _ := wallet.Decide(s, wallet.MarkOverdue{Meta: meta, CustomerID: cus}, later); len(got) != 0 {
		t.Fatalf("MarkOverdue again = %s; want nothing", show(t, got))
	}
	// Repaying the first two installments (in order) lifts the freeze.
	s = wallet.Evolve(s, wallet.CreditRepaid{CustomerID: cus, Amount: usd("33.32"), Source: wallet.SourceExternal, FundingRef: "b", At: later})
	if s.Credit.Frozen() {
		t.Fatalf("credit line still frozen after repaying the overdue installments: %+v", s.Credit.Plan)
	}
	if got := s.Credit.Plan[2].Outstanding(); !got.Equal(usd("16.68")) {
		t.Fatalf("third installment outstanding = %s, want 16.68 USD", got)
	}
}

func TestDecodeUnknown(t *testing.T) {
	if _, err := wallet.Decode("wallet.nope.v1", []byte(`{}`)); err == nil {
		t.Fatal("Decode(unknown type) succeeded")
	}
	if _, err := wallet.Decode(wallet.TypeFunded, []byte(`{"amount":1}`)); err == nil {
		t.Fatal("Decode(bad amount) succeeded")
	}
}

func TestErrorKinds(t *testing.T) {
	var k interface{ ErrorKind() string }
	err := fmt.Errorf("wrapped: %w", wallet.ErrInsufficientFunds)
	if !errors.As(err, &k) || k.ErrorKind() != "refused" {
		t.Fatalf("ErrInsufficientFunds kind = %v", k)
	}
}
