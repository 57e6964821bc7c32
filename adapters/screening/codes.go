package screening

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/process"
	"github.com/remitflow/remitflow/domain/transfer"
)

// PickupCodeDigits is the length of a pickup code: ten decimal digits, one
// in ten billion to guess.
const PickupCodeDigits = 10

// MinSecretBytes is the shortest pickup-code secret accepted.
const MinSecretBytes = 32

// Audiences of a pickup-code notification.
const (
	AudienceRecipient = "recipient"
	AudienceSender    = "sender"
)

// Notification is a pickup code to deliver by SMS.
type Notification struct {
	// TransferID is the transfer the code collects.
	TransferID string
	// To is the E.164 number to send to; Audience says whose it is.
	To       string
	Audience string
	// Code is the pickup code.
	Code string
	// Text is the message, code included.
	Text string
}

// Notifier delivers a pickup code. Notify returns an error when the message
// could not be handed to the SMS provider; the pickup step is then retried.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// LogNotifier is a Notifier for development: it logs each notification with
// the code and the number masked to their last two characters.
type LogNotifier struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Notify logs n. It never fails.
func (l LogNotifier) Notify(ctx context.Context, n Notification) error {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "pickup code sent by SMS", "transfer", n.TransferID, "audience", n.Audience,
		"to", Mask(n.To), "code", Mask(n.Code))
	return nil
}

// Mask hides all but the last two characters of s behind asterisks.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
}

// CodeConfig configures a CodeGenerator.
type CodeConfig struct {
	// Secret keys the HMAC; at least MinSecretBytes random bytes, kept
	// outside the event log. Changing it changes every code not yet
	// issued; issued codes are checked against their stored hash.
	Secret []byte
	// Notifier delivers codes; required (LogNotifier in development).
	Notifier Notifier
	// Store and Vault find the sender's phone number when the recipient
	// has none (cash pickups carry no recipient number: the sender passes
	// the code on). Without them such codes are not delivered by SMS.
	Store eventstore.Store
	Vault Decrypter
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// CodeGenerator issues cash pickup codes: HMAC-SHA256(secret, transfer ID)
// rendered as PickupCodeDigits digits, so the same transfer always gets the
// same code and a repeated step issues it again. It is safe for concurrent
// use.
type CodeGenerator struct {
	secret []byte
	notify Notifier
	store  eventstore.Store
	vault  Decrypter
	log    *slog.Logger

	mu   sync.Mutex
	sent map[string]bool // transfers whose code this process delivered
}

var _ process.CodeGenerator = (*CodeGenerator)(nil)

// maxRemembered bounds the delivered-codes memory.
const maxRemembered = 100_000

// NewCodeGenerator returns a CodeGenerator. It returns ErrInvalidConfig for
// a secret shorter than MinSecretBytes or a missing notifier.
func NewCodeGenerator(cfg CodeConfig) (*CodeGenerator, error) {
	if len(cfg.Secret) < MinSecretBytes {
		return nil, fmt.Errorf("%w: the pickup code secret needs at least %d bytes, got %d", ErrInvalidConfig, MinSecretBytes, len(cfg.Secret))
	}
	if cfg.Notifier == nil {
		return nil, fmt.Errorf("%w: the pickup code generator needs a notifier", ErrInvalidConfig)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &CodeGenerator{
		secret: append([]byte(nil), cfg.Secret...), notify: cfg.Notifier, store: cfg.Store, vault: cfg.Vault,
		log: cfg.Logger, sent: map[string]bool{},
	}, nil
}

// PickupCodeFor returns the pickup code of a transfer, for showing it to the
// sender who owns the transfer (the caller checks ownership). Errors:
// ErrInvalidSubject for an empty transfer ID.
func (g *CodeGenerator) PickupCodeFor(transferID string) (string, error) {
	if transferID == "" {
		return "", fmt.Errorf("%w: a transfer ID is required", ErrInvalidSubject)
	}
	mac := hmac.New(sha256.New, g.secret)
	mac.Write([]byte("remitflow.pickup-code.v1\x00"))
	mac.Write([]byte(transferID))
	sum := mac.Sum(nil)
	// 64 bits modulo 10^10: the bias is below 10^-9.
	n := binary.BigEndian.Uint64(sum[:8]) % 10_000_000_000
	return fmt.Sprintf("%0*d", PickupCodeDigits, n), nil
}

// PickupCode returns the transfer's pickup code and delivers it by SMS: to
// the recipient's number when the transfer has one, else to the sender's
// phone from their personal data (cash pickups carry no recipient number).
// A code is delivered once per process; a repeated step after a restart
// sends the same code again. When no number is known the code is returned
// undelivered (the sender can read it through the API) and a warning is
// logged. Errors: ErrInvalidSubject for a transfer without an ID, the
// store's and the vault's errors while looking up the sender's phone, and
// the notifier's errors.
func (g *CodeGenerator) PickupCode(ctx context.Context, t transfer.State) (string, error) {
	code, err := g.PickupCodeFor(t.ID)
	if err != nil {
		return "", err
	}
	g.mu.Lock()
	done := g.sent[t.ID]
	g.mu.Unlock()
	if done {
		return code, nil
	}
	to, audience, err := g.destination(ctx, t)
	switch {
	case errors.Is(err, ErrNoPhone) || errors.Is(err, ErrSubjectForgotten) || errors.Is(err, ErrUnknownCustomer):
		g.log.WarnContext(ctx, "pickup code not delivered by SMS", "transfer", t.ID, "error", err)
		return code, nil
	case err != nil:
		return "", fmt.Errorf("screening: pickup code of %s: %w", t.ID, err)
	}
	text := fmt.Sprintf("Remitflow: cash pickup code %s for transfer %s. Show it with your ID at the agent.", code, t.ID)
	if err := g.notify.Notify(ctx, Notification{TransferID: t.ID, To: to, Audience: audience, Code: code, Text: text}); err != nil {
		return "", fmt.Errorf("screening: deliver pickup code of %s: %w", t.ID, err)
	}
	g.mu.Lock()
	if len(g.sent) >= maxRemembered {
		clear(g.sent)
	}
	g.sent[t.ID] = true
	g.mu.Unlock()
	return code, nil
}

func (g *CodeGenerator) destination(ctx context.Context, t transfer.State) (to, audience string, err error) {
	if t.Recipient.MSISDN != "" {
		return t.Recipient.MSISDN, AudienceRecipient, nil
	}
	if g.store == nil || g.vault == nil || t.SenderID == "" {
		return "", "", fmt.Errorf("%w: transfer %s", ErrNoPhone, t.ID)
	}
	p, err := personal(ctx, g.store, g.vault, t.SenderID)
	if err != nil {
		return "", "", err
	}
	if p.Phone == "" {
		return "", "", fmt.Errorf("%w: sender of %s", ErrNoPhone, t.ID)
	}
	return p.Phone, AudienceSender, nil
}
