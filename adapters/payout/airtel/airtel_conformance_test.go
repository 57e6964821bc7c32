package airtel_test

import (
	"testing"

	"github.com/remitflow/remitflow/adapters/payout/airtel"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/payouttest"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

func harness() payouttest.Harness {
	return payouttest.Harness{
		Provider: payout.Airtel, Country: "UG", Amount: money.MustParse("50000", "UGX"),
		New: func(t *testing.T, sim *partnersim.Server, o simwire.Options) payouttest.Adapter {
			a, err := airtel.New(simwire.AirtelConfig(sim, o))
			if err != nil {
				t.Fatalf("airtel.New: %v", err)
			}
			return payouttest.Adapter{Port: a}
		},
	}
}

func TestConformance(t *testing.T) { payouttest.Run(t, harness()) }
