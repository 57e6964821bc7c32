package command

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// ErrUnknownEventType is wrapped by the error a decoder made by NewDecoder
// returns for an event type it was not given a prototype for.
var ErrUnknownEventType = errors.New("unknown event type")

// NewDecoder returns a Decode function for an aggregate's event types: each
// prototype's EventType() names it; decoding unmarshals the JSON into a new
// value of the prototype's type and returns it as that type, so a value
// prototype (Funded{}) decodes to a value and a pointer prototype (&Funded{})
// to a pointer, matching what Decide emits and Evolve expects.
//
// An unknown type fails with an error naming the category and the type and
// wrapping ErrUnknownEventType ("wallet: unknown event type \"x\""); JSON
// that does not unmarshal fails with "wallet: decode <type>: <cause>".
//
// It panics on a nil prototype, an empty type name or two prototypes that
// share a type name: programming errors caught at init.
func NewDecoder(category string, prototypes ...Event) func(eventType string, data []byte) (Event, error) {
	types := make(map[string]decodeTarget, len(prototypes))
	for _, p := range prototypes {
		if p == nil {
			panic(fmt.Sprintf("command: %s decoder: nil prototype", category))
		}
		name := p.EventType()
		if name == "" {
			panic(fmt.Sprintf("command: %s decoder: %T has an empty event type", category, p))
		}
		if prev, dup := types[name]; dup {
			panic(fmt.Sprintf("command: %s decoder: event type %q given twice (%v and %T)", category, name, prev.typ, p))
		}
		t := reflect.TypeOf(p)
		target := decodeTarget{typ: t, pointer: t.Kind() == reflect.Pointer}
		if target.pointer {
			target.typ = t.Elem()
		}
		types[name] = target
	}
	return func(eventType string, data []byte) (Event, error) {
		target, ok := types[eventType]
		if !ok {
			return nil, fmt.Errorf("%s: %w %q", category, ErrUnknownEventType, eventType)
		}
		v := reflect.New(target.typ)
		if err := json.Unmarshal(data, v.Interface()); err != nil {
			return nil, fmt.Errorf("%s: decode %s: %w", category, eventType, err)
		}
		if target.pointer {
			return v.Interface().(Event), nil
		}
		return v.Elem().Interface().(Event), nil
	}
}

// decodeTarget is what a decoder allocates for one event type: a new typ,
// returned as a pointer to it when the prototype was a pointer.
type decodeTarget struct {
	typ     reflect.Type
	pointer bool
}
