package projections

import (
	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/compliance"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/quote"
	"github.com/remitflow/remitflow/domain/sanctions"
	"github.com/remitflow/remitflow/domain/transfer"
	"github.com/remitflow/remitflow/domain/wallet"
	fxrates "github.com/remitflow/remitflow/fx-rates"
)

// DomainDecoders returns the decoder of every aggregate category in the
// log: customer, wallet, quote, transfer, agent, compliance and the
// sanctions list-version stream. Rate streams ("fxrates-…") are read by
// Rates itself; checkpoints and idempotency keys are not domain events.
func DomainDecoders() map[string]DecodeFunc {
	return map[string]DecodeFunc{
		customer.Aggregate.Category:      customer.Aggregate.Decode,
		wallet.Aggregate.Category:        wallet.Aggregate.Decode,
		quote.Aggregate.Category:         quote.Aggregate.Decode,
		transfer.Aggregate.Category:      transfer.Aggregate.Decode,
		agent.Aggregate.Category:         agent.Aggregate.Decode,
		compliance.Aggregate.Category:    compliance.Aggregate.Decode,
		sanctions.ListAggregate.Category: sanctions.ListAggregate.Decode,
	}
}

// NewDomainDecoder returns a Decoder over DomainDecoders.
func NewDomainDecoder() *Decoder { return NewDecoder(DomainDecoders()) }

// Config configures NewAll.
type Config struct {
	// Rates configures the rate book of the FX-converted views (pivots,
	// source preference, maximum ages); the zero value takes fxrates'
	// defaults.
	Rates fxrates.BookConfig
}

// ReadModels is every read model, sharing one Decoder. Hand Projections()
// to a Runner; the HTTP layer queries the fields.
type ReadModels struct {
	Decoder    *Decoder
	Balances   *Balances
	Transfers  *Transfers
	Agents     *Agents
	Corridors  *Corridors
	Compliance *Compliance
	Rates      *Rates
	// FX converts balances and corridor totals; it reads Balances,
	// Corridors and Rates and is not a projection itself.
	FX *FXViews
}

// NewAll builds every read model, empty. It returns the errors of NewRates
// (an invalid rate book configuration).
func NewAll(cfg Config) (*ReadModels, error) {
	rates, err := NewRates(cfg.Rates)
	if err != nil {
		return nil, err
	}
	d := NewDomainDecoder()
	rm := &ReadModels{
		Decoder:    d,
		Balances:   NewBalances(d),
		Transfers:  NewTransfers(d),
		Agents:     NewAgents(d),
		Corridors:  NewCorridors(d),
		Compliance: NewCompliance(d),
		Rates:      rates,
	}
	memo := &decodeMemo{}
	rm.Transfers.memo, rm.Agents.memo, rm.Corridors.memo, rm.Compliance.memo = memo, memo, memo, memo
	rm.FX = NewFXViews(rm.Balances, rm.Corridors, rm.Rates)
	return rm, nil
}

// Projections returns the read models in the order a Runner applies them.
func (rm *ReadModels) Projections() []Projection {
	return []Projection{rm.Rates, rm.Balances, rm.Transfers, rm.Agents, rm.Corridors, rm.Compliance}
}

// Digests returns every read model's digest by name.
func (rm *ReadModels) Digests() map[string]string {
	out := map[string]string{}
	for _, p := range rm.Projections() {
		out[p.Name()] = p.Digest()
	}
	return out
}
