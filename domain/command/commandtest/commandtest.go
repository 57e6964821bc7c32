// Package commandtest runs given-events → when-command → then-events
// scenarios against an aggregate, the one way every aggregate's decisions
// are tested.
package commandtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

// Scenario is one case: the events already in the stream, the command, and
// either the events it must decide or the error it must return.
type Scenario[C any] struct {
	Name  string
	Given []command.Event
	When  C
	// Now is the decision time; the zero value takes Run's default.
	Now  time.Time
	Then []command.Event
	// Err, when set, is the error Decide must return (errors.Is), with no events.
	Err error
}

// Run runs each scenario as a subtest. Besides the events (compared by type
// and JSON), it checks that every money-moving event's postings balance and
// that every event survives a round trip through the aggregate's Decode. On
// failure it prints the command and both event lists.
func Run[S, C any](t *testing.T, agg command.Aggregate[S, C], now time.Time, scenarios []Scenario[C]) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			s := agg.Initial()
			for _, e := range sc.Given {
				s = agg.Evolve(s, e)
			}
			at := sc.Now
			if at.IsZero() {
				at = now
			}
			got, err := agg.Decide(s, sc.When, at)
			if sc.Err != nil {
				if !errors.Is(err, sc.Err) || len(got) != 0 {
					t.Fatalf("Decide(%+v) = %s, %v; want no events, error %v", sc.When, Show(t, got...), err, sc.Err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decide(%+v) error %v; want\n%s", sc.When, err, Show(t, sc.Then...))
			}
			if g, w := Show(t, got...), Show(t, sc.Then...); g != w {
				t.Fatalf("Decide(%+v) =\n%s want\n%s", sc.When, g, w)
			}
			for _, e := range got {
				if m, ok := e.(command.MoneyMover); ok {
					if err := m.LedgerPostings().Validate(); err != nil {
						t.Errorf("%s postings: %v", e.EventType(), err)
					}
				}
				data, _ := json.Marshal(e)
				back, err := agg.Decode(e.EventType(), data)
				if err != nil || Show(t, back) != Show(t, e) {
					t.Fatalf("Decode round trip of %s: %v", data, err)
				}
			}
		})
	}
}

// Show renders events one a line as "type json", for comparisons and
// failure messages.
func Show(t testing.TB, events ...command.Event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshal %T: %v", e, err)
		}
		fmt.Fprintf(&b, "%s %s\n", e.EventType(), data)
	}
	return b.String()
}
