package momo_test

import (
	"net/http"
	"testing"

	"github.com/remitflow/remitflow/adapters/payout/momo"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/payouttest"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

func harness() payouttest.Harness {
	return payouttest.Harness{
		Provider: payout.MoMo, Country: "UG", Amount: money.MustParse("25.50", "EUR"),
		New: func(t *testing.T, sim *partnersim.Server, o simwire.Options) payouttest.Adapter {
			a, err := momo.New(simwire.MoMoConfig(sim, o))
			if err != nil {
				t.Fatalf("momo.New: %v", err)
			}
			return payouttest.Adapter{Port: a, Callbacks: func(s payout.ResultSink) http.Handler { return a.Handler(s) }}
		},
	}
}

func TestConformance(t *testing.T) { payouttest.Run(t, harness()) }
