package fxrates

import (
	"bytes"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
)

func BenchmarkQuoteFixedSend(b *testing.B) {
	p := newPricer(b, pinnedBook(b))
	send := money.MustParse("250.00", "USD")
	now := pinnedAt.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.QuoteFixedSend(send, "KES", now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteFixedSendReceiveUnit prices a corridor that pays whole
// shillings only (receive unit 1 KES).
func BenchmarkQuoteFixedSendReceiveUnit(b *testing.B) {
	p := newPricer(b, pinnedBook(b))
	send := money.MustParse("250.00", "GBP")
	now := pinnedAt.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.QuoteFixedSend(send, "KES", now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuoteFixedReceive(b *testing.B) {
	p := newPricer(b, pinnedBook(b))
	recv := money.MustParse("50000.00", "INR")
	now := pinnedAt.Add(time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.QuoteFixedReceive("KWD", recv, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteMovingClock prices with a clock that advances every quote,
// as a live server does.
func BenchmarkQuoteMovingClock(b *testing.B) {
	p := newPricer(b, pinnedBook(b))
	send := money.MustParse("250.00", "USD")
	now := pinnedAt
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Microsecond)
		if now.After(pinnedAt.Add(time.Hour)) {
			now = pinnedAt
		}
		if _, err := p.QuoteFixedSend(send, "JPY", now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuoteParallel(b *testing.B) {
	p := newPricer(b, pinnedBook(b))
	send := money.MustParse("250.00", "USD")
	now := pinnedAt.Add(time.Minute)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.QuoteFixedSend(send, "KES", now); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBookCrossRate is an uncached two-pivot lookup.
func BenchmarkBookCrossRate(b *testing.B) {
	book := ecbBook(b, oxrKES())
	pair := MustPair("GBP", "KES")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := book.AsOf(pair, jan28Close); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseECBHistory(b *testing.B) {
	doc := readTestdata(b, "eurofxref-hist.xml")
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := ParseECB(bytes.NewReader(doc), ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
