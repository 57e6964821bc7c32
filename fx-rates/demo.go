package fxrates

import (
	"bytes"
	_ "embed"
)

//go:embed testdata/eurofxref-hist.xml
var demoECB []byte

// DemoECB returns the ECB reference rates of 28 business days from
// 2019-12-17 to 2020-01-28, embedded in the package, as snapshots oldest
// first: a default rate history for demos and examples.
func DemoECB() []Snapshot {
	s, err := ParseECB(bytes.NewReader(demoECB), ParseOptions{})
	if err != nil {
		panic("fxrates: embedded ECB history does not parse: " + err.Error())
	}
	return s
}
