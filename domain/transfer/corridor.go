package transfer

import (
	"fmt"
	"slices"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/payout"
)

// payoutCurrency is the currency recipients are paid in, per payout country.
var payoutCurrency = map[string]money.Currency{
	"KE": "KES", "TZ": "TZS", "UG": "UGX", "RW": "RWF", "GH": "GHS", "NG": "NGN",
	"ZM": "ZMW", "MW": "MWK", "MZ": "MZN", "CD": "CDF", "LS": "LSL", "CM": "XAF",
	"CI": "XOF", "BJ": "XOF", "SN": "XOF", "CG": "XAF", "GA": "XAF", "TD": "XAF",
	"NE": "XOF", "GN": "GNF", "LR": "LRD", "MG": "MGA", "ET": "ETB",
	"EG": "EGP", "MA": "MAD", "PH": "PHP", "IN": "INR", "PK": "PKR", "BD": "BDT",
	"NP": "NPR", "LK": "LKR", "VN": "VND", "MX": "MXN", "GT": "GTQ", "HN": "HNL",
	"CO": "COP", "JM": "JMD", "HT": "HTG",
}

// providerCountries are the countries each mobile-money partner pays in.
var providerCountries = map[payout.Provider][]string{
	payout.MPesa:  {"CD", "KE", "LS", "MZ", "TZ"},
	payout.MoMo:   {"BJ", "CG", "CI", "CM", "GH", "GN", "LR", "NG", "RW", "UG", "ZM"},
	payout.Airtel: {"CD", "CG", "GA", "KE", "MG", "MW", "NE", "NG", "RW", "TD", "TZ", "UG", "ZM"},
}

// CheckCorridor reports whether a recipient can be paid an amount: the
// payout country must be served, the amount must be in its currency, and a
// mobile wallet's provider must operate there. It returns nil or an error
// wrapping ErrUnsupportedCorridor.
func CheckCorridor(r Recipient, receive money.Amount) error {
	cur, ok := payoutCurrency[r.Country]
	switch {
	case !ok:
		return fmt.Errorf("%w: no payouts to %s", ErrUnsupportedCorridor, r.Country)
	case receive.Currency != cur:
		return fmt.Errorf("%w: recipients in %s are paid in %s, not %s", ErrUnsupportedCorridor, r.Country, cur, receive.Currency)
	case r.Method == MobileWallet && !slices.Contains(providerCountries[r.Provider], r.Country):
		return fmt.Errorf("%w: %s does not pay mobile wallets in %s", ErrUnsupportedCorridor, r.Provider, r.Country)
	}
	return nil
}
