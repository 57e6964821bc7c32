package transfer

import (
	"github.com/remitflow/remitflow/domain/quote"
)

// TermsFromQuote copies an issued quote's terms into the transfer's form.
// The quote's send amount is what the sender pays, fees included; the
// transfer calls that Total and the converted part Send (Total − fees).
func TermsFromQuote(q quote.Issued) QuoteTerms {
	fee := q.TotalFee()
	send := q.Send
	send.Value = q.Send.Value.Sub(fee.Value)
	return QuoteTerms{
		QuoteID: q.QuoteID, Send: send, Fee: fee, Total: q.Send, Receive: q.Receive,
		MidRate: q.MidRate, CustomerRate: q.CustomerRate, ExpiresAt: q.ExpiresAt.UTC(),
	}
}
