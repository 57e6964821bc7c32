package main

import (
	"strings"
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
	"github.com/remitflow/remitflow/adapters/storeconfig"
)

// TestTwoReplicasOnEventStoreDB runs two `serve` replicas on one EventStoreDB
// (the protocol-level test server): replica A takes the requests and runs no
// process manager; replica B runs it and pays out. A transfer requested on A
// completes, and both replicas' read models show it.
func TestTwoReplicasOnEventStoreDB(t *testing.T) {
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	piiDir := t.TempDir() // a shared volume in a real deployment
	shared := func(process, demo bool) func(*serveConfig) {
		return func(c *serveConfig) {
			c.Store = storeconfig.Default()
			c.Store.Store = storeconfig.StoreEventStoreDB
			c.Store.ESDBURL = srv.URL()
			c.Store.DataDir = t.TempDir()
			c.PIIDir = piiDir
			c.PickupSecret = strings.Repeat("s", 48)
			c.ProcessEnabled, c.Demo = process, demo
		}
	}
	a := startAppWith(t, shared(false, true))
	b := startAppWith(t, shared(true, false))

	amina := a.token("customer", "cus_demo_amina")
	q := a.quote(amina, "USD", "KES", "40")
	tr, res := a.send(amina, "replicas-1", map[string]any{"quote_id": q.ID, "purpose": "rent",
		"recipient": map[string]string{"method": "mobile_wallet", "name": "Wanjiru Kamau", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}})
	if res.StatusCode != 201 {
		t.Fatalf("send on replica A = %d", res.StatusCode)
	}
	done := a.waitStatus(amina, tr.ID, "completed")
	if done.Amounts.Receive.Value != q.Receive.Value {
		t.Errorf("completed receive %s, quoted %s", done.Amounts.Receive.Value, q.Receive.Value)
	}
	// Replica B sees the same transfer, and the same key on B replays it.
	b.waitStatus(amina, tr.ID, "completed")
	again, res := b.send(amina, "replicas-1", map[string]any{"quote_id": q.ID, "purpose": "rent",
		"recipient": map[string]string{"method": "mobile_wallet", "name": "Wanjiru Kamau", "msisdn": "+254708374149", "provider": "mpesa", "country": "KE"}})
	if res.StatusCode != 201 || again.ID != tr.ID {
		t.Errorf("same key on replica B = %d %s, want 201 %s", res.StatusCode, again.ID, tr.ID)
	}
	var v struct {
		Intact bool
		Events int
	}
	b.do(b.token("compliance", "alice"), "GET", "/v1/compliance/verify", nil, nil, &v)
	if !v.Intact || v.Events < 20 {
		t.Errorf("verify on replica B = %+v", v)
	}
}
