package command_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/command"
)

type decOpened struct {
	ID   string    `json:"id"`
	Tags []string  `json:"tags"`
	At   time.Time `json:"at"`
}

func (decOpened) EventType() string { return "dec.opened.v1" }

// decRenamed has its own UnmarshalJSON on the pointer receiver.
type decRenamed struct {
	Name string
}

func (decRenamed) EventType() string { return "dec.renamed.v1" }

func (r decRenamed) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(r.Name)) }

func (r *decRenamed) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	r.Name = strings.ToLower(s)
	return nil
}

// decPointed is emitted as a pointer.
type decPointed struct {
	N int `json:"n"`
}

func (*decPointed) EventType() string { return "dec.pointed.v1" }

var decodeTestEvent = command.NewDecoder("dec", decOpened{}, decRenamed{}, &decPointed{})

func TestNewDecoderRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	for _, e := range []command.Event{
		decOpened{ID: "o-1", Tags: []string{"a", "b"}, At: at},
		decOpened{},
		decRenamed{Name: "ada"},
		&decPointed{N: 7},
	} {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeTestEvent(e.EventType(), data)
		if err != nil {
			t.Fatalf("decode %s %s: %v", e.EventType(), data, err)
		}
		if reflect.TypeOf(back) != reflect.TypeOf(e) {
			t.Fatalf("decode %s: type %T, want %T", e.EventType(), back, e)
		}
		if !reflect.DeepEqual(back, e) {
			t.Errorf("decode %s = %#v, want %#v", e.EventType(), back, e)
		}
	}
}

func TestNewDecoderReturnsFreshValues(t *testing.T) {
	a, err := decodeTestEvent("dec.pointed.v1", []byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := decodeTestEvent("dec.pointed.v1", []byte(`{"n":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.(*decPointed).N != 1 || b.(*decPointed).N != 2 {
		t.Fatalf("decoded %v and %v, want n 1 and 2", a, b)
	}
}

func TestNewDecoderUnknownType(t *testing.T) {
	e, err := decodeTestEvent("dec.nope.v1", []byte(`{}`))
	if err == nil {
		t.Fatalf("unknown type decoded to %#v", e)
	}
	if !errors.Is(err, command.ErrUnknownEventType) {
		t.Errorf("error %v does not wrap ErrUnknownEventType", err)
	}
	if got, want := err.Error(), `dec: unknown event type "dec.nope.v1"`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestNewDecoderMalformedJSON(t *testing.T) {
	for _, tc := range []struct{ typ, data string }{
		{"dec.opened.v1", `{`},
		{"dec.opened.v1", `{"tags":"x"}`},
		{"dec.renamed.v1", `7`},
		{"dec.pointed.v1", ``},
	} {
		e, err := decodeTestEvent(tc.typ, []byte(tc.data))
		if err == nil {
			t.Errorf("decode %s %q = %#v, want an error", tc.typ, tc.data, e)
			continue
		}
		if errors.Is(err, command.ErrUnknownEventType) {
			t.Errorf("decode %s %q: %v wraps ErrUnknownEventType", tc.typ, tc.data, err)
		}
		if prefix := "dec: decode " + tc.typ + ": "; !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("decode %s %q: error %q, want prefix %q", tc.typ, tc.data, err, prefix)
		}
	}
}

func TestNewDecoderPanics(t *testing.T) {
	for name, protos := range map[string][]command.Event{
		"duplicate type": {decOpened{}, decRenamed{}, decOpened{ID: "again"}},
		"nil prototype":  {decOpened{}, nil},
		"empty type":     {decEmpty{}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("NewDecoder did not panic")
				}
			}()
			command.NewDecoder("dec", protos...)
		})
	}
}

type decEmpty struct{}

func (decEmpty) EventType() string { return "" }

// decodeOpenedBySwitch is a hand-written decoder of the same event, the
// baseline BenchmarkNewDecoder compares against.
func decodeOpenedBySwitch(eventType string, data []byte) (command.Event, error) {
	switch eventType {
	case "dec.opened.v1":
		var e decOpened
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, fmt.Errorf("dec: decode %s: %w", eventType, err)
		}
		return e, nil
	default:
		return nil, fmt.Errorf("dec: unknown event type %q", eventType)
	}
}

func BenchmarkNewDecoder(b *testing.B) {
	data, err := json.Marshal(decOpened{ID: "o-1", Tags: []string{"a", "b"}, At: time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	for name, decode := range map[string]func(string, []byte) (command.Event, error){
		"reflect": decodeTestEvent,
		"switch":  decodeOpenedBySwitch,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decode("dec.opened.v1", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
