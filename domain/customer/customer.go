package customer

import (
	"bytes"
	"fmt"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

// EncryptedPII is personal data (name, phone number, ID numbers) encrypted by
// the PII vault with the customer's own key. The domain never sees it in clear.
type EncryptedPII struct {
	// KeyID names the vault key that decrypts Ciphertext.
	KeyID string `json:"key_id"`
	// Ciphertext is opaque; JSON encodes it as base64.
	Ciphertext []byte `json:"ciphertext"`
}

func (p EncryptedPII) valid() bool { return p.KeyID != "" && len(p.Ciphertext) > 0 }

// Equal reports whether both name the same key and ciphertext.
func (p EncryptedPII) Equal(q EncryptedPII) bool {
	return p.KeyID == q.KeyID && bytes.Equal(p.Ciphertext, q.Ciphertext)
}

// Meta identifies a command and who issued it. Every command embeds it.
type Meta struct {
	// ID is the command ID (the same as command.CommandMeta.CommandID).
	ID string
	// Actor names who asks: "customer:cus_1", "staff:alice".
	Actor string
}

// CommandID returns the command ID.
func (m Meta) CommandID() string { return m.ID }

// CommandActor returns the actor.
func (m Meta) CommandActor() string { return m.Actor }

// Command is a request to the customer aggregate: Register, ChangeTier,
// Block, Unblock or UpdatePII.
type Command interface {
	CommandID() string
	CommandActor() string
	// Customer is the customer the command addresses.
	Customer() string
	customerCommand()
}

// Register creates a customer.
type Register struct {
	Meta
	CustomerID string
	// Country is the ISO 3166-1 alpha-2 country of residence.
	Country string
	// Phone is validated as E.164 and then dropped: it travels only inside
	// PII. It is left out of the command's JSON.
	Phone string `json:"-"`
	Tier  Tier
	PII   EncryptedPII
}

// ChangeTier moves the customer to another KYC tier.
type ChangeTier struct {
	Meta
	CustomerID string
	Tier       Tier
	Reason     string
}

// Block stops the customer from sending.
type Block struct {
	Meta
	CustomerID string
	Reason     string
}

// Unblock lets a blocked customer send again.
type Unblock struct {
	Meta
	CustomerID string
	Reason     string
}

// UpdatePII replaces the encrypted personal data.
type UpdatePII struct {
	Meta
	CustomerID string
	// Phone, when not empty, is validated as E.164 and dropped, like Register's.
	Phone string `json:"-"`
	PII   EncryptedPII
}

// Customer implements Command.
func (c Register) Customer() string { return c.CustomerID }

// Customer implements Command.
func (c ChangeTier) Customer() string { return c.CustomerID }

// Customer implements Command.
func (c Block) Customer() string { return c.CustomerID }

// Customer implements Command.
func (c Unblock) Customer() string { return c.CustomerID }

// Customer implements Command.
func (c UpdatePII) Customer() string { return c.CustomerID }

func (Register) customerCommand()   {}
func (ChangeTier) customerCommand() {}
func (Block) customerCommand()      {}
func (Unblock) customerCommand()    {}
func (UpdatePII) customerCommand()  {}

// Event types of the customer aggregate.
const (
	TypeRegistered  = "customer.registered.v1"
	TypeTierChanged = "customer.tier_changed.v1"
	TypeBlocked     = "customer.blocked.v1"
	TypeUnblocked   = "customer.unblocked.v1"
	TypePIIUpdated  = "customer.pii_updated.v1"
)

// Registered records a new customer.
type Registered struct {
	CustomerID string       `json:"customer_id"`
	Country    string       `json:"country"`
	Tier       Tier         `json:"tier"`
	PII        EncryptedPII `json:"pii"`
	At         time.Time    `json:"at"`
}

// TierChanged records a KYC tier change.
type TierChanged struct {
	CustomerID string    `json:"customer_id"`
	From       Tier      `json:"from"`
	To         Tier      `json:"to"`
	Reason     string    `json:"reason"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Blocked records that the customer may no longer send.
type Blocked struct {
	CustomerID string    `json:"customer_id"`
	Reason     string    `json:"reason"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Unblocked records that the customer may send again.
type Unblocked struct {
	CustomerID string    `json:"customer_id"`
	Reason     string    `json:"reason"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// PIIUpdated records new encrypted personal data.
type PIIUpdated struct {
	CustomerID string       `json:"customer_id"`
	PII        EncryptedPII `json:"pii"`
	At         time.Time    `json:"at"`
}

// EventType implements command.Event.
func (Registered) EventType() string { return TypeRegistered }

// EventType implements command.Event.
func (TierChanged) EventType() string { return TypeTierChanged }

// EventType implements command.Event.
func (Blocked) EventType() string { return TypeBlocked }

// EventType implements command.Event.
func (Unblocked) EventType() string { return TypeUnblocked }

// EventType implements command.Event.
func (PIIUpdated) EventType() string { return TypePIIUpdated }

// State is the folded customer. The zero State is a customer never registered.
type State struct {
	CustomerID   string
	Registered   bool
	Country      string
	Tier         Tier
	PII          EncryptedPII
	Blocked      bool
	BlockReason  string
	RegisteredAt time.Time
}

// Initial returns the state of a customer with no events.
func Initial() State { return State{} }

// Evolve folds one customer event into the state. Unknown events are ignored.
func Evolve(s State, e command.Event) State {
	switch e := e.(type) {
	case Registered:
		s = State{CustomerID: e.CustomerID, Registered: true, Country: e.Country, Tier: e.Tier, PII: e.PII, RegisteredAt: e.At}
	case TierChanged:
		s.Tier = e.To
	case Blocked:
		s.Blocked, s.BlockReason = true, e.Reason
	case Unblocked:
		s.Blocked, s.BlockReason = false, ""
	case PIIUpdated:
		s.PII = e.PII
	}
	return s
}

// CanSend reports whether the customer may start a transfer: nil, or an
// error wrapping ErrCustomerNotFound or ErrCustomerBlocked.
func CanSend(s State) error {
	switch {
	case !s.Registered:
		return ErrCustomerNotFound
	case s.Blocked:
		return fmt.Errorf("%w: %s", ErrCustomerBlocked, s.CustomerID)
	}
	return nil
}

// Limits returns the limits of the customer's current tier.
func (s State) Limits() Limits {
	l, _ := LimitsFor(s.Tier)
	return l
}

// Aggregate describes the customer to the command loop. Stream: "customer-<customerID>".
var Aggregate = command.Aggregate[State, Command]{
	Category: "customer",
	Initial:  Initial,
	Evolve:   Evolve,
	Decide:   Decide,
	Decode:   Decode,
}

// Decide returns the events cmd causes in state s at time now, or an error
// wrapping one of this package's sentinels (and no events). A repeated
// Register with the same details, a change to the current tier, blocking a
// blocked customer, unblocking one who is not blocked and an UpdatePII with
// the current data return no events and no error.
func Decide(s State, cmd Command, now time.Time) ([]command.Event, error) {
	if cmd == nil {
		return nil, fmt.Errorf("%w: nil command", ErrInvalidCommand)
	}
	switch {
	case cmd.CommandID() == "":
		return nil, fmt.Errorf("%w: missing command ID", ErrInvalidCommand)
	case cmd.CommandActor() == "":
		return nil, fmt.Errorf("%w: missing actor", ErrInvalidCommand)
	case cmd.Customer() == "":
		return nil, fmt.Errorf("%w: missing customer ID", ErrInvalidCommand)
	case s.Registered && cmd.Customer() != s.CustomerID:
		return nil, fmt.Errorf("%w: stream of %s, command for %s", ErrInvalidCommand, s.CustomerID, cmd.Customer())
	}
	if c, ok := cmd.(Register); ok {
		return decideRegister(s, c, now)
	}
	if !s.Registered {
		return nil, fmt.Errorf("%w: %s", ErrCustomerNotFound, cmd.Customer())
	}
	by := cmd.CommandActor()
	switch c := cmd.(type) {
	case ChangeTier:
		if !c.Tier.Valid() {
			return nil, fmt.Errorf("%w: %d", ErrInvalidTier, c.Tier)
		}
		if c.Reason == "" {
			return nil, fmt.Errorf("%w: a tier change needs a reason", ErrInvalidCommand)
		}
		if c.Tier == s.Tier {
			return nil, nil
		}
		return []command.Event{TierChanged{CustomerID: s.CustomerID, From: s.Tier, To: c.Tier, Reason: c.Reason, By: by, At: now}}, nil
	case Block:
		if c.Reason == "" {
			return nil, fmt.Errorf("%w: blocking needs a reason", ErrInvalidCommand)
		}
		if s.Blocked {
			return nil, nil
		}
		return []command.Event{Blocked{CustomerID: s.CustomerID, Reason: c.Reason, By: by, At: now}}, nil
	case Unblock:
		if c.Reason == "" {
			return nil, fmt.Errorf("%w: unblocking needs a reason", ErrInvalidCommand)
		}
		if !s.Blocked {
			return nil, nil
		}
		return []command.Event{Unblocked{CustomerID: s.CustomerID, Reason: c.Reason, By: by, At: now}}, nil
	case UpdatePII:
		if c.Phone != "" {
			if err := ValidatePhone(c.Phone); err != nil {
				return nil, err
			}
		}
		if !c.PII.valid() {
			return nil, fmt.Errorf("%w: encrypted personal data needs a key ID and ciphertext", ErrInvalidCommand)
		}
		if c.PII.Equal(s.PII) {
			return nil, nil
		}
		return []command.Event{PIIUpdated{CustomerID: s.CustomerID, PII: c.PII, At: now}}, nil
	default:
		return nil, fmt.Errorf("%w: unknown command %T", ErrInvalidCommand, cmd)
	}
}

func decideRegister(s State, c Register, now time.Time) ([]command.Event, error) {
	if !ValidCountry(c.Country) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidCountry, c.Country)
	}
	if err := ValidatePhone(c.Phone); err != nil {
		return nil, err
	}
	if !c.Tier.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrInvalidTier, c.Tier)
	}
	if !c.PII.valid() {
		return nil, fmt.Errorf("%w: encrypted personal data needs a key ID and ciphertext", ErrInvalidCommand)
	}
	if s.Registered {
		// The ciphertext is not compared: encrypting again yields new bytes.
		if s.Country == c.Country && s.PII.KeyID == c.PII.KeyID && s.Tier == c.Tier {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrAlreadyRegistered, c.CustomerID)
	}
	return []command.Event{Registered{CustomerID: c.CustomerID, Country: c.Country, Tier: c.Tier, PII: c.PII, At: now}}, nil
}

// Decode turns a stored customer event back into its typed value.
func Decode(eventType string, data []byte) (command.Event, error) {
	return decodeEvent(eventType, data)
}

// decodeEvent decodes the customer event types.
var decodeEvent = command.NewDecoder("customer",
	Registered{}, TierChanged{}, Blocked{}, Unblocked{}, PIIUpdated{},
)
