package fxrates

import (
	"bytes"
	"testing"
)

// checkParsed asserts what every successful parse guarantees: valid
// snapshots that survive the event encoding unchanged.
func checkParsed(t *testing.T, snaps []Snapshot) {
	t.Helper()
	if len(snaps) == 0 {
		t.Fatal("parse succeeded with no snapshots")
	}
	for _, s := range snaps {
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed snapshot does not validate: %v", err)
		}
		for c, p := range s.Rates {
			if !p.Mid.IsPositive() {
				t.Fatalf("rate %s/%s = %s is not positive", s.Base, c, p.Mid)
			}
		}
		b, err := s.MarshalEvent()
		if err != nil {
			t.Fatalf("MarshalEvent: %v", err)
		}
		back, err := UnmarshalEvent(b)
		if err != nil {
			t.Fatalf("UnmarshalEvent(MarshalEvent(s)): %v", err)
		}
		b2, _ := back.MarshalEvent()
		if !bytes.Equal(b, b2) {
			t.Fatalf("event encoding not stable:\n%s\n%s", b, b2)
		}
	}
}

func FuzzParseECB(f *testing.F) {
	f.Add([]byte(ecbDaily))
	f.Add([]byte(ecbDoc(`<Cube time="2020-01-28"><Cube currency="USD" rate="1.1005"/><Cube currency="JPY" rate="120.02"/></Cube>`)))
	f.Add([]byte(ecbDoc(`<Cube time="2020-01-28"><Cube currency="USD" rate="-1"/></Cube>`)))
	f.Add([]byte(ecbDoc(`<Cube time="2020-01-28"><Cube currency="USD" rate="1e-20"/></Cube>`)))
	f.Add([]byte(ecbDoc(`<Cube time="2020-02-30"><Cube currency="USD" rate="1.1"/></Cube>`)))
	f.Add([]byte(`<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"><!DOCTYPE x [<!ENTITY a "b">]>`))
	f.Add(readTestdata(f, "eurofxref-hist.xml")[:4000])
	f.Fuzz(func(t *testing.T, doc []byte) {
		snaps, err := ParseECB(bytes.NewReader(doc), ParseOptions{})
		if err != nil {
			if snaps != nil {
				t.Fatalf("error %v with %d snapshots", err, len(snaps))
			}
			return
		}
		checkParsed(t, snaps)
		for _, s := range snaps {
			if s.Base != "EUR" || s.Source != "ecb" {
				t.Fatalf("ECB snapshot %s %s", s.Source, s.Base)
			}
		}
	})
}

func FuzzParseOXR(f *testing.F) {
	f.Add([]byte(oxrDoc))
	f.Add([]byte(`{"base":"USD","timestamp":1580223600,"rates":{"KES":101.05,"NGN":"362.5"}}`))
	f.Add([]byte(`{"base":"USD","timestamp":1580223600,"rates":{"KES":1e-7}}`))
	f.Add([]byte(`{"base":"USD","timestamp":1580223600,"rates":{"KES":-0}}`))
	f.Add([]byte(`{"base":"USD","timestamp":1580223600,"rates":{"KES":1E+18}}`))
	f.Add([]byte(`{"base":"USD","timestamp":99999999999999999999,"rates":{"KES":1}}`))
	f.Add([]byte(`{"rates":{"KES":{"x":1}},"base":"KES","timestamp":1}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		snaps, err := ParseOXR(bytes.NewReader(doc), ParseOptions{})
		if err != nil {
			if snaps != nil {
				t.Fatalf("error %v with %d snapshots", err, len(snaps))
			}
			return
		}
		if len(snaps) != 1 {
			t.Fatalf("ParseOXR returned %d snapshots", len(snaps))
		}
		checkParsed(t, snaps)
	})
}

func FuzzParseStatic(f *testing.F) {
	f.Add([]byte(staticDocJSON))
	f.Add([]byte(`{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USD/KES","mid":"129.5","bid":"129","ask":"130"}]}`))
	f.Add([]byte(`{"as_of":"2026-11-01T00:00:00Z","rates":[{"pair":"USDKES","mid":1e3}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		snaps, err := ParseStatic(bytes.NewReader(doc), ParseOptions{})
		if err != nil {
			if snaps != nil {
				t.Fatalf("error %v with %d snapshots", err, len(snaps))
			}
			return
		}
		checkParsed(t, snaps)
	})
}
