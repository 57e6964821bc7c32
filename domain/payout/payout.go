// Package payout is the port through which the transfer process pays a
// recipient via a mobile-money partner, and the vocabulary of payout outcomes.
//
// Rules every adapter follows:
//   - Submit is idempotent by Request.Reference: submitting the same
//     reference twice never pays twice; the partner's duplicate answer is
//     turned into the payout's current status.
//   - An answer that does not prove the outcome (accepted, timeout, HTTP 5xx,
//     a dropped connection) is StatePending or StateUnknown, never StateFailed:
//     the caller resolves it with Status before any new attempt.
//   - StateFailed with Retryable true means the partner certainly did not pay
//     and a new attempt (new reference) is safe; Retryable false is final.
package payout

import (
	"context"
	"errors"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

// Provider names a mobile-money partner.
type Provider string

// Supported providers.
const (
	MPesa  Provider = "mpesa"
	MoMo   Provider = "mtn_momo"
	Airtel Provider = "airtel"
)

// Valid reports whether p is a supported provider.
func (p Provider) Valid() bool { return p == MPesa || p == MoMo || p == Airtel }

// State is where a payout stands.
type State string

// Payout states.
const (
	// StatePending: the partner accepted the request; the outcome is not known yet.
	StatePending State = "pending"
	// StateUnknown: we could not learn whether the partner received the
	// request (timeout, 5xx); query Status before anything else.
	StateUnknown State = "unknown"
	// StateSucceeded: the recipient was paid.
	StateSucceeded State = "succeeded"
	// StateFailed: the recipient was not paid.
	StateFailed State = "failed"
)

// Final reports whether the state will not change any more.
func (s State) Final() bool { return s == StateSucceeded || s == StateFailed }

// Errors returned by adapters.
var (
	// ErrInvalidRequest means the request cannot be sent (bad MSISDN, amount
	// not payable in the partner's units, unsupported currency); nothing was sent.
	ErrInvalidRequest = errors.New("payout: invalid request")
	// ErrNotFound means the partner does not know the reference: it was never
	// received, so a submit is safe.
	ErrNotFound = errors.New("payout: reference not known to partner")
	// ErrUnavailable means the partner could not be reached or the circuit is
	// open; the outcome of a submit that returns it is unknown.
	ErrUnavailable = errors.New("payout: partner unavailable")
	// ErrUnsupported means no adapter serves the corridor or method.
	ErrUnsupported = errors.New("payout: no partner for this corridor")
)

// Request asks a partner to pay a mobile wallet.
type Request struct {
	// Reference is our unique, idempotent reference for this attempt (the
	// partner's OriginatorConversationID / X-Reference-Id / transaction id).
	Reference string `json:"reference"`
	// TransferID is the transfer being paid out.
	TransferID string   `json:"transfer_id"`
	Provider   Provider `json:"provider"`
	// MSISDN is the recipient's number in E.164 without '+', e.g. "254708374149".
	MSISDN string `json:"msisdn"`
	// Amount in the payout currency, already rounded to what the partner pays.
	Amount money.Amount `json:"amount"`
	// Country is the ISO 3166-1 alpha-2 country of the wallet.
	Country       string `json:"country"`
	RecipientName string `json:"recipient_name,omitempty"`
	Remarks       string `json:"remarks,omitempty"`
}

// Result is what we know about a payout.
type Result struct {
	Reference string `json:"reference"`
	State     State  `json:"state"`
	// PartnerReference is the partner's transaction ID or receipt, when known.
	PartnerReference string `json:"partner_reference,omitempty"`
	// Code and Reason are the partner's own result code and text.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Retryable, for StateFailed, says a new attempt is safe and may succeed.
	Retryable bool `json:"retryable,omitempty"`
	// Amount the partner reports having paid, when it reports one.
	Amount *money.Amount `json:"amount,omitempty"`
	// At is when the partner reported the outcome, if it said.
	At time.Time `json:"at,omitempty"`
}

// Port pays recipients through one partner (or a router over several).
type Port interface {
	// Submit sends a payout request. It returns the state the partner's answer
	// proves (usually StatePending), ErrInvalidRequest when nothing was sent,
	// or ErrUnavailable / a context error when the outcome is unknown.
	Submit(ctx context.Context, req Request) (Result, error)
	// Status asks the partner where a payout stands. It returns ErrNotFound
	// when the partner never received the reference.
	Status(ctx context.Context, reference string) (Result, error)
}

// ResultSink receives outcomes that partners push asynchronously (callbacks).
// Adapters call it only for callbacks that passed authentication and matched
// a payout they sent.
type ResultSink func(ctx context.Context, r Result) error
