package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/agent"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/wallet"
)

// demoCustomer is a demo sender with a funded wallet.
type demoCustomer struct {
	ID, Name, Phone, Country string
	Tier                     customer.Tier
	Funds                    []money.Amount
}

// The demo data: two senders and a cash-pickup agent in Manila.
var (
	demoCustomers = []demoCustomer{
		{ID: "cus_demo_amina", Name: "Amina Njeri", Phone: "+12025550143", Country: "US", Tier: 1,
			Funds: []money.Amount{money.MustParse("1000", "USD")}},
		{ID: "cus_demo_juan", Name: "Juan dela Cruz", Phone: "+447700900123", Country: "GB", Tier: 2,
			Funds: []money.Amount{money.MustParse("800", "GBP"), money.MustParse("500", "EUR")}},
	}
	demoAgent = agent.Register{AgentID: "agent_demo_manila", PartnerID: "manila-cash", Country: "PH", Currency: "PHP",
		MaxPayout: money.MustParse("50000", "PHP"), DailyCashLimit: money.MustParse("500000", "PHP")}
	demoAgentFloat = money.MustParse("250000", "PHP")
)

const demoActor = "system:demo-seed"

// seedDemo registers the demo customers and agent and funds them. Every
// command ID is derived from the demo data, so seeding again changes nothing.
func (a *app) seedDemo(ctx context.Context) error {
	meta := func(id string) command.CommandMeta {
		return command.CommandMeta{CommandID: id, CorrelationID: "demo-seed", Actor: demoActor, Clock: a.clock}
	}
	for _, dc := range demoCustomers {
		cs, _, ok, err := command.Load(ctx, a.store, customer.Aggregate, dc.ID)
		if err != nil {
			return err
		}
		if !ok || !cs.Registered {
			plain, _ := json.Marshal(map[string]string{"name": dc.Name, "phone": dc.Phone})
			keyID, ct, err := a.vault.Encrypt(dc.ID, plain)
			if errors.Is(err, pii.ErrForgotten) {
				continue
			}
			if err != nil {
				return err
			}
			id := command.DeriveID("demo", "register", dc.ID)
			if _, err := command.Handle(ctx, a.store, customer.Aggregate, dc.ID, customer.Command(customer.Register{
				Meta: customer.Meta{ID: id, Actor: demoActor}, CustomerID: dc.ID, Country: dc.Country, Phone: dc.Phone,
				Tier: dc.Tier, PII: customer.EncryptedPII{KeyID: keyID, Ciphertext: ct},
			}), meta(id)); err != nil {
				return fmt.Errorf("demo customer %s: %w", dc.ID, err)
			}
		}
		for _, f := range dc.Funds {
			ref := "demo-funding-" + dc.ID + "-" + string(f.Currency)
			id := command.DeriveID("demo", "fund", dc.ID, ref)
			if _, err := command.Handle(ctx, a.store, wallet.Aggregate, dc.ID, wallet.Command(wallet.Fund{
				Meta: wallet.Meta{ID: id, Actor: demoActor}, CustomerID: dc.ID, FundingRef: ref, Amount: f,
			}), meta(id)); err != nil {
				return fmt.Errorf("demo funding %s: %w", dc.ID, err)
			}
		}
	}
	reg := demoAgent
	reg.Meta = agent.Meta{ID: command.DeriveID("demo", "agent", reg.AgentID), Actor: demoActor}
	if _, err := command.Handle(ctx, a.store, agent.Aggregate, reg.AgentID, agent.Command(reg), meta(reg.Meta.ID)); err != nil {
		return fmt.Errorf("demo agent: %w", err)
	}
	top := agent.TopUpFloat{Meta: agent.Meta{ID: command.DeriveID("demo", "float", reg.AgentID), Actor: demoActor},
		AgentID: reg.AgentID, FundingRef: "demo-float-" + reg.AgentID, Amount: demoAgentFloat}
	if _, err := command.Handle(ctx, a.store, agent.Aggregate, reg.AgentID, agent.Command(top), meta(top.Meta.ID)); err != nil {
		return fmt.Errorf("demo agent float: %w", err)
	}
	a.log.Info("demo data ready", "customers", []string{demoCustomers[0].ID, demoCustomers[1].ID}, "agent", reg.AgentID)
	return nil
}
