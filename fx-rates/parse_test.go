package fxrates

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestParseECBRealHistory(t *testing.T) {
	snaps, err := ParseECB(bytes.NewReader(readTestdata(t, "eurofxref-hist.xml")), ParseOptions{})
	if err != nil {
		t.Fatalf("ParseECB(eurofxref-hist.xml) error: %v", err)
	}
	if len(snaps) != 28 {
		t.Fatalf("ParseECB: %d snapshots, want 28 business days", len(snaps))
	}
	first, last := snaps[0], snaps[len(snaps)-1]
	if want := time.Date(2019, 12, 17, 15, 0, 0, 0, time.UTC); !first.AsOf.Equal(want) {
		t.Errorf("first as-of = %s, want %s (16:00 CET)", first.AsOf, want)
	}
	if want := time.Date(2020, 1, 28, 15, 0, 0, 0, time.UTC); !last.AsOf.Equal(want) {
		t.Errorf("last as-of = %s, want %s", last.AsOf, want)
	}
	for i := 1; i < len(snaps); i++ {
		if !snaps[i-1].AsOf.Before(snaps[i].AsOf) {
			t.Fatalf("snapshots not oldest first at %d", i)
		}
	}
	checks := []struct {
		date string
		cur  money.Currency
		want string
	}{
		{"2020-01-28", "USD", "1.1005"},
		{"2020-01-28", "JPY", "120.02"},
		{"2020-01-28", "GBP", "0.84603"},
		{"2020-01-28", "IDR", "15008.07"},
		{"2020-01-27", "USD", "1.1025"},
		{"2020-01-27", "JPY", "120.11"},
		{"2019-12-17", "USD", "1.1162"},
		{"2019-12-17", "JPY", "122.31"},
	}
	byDate := map[string]Snapshot{}
	for _, s := range snaps {
		byDate[s.AsOf.Format(time.DateOnly)] = s
		if s.Source != "ecb" || s.Base != "EUR" {
			t.Errorf("snapshot %s: source %q base %q, want ecb EUR", s.AsOf, s.Source, s.Base)
		}
		if len(s.Rates) != 32 {
			t.Errorf("snapshot %s: %d rates, want 32", s.AsOf, len(s.Rates))
		}
	}
	for _, c := range checks {
		got := byDate[c.date].Rates[c.cur].Mid
		if !got.Equal(dec(c.want)) {
			t.Errorf("ECB %s EUR/%s = %s, want %s", c.date, c.cur, got, c.want)
		}
	}
}

const ecbDaily = `<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
	<Cube>
		<Cube time="2024-07-15">
			<Cube currency="USD" rate="1.0895"/>
			<Cube currency="JPY" rate="172.24"/>
			<Cube currency="GBP" rate="0.83950"/>
		</Cube>
	</Cube>
</gesmes:Envelope>
`

func TestParseECBDailySummerTime(t *testing.T) {
	snaps, err := ParseECB(strings.NewReader(ecbDaily), ParseOptions{Require: []money.Currency{"USD", "EUR"}})
	if err != nil {
		t.Fatalf("ParseECB(daily) error: %v", err)
	}
	if len(snaps) != 1 {
		t.Fatalf("ParseECB(daily): %d snapshots, want 1", len(snaps))
	}
	if want := time.Date(2024, 7, 15, 14, 0, 0, 0, time.UTC); !snaps[0].AsOf.Equal(want) {
		t.Errorf("as-of = %s, want %s (16:00 CEST)", snaps[0].AsOf, want)
	}
	if got := snaps[0].Rates["GBP"].Mid; !got.Equal(dec("0.8395")) {
		t.Errorf("GBP = %s, want 0.8395", got)
	}
}

func TestECBPublicationTime(t *testing.T) {
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want string
	}{
		{2024, time.March, 29, "2024-03-29T15:00:00Z"}, // before the last Sunday of March (31st)
		{2024, time.April, 2, "2024-04-02T14:00:00Z"},
		{2024, time.October, 25, "2024-10-25T14:00:00Z"},
		{2024, time.October, 28, "2024-10-28T15:00:00Z"}, // after the last Sunday of October (27th)
		{2020, time.January, 28, "2020-01-28T15:00:00Z"},
	}
	for _, tt := range tests {
		got := ECBPublicationTime(tt.y, tt.m, tt.d).Format(time.RFC3339)
		if got != tt.want {
			t.Errorf("ECBPublicationTime(%d, %s, %d) = %s, want %s", tt.y, tt.m, tt.d, got, tt.want)
		}
	}
}

func ecbDoc(days string) string {
	return `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>` + days + `</Cube></gesmes:Envelope>`
}

func TestParseECBBadInput(t *testing.T) {
	day := func(time, rates string) string { return `<Cube time="` + time + `">` + rates + `</Cube>` }
	usd := `<Cube currency="USD" rate="1.1"/>`
	tests := []struct {
		name string
		doc  string
		opts ParseOptions
		want error
	}{
		{"empty", "", ParseOptions{}, ErrMalformed},
		{"not XML", "rates: 1.1", ParseOptions{}, ErrMalformed},
		{"truncated", ecbDoc(day("2020-01-28", usd))[:60], ParseOptions{}, ErrMalformed},
		{"wrong root namespace", `<Envelope xmlns="urn:x"><Cube/></Envelope>`, ParseOptions{}, ErrMalformed},
		{"no outer cube", `<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"/>`, ParseOptions{}, ErrMalformed},
		{"no days", ecbDoc(""), ParseOptions{}, ErrMalformed},
		{"day without rates", ecbDoc(day("2020-01-28", "")), ParseOptions{}, ErrMalformed},
		{"missing time", ecbDoc(`<Cube>` + usd + `</Cube>`), ParseOptions{}, ErrMalformed},
		{"bad date", ecbDoc(day("28/01/2020", usd)), ParseOptions{}, ErrMalformed},
		{"date twice", ecbDoc(day("2020-01-28", usd) + day("2020-01-28", usd)), ParseOptions{}, ErrMalformed},
		{"currency twice", ecbDoc(day("2020-01-28", usd+usd)), ParseOptions{}, ErrMalformed},
		{"missing rate attribute", ecbDoc(day("2020-01-28", `<Cube currency="USD"/>`)), ParseOptions{}, ErrMalformed},
		{"lower-case code", ecbDoc(day("2020-01-28", `<Cube currency="usd" rate="1.1"/>`)), ParseOptions{}, ErrMalformed},
		{"EUR against itself", ecbDoc(day("2020-01-28", `<Cube currency="EUR" rate="1"/>`)), ParseOptions{}, ErrMalformed},
		{"negative rate", ecbDoc(day("2020-01-28", `<Cube currency="USD" rate="-1.1"/>`)), ParseOptions{}, ErrInvalidRate},
		{"zero rate", ecbDoc(day("2020-01-28", `<Cube currency="USD" rate="0.0000"/>`)), ParseOptions{}, ErrInvalidRate},
		{"text rate", ecbDoc(day("2020-01-28", `<Cube currency="USD" rate="N/A"/>`)), ParseOptions{}, ErrInvalidRate},
		{"hex rate", ecbDoc(day("2020-01-28", `<Cube currency="USD" rate="0x10"/>`)), ParseOptions{}, ErrInvalidRate},
		{"huge exponent", ecbDoc(day("2020-01-28", `<Cube currency="USD" rate="1e9999"/>`)), ParseOptions{}, ErrInvalidRate},
		{"too many places", ecbDoc(day("2020-01-28", `<Cube currency="USD" rate="0.0000000000000000001"/>`)), ParseOptions{}, ErrInvalidRate},
		{"unknown currency", ecbDoc(day("2020-01-28", usd+`<Cube currency="ROL" rate="36000"/>`)), ParseOptions{}, money.ErrUnknownCurrency},
		{"missing required", ecbDoc(day("2020-01-28", usd)), ParseOptions{Require: []money.Currency{"JPY"}}, ErrMissingCurrency},
		{"everything filtered", ecbDoc(day("2020-01-28", usd)), ParseOptions{Only: []money.Currency{"JPY"}}, ErrMissingCurrency},
		{"trailing element", ecbDoc(day("2020-01-28", usd)) + "<x/>", ParseOptions{}, ErrMalformed},
		{"trailing text", ecbDoc(day("2020-01-28", usd)) + "junk", ParseOptions{}, ErrMalformed},
		{"bad source name", ecbDoc(day("2020-01-28", usd)), ParseOptions{Source: "ECB Feed"}, ErrInvalidSnapshot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snaps, err := ParseECB(strings.NewReader(tt.doc), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseECB(%q) error = %v, want %v", clip(tt.doc), err, tt.want)
			}
			if snaps != nil {
				t.Errorf("ParseECB returned %d snapshots with an error", len(snaps))
			}
		})
	}
}

func TestParseECBOptions(t *testing.T) {
	doc := ecbDoc(`<Cube time="2005-03-01"><Cube currency="USD" rate="1.3"/><Cube currency="ROL" rate="36500"/><Cube currency="JPY" rate="138.1"/></Cube>`)
	snaps, err := ParseECB(strings.NewReader(doc), ParseOptions{IgnoreUnknown: true, Source: "ecb_hist"})
	if err != nil {
		t.Fatalf("ParseECB(IgnoreUnknown) error: %v", err)
	}
	if got := snaps[0].Currencies(); len(got) != 2 || got[0] != "JPY" || got[1] != "USD" || snaps[0].Source != "ecb_hist" {
		t.Errorf("ParseECB(IgnoreUnknown) = %s %v, want ecb_hist [JPY USD]", snaps[0].Source, got)
	}
	snaps, err = ParseECB(strings.NewReader(doc), ParseOptions{Only: []money.Currency{"USD"}})
	if err != nil {
		t.Fatalf("ParseECB(Only USD) error: %v", err)
	}
	if got := snaps[0].Currencies(); len(got) != 1 || got[0] != "USD" {
		t.Errorf("ParseECB(Only USD) currencies = %v", got)
	}
}

const oxrDoc = `{
  "disclaimer": "Usage subject to terms",
  "license": "https://example.com/license",
  "timestamp": 1580223600,
  "base": "USD",
  "rates": {
    "USD": 1,
    "KES": 101.0512345678901234,
    "NGN": "362.50",
    "GHS": 5.4125,
    "UGX": 3675.2,
    "EUR": 0.908677
  }
}`

func TestParseOXR(t *testing.T) {
	snaps, err := ParseOXR(strings.NewReader(oxrDoc), ParseOptions{Require: []money.Currency{"KES", "NGN", "USD"}})
	if err != nil {
		t.Fatalf("ParseOXR error: %v", err)
	}
	if len(snaps) != 1 {
		t.Fatalf("ParseOXR: %d snapshots, want 1", len(snaps))
	}
	s := snaps[0]
	if s.Source != "oxr" || s.Base != "USD" || !s.AsOf.Equal(time.Unix(1580223600, 0)) {
		t.Errorf("ParseOXR header = %s %s %s", s.Source, s.Base, s.AsOf)
	}
	want := map[money.Currency]string{
		"KES": "101.0512345678901234", // more digits than a float64 holds
		"NGN": "362.5",
		"GHS": "5.4125",
		"UGX": "3675.2",
		"EUR": "0.908677",
	}
	if len(s.Rates) != len(want) {
		t.Errorf("ParseOXR: %d rates (%v), want %d (base dropped)", len(s.Rates), s.Currencies(), len(want))
	}
	for c, w := range want {
		if got := s.Rates[c].Mid; !got.Equal(dec(w)) {
			t.Errorf("ParseOXR USD/%s = %s, want %s", c, got, w)
		}
	}
}

func TestParseOXRBadInput(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		opts ParseOptions
		want error
	}{
		{"empty", ``, ParseOptions{}, ErrMalformed},
		{"not JSON", `base=USD`, ParseOptions{}, ErrMalformed},
		{"array", `[{"base":"USD"}]`, ParseOptions{}, ErrMalformed},
		{"truncated", `{"base":"USD","timestamp":1,"rates":{"KES":1`, ParseOptions{}, ErrMalformed},
		{"no base", `{"timestamp":1580223600,"rates":{"KES":101}}`, ParseOptions{}, ErrMalformed},
		{"no timestamp", `{"base":"USD","rates":{"KES":101}}`, ParseOptions{}, ErrMalformed},
		{"no rates", `{"base":"USD","timestamp":1580223600}`, ParseOptions{}, ErrMalformed},
		{"empty rates", `{"base":"USD","timestamp":1580223600,"rates":{}}`, ParseOptions{}, ErrMissingCurrency},
		{"rates not an object", `{"base":"USD","timestamp":1580223600,"rates":[101]}`, ParseOptions{}, ErrMalformed},
		{"duplicate member", `{"base":"USD","base":"EUR","timestamp":1580223600,"rates":{"KES":101}}`, ParseOptions{}, ErrMalformed},
		{"duplicate rate", `{"base":"USD","timestamp":1580223600,"rates":{"KES":101,"KES":102}}`, ParseOptions{}, ErrMalformed},
		{"negative rate", `{"base":"USD","timestamp":1580223600,"rates":{"KES":-101}}`, ParseOptions{}, ErrInvalidRate},
		{"zero rate", `{"base":"USD","timestamp":1580223600,"rates":{"KES":0}}`, ParseOptions{}, ErrInvalidRate},
		{"null rate", `{"base":"USD","timestamp":1580223600,"rates":{"KES":null}}`, ParseOptions{}, ErrInvalidRate},
		{"bool rate", `{"base":"USD","timestamp":1580223600,"rates":{"KES":true}}`, ParseOptions{}, ErrMalformed},
		{"text rate", `{"base":"USD","timestamp":1580223600,"rates":{"KES":"lots"}}`, ParseOptions{}, ErrInvalidRate},
		{"huge exponent", `{"base":"USD","timestamp":1580223600,"rates":{"KES":1e400}}`, ParseOptions{}, ErrInvalidRate},
		{"base not 1", `{"base":"USD","timestamp":1580223600,"rates":{"USD":1.01,"KES":101}}`, ParseOptions{}, ErrInvalidRate},
		{"unknown base", `{"base":"XYZ","timestamp":1580223600,"rates":{"KES":101}}`, ParseOptions{}, money.ErrUnknownCurrency},
		{"lower-case base", `{"base":"usd","timestamp":1580223600,"rates":{"KES":101}}`, ParseOptions{}, money.ErrUnknownCurrency},
		{"unknown currency", `{"base":"USD","timestamp":1580223600,"rates":{"KES":101,"BTC":0.0001}}`, ParseOptions{}, money.ErrUnknownCurrency},
		{"malformed code", `{"base":"USD","timestamp":1580223600,"rates":{"KESH":101}}`, ParseOptions{}, ErrMalformed},
		{"float timestamp", `{"base":"USD","timestamp":1580223600.5,"rates":{"KES":101}}`, ParseOptions{}, ErrMalformed},
		{"negative timestamp", `{"base":"USD","timestamp":-5,"rates":{"KES":101}}`, ParseOptions{}, ErrMalformed},
		{"string timestamp", `{"base":"USD","timestamp":"1580223600","rates":{"KES":101}}`, ParseOptions{}, ErrMalformed},
		{"trailing data", `{"base":"USD","timestamp":1580223600,"rates":{"KES":101}} {}`, ParseOptions{}, ErrMalformed},
		{"missing required", `{"base":"USD","timestamp":1580223600,"rates":{"KES":101}}`, ParseOptions{Require: []money.Currency{"NGN"}}, ErrMissingCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snaps, err := ParseOXR(strings.NewReader(tt.doc), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseOXR(%s) error = %v, want %v", tt.doc, err, tt.want)
			}
			if snaps != nil {
				t.Errorf("ParseOXR returned %d snapshots with an error", len(snaps))
			}
		})
	}
}

func TestParseOXRIgnoreUnknown(t *testing.T) {
	doc := `{"base":"USD","timestamp":1580223600,"rates":{"KES":101,"BTC":0.0001,"XAU":0.00063}}`
	snaps, err := ParseOXR(strings.NewReader(doc), ParseOptions{IgnoreUnknown: true, Source: "feed"})
	if err != nil {
		t.Fatalf("ParseOXR(IgnoreUnknown) error: %v", err)
	}
	if got := snaps[0].Currencies(); len(got) != 1 || got[0] != "KES" || snaps[0].Source != "feed" {
		t.Errorf("ParseOXR(IgnoreUnknown) = %s %v, want feed [KES]", snaps[0].Source, got)
	}
}

const staticDocJSON = `{"source":"pinned","as_of":"2026-11-01T00:00:00Z","rates":[
  {"pair":"USD/KES","mid":"129.50","bid":"129.20","ask":"129.80"},
  {"pair":"USD/NGN","mid":1530.25},
  {"pair":"GBP/NGN","mid":"1890.5","as_of":"2026-11-02T06:00:00+01:00"}
]}`

func TestParseStatic(t *testing.T) {
	snaps, err := ParseStatic(strings.NewReader(staticDocJSON), ParseOptions{})
	if err != nil {
		t.Fatalf("ParseStatic error: %v", err)
	}
	if len(snaps) != 2 {
		t.Fatalf("ParseStatic: %d snapshots, want 2 (USD and GBP bases)", len(snaps))
	}
	usd, gbp := snaps[0], snaps[1]
	if usd.Base != "USD" || usd.Source != "pinned" || !usd.AsOf.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first snapshot = %s %s %s", usd.Source, usd.Base, usd.AsOf)
	}
	if p := usd.Rates["KES"]; !p.Mid.Equal(dec("129.5")) || !p.Bid.Equal(dec("129.2")) || !p.Ask.Equal(dec("129.8")) {
		t.Errorf("USD/KES = %+v", p)
	}
	if p := usd.Rates["NGN"]; !p.Mid.Equal(dec("1530.25")) || !p.Bid.IsZero() {
		t.Errorf("USD/NGN = %+v", p)
	}
	if gbp.Base != "GBP" || !gbp.AsOf.Equal(time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)) {
		t.Errorf("second snapshot = %s %s", gbp.Base, gbp.AsOf)
	}
}

func TestParseStaticBadInput(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"not JSON", `pinned`, ErrMalformed},
		{"unknown field", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"1","rate":"2"}]}`, ErrMalformed},
		{"no rates", `{"as_of":"2026-11-01T00:00:00Z","rates":[]}`, ErrMalformed},
		{"no as_of", `{"rates":[{"pair":"USD/KES","mid":"129"}]}`, ErrMalformed},
		{"bad pair", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/XYZ","mid":"129"}]}`, ErrInvalidPair},
		{"same currency", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/USD","mid":"1"}]}`, ErrInvalidPair},
		{"pair twice", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129"},{"pair":"USDKES","mid":"130"}]}`, ErrMalformed},
		{"zero", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"0"}]}`, ErrInvalidRate},
		{"negative", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":-3}]}`, ErrInvalidRate},
		{"missing mid", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES"}]}`, ErrInvalidRate},
		{"bid without ask", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129","bid":"128"}]}`, ErrInvalidRate},
		{"bid above mid", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129","bid":"130","ask":"131"}]}`, ErrInvalidRate},
		{"bad source", `{"source":"Pinned!","as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129"}]}`, ErrInvalidSnapshot},
		{"trailing", `{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129"}]}]`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snaps, err := ParseStatic(strings.NewReader(tt.doc), ParseOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseStatic(%s) error = %v, want %v", tt.doc, err, tt.want)
			}
			if snaps != nil {
				t.Errorf("ParseStatic returned %d snapshots with an error", len(snaps))
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	big := io0Reader{n: MaxDocumentBytes + 10}
	if _, err := ParseOXR(&big, ParseOptions{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseOXR(%d bytes) error = %v, want ErrMalformed", MaxDocumentBytes+10, err)
	}
}

// io0Reader yields n spaces.
type io0Reader struct{ n int }

func (r *io0Reader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("EOF")
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = ' '
	}
	r.n -= k
	return k, nil
}

func TestSnapshotEventRoundTrip(t *testing.T) {
	s := Snapshot{Source: "oxr", Base: "USD", AsOf: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600)),
		Rates: map[money.Currency]Price{"KES": {Mid: dec("129.500"), Bid: dec("129.2"), Ask: dec("129.80")}, "NGN": {Mid: dec("1530.25")}}}
	b, err := s.MarshalEvent()
	if err != nil {
		t.Fatalf("MarshalEvent error: %v", err)
	}
	want := `{"source":"oxr","base":"USD","as_of":"2026-01-02T02:04:05Z","rates":{"KES":{"mid":"129.5","bid":"129.2","ask":"129.8"},"NGN":{"mid":"1530.25"}}}`
	if string(b) != want {
		t.Errorf("MarshalEvent =\n%s\nwant\n%s", b, want)
	}
	got, err := UnmarshalEvent(b)
	if err != nil {
		t.Fatalf("UnmarshalEvent error: %v", err)
	}
	h1, _ := s.ContentHash()
	h2, _ := got.ContentHash()
	if h1 != h2 || len(h1) != 64 {
		t.Errorf("content hash changed over a round trip: %s vs %s", h1, h2)
	}
	// Trailing zeros and time zones do not change the hash; a rate does.
	s2 := s
	s2.Rates = map[money.Currency]Price{"KES": {Mid: dec("129.5"), Bid: dec("129.20"), Ask: dec("129.8")}, "NGN": {Mid: dec("1530.250")}}
	s2.AsOf = s.AsOf.UTC()
	if h, _ := s2.ContentHash(); h != h1 {
		t.Errorf("equal snapshot hashed differently")
	}
	s2.Rates["NGN"] = Price{Mid: dec("1530.26")}
	if h, _ := s2.ContentHash(); h == h1 {
		t.Errorf("different snapshot hashed the same")
	}

	bad := []string{
		`{"source":"oxr","base":"USD","as_of":"2026-01-02T02:04:05Z","rates":{"KES":{"mid":"-1"}}}`,
		`{"source":"oxr","base":"USD","as_of":"yesterday","rates":{"KES":{"mid":"1"}}}`,
		`{"source":"oxr","base":"USD","as_of":"2026-01-02T02:04:05Z","rates":{}}`,
		`{"source":"oxr","base":"USD","as_of":"2026-01-02T02:04:05Z","rates":{"KES":{"mid":"1"}},"extra":1}`,
		`{"source":"oxr","base":"USD","as_of":"2026-01-02T02:04:05Z","rates":{"KES":{"mid":"1","bid":"2"}}}`,
		`not json`,
	}
	for _, b := range bad {
		if _, err := UnmarshalEvent([]byte(b)); err == nil {
			t.Errorf("UnmarshalEvent(%s) succeeded, want an error", b)
		}
	}
}

func TestSnapshotValidate(t *testing.T) {
	ok := Snapshot{Source: "ecb", Base: "EUR", AsOf: time.Unix(1, 0), Rates: map[money.Currency]Price{"USD": {Mid: dec("1.1")}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Snapshot)
		want error
	}{
		{"bad source", func(s *Snapshot) { s.Source = "" }, ErrInvalidSnapshot},
		{"unknown base", func(s *Snapshot) { s.Base = "XXX" }, money.ErrUnknownCurrency},
		{"zero as-of", func(s *Snapshot) { s.AsOf = time.Time{} }, ErrInvalidSnapshot},
		{"no rates", func(s *Snapshot) { s.Rates = nil }, ErrInvalidSnapshot},
		{"self quote", func(s *Snapshot) { s.Rates = map[money.Currency]Price{"EUR": {Mid: one}} }, ErrInvalidSnapshot},
		{"unknown quote", func(s *Snapshot) { s.Rates = map[money.Currency]Price{"ABC": {Mid: one}} }, money.ErrUnknownCurrency},
		{"zero mid", func(s *Snapshot) { s.Rates = map[money.Currency]Price{"USD": {}} }, ErrInvalidRate},
	}
	for _, tt := range tests {
		s := ok
		tt.mod(&s)
		if err := s.Validate(); !errors.Is(err, tt.want) {
			t.Errorf("Validate(%s) = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestStaticSource(t *testing.T) {
	snaps, err := ParseStatic(strings.NewReader(staticDocJSON), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewStaticSource("pinned", []Snapshot{snaps[1], snaps[0]})
	if err != nil {
		t.Fatalf("NewStaticSource: %v", err)
	}
	var _ Source = src
	got, err := src.Fetch(t.Context())
	if err != nil || len(got) != 2 || src.Name() != "pinned" || !got[0].AsOf.Before(got[1].AsOf) {
		t.Fatalf("Fetch = %d snapshots (oldest first?), %v", len(got), err)
	}
	got[0] = Snapshot{}
	if again, _ := src.Fetch(t.Context()); again[0].Source != "pinned" {
		t.Errorf("Fetch shares its slice with callers")
	}
	if _, err := NewStaticSource("other", snaps); !errors.Is(err, ErrInvalidSnapshot) {
		t.Errorf("NewStaticSource(wrong source) = %v, want ErrInvalidSnapshot", err)
	}
	bad := snaps[0]
	bad.Rates = map[money.Currency]Price{"KES": {Mid: dec("-1")}}
	if _, err := NewStaticSource("pinned", []Snapshot{bad}); !errors.Is(err, ErrInvalidRate) {
		t.Errorf("NewStaticSource(negative rate) = %v, want ErrInvalidRate", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := src.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled) = %v", err)
	}
}
