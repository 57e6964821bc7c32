package eventstore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestPositionTextAndOrder(t *testing.T) {
	p := Position{Commit: 42, Prepare: 41}
	b, err := json.Marshal(p)
	if err != nil || string(b) != `"42:41"` {
		t.Fatalf("Marshal(%v) = %s, %v", p, b, err)
	}
	var q Position
	if err := json.Unmarshal(b, &q); err != nil || q != p {
		t.Fatalf("Unmarshal(%s) = %v, %v", b, q, err)
	}
	if err := json.Unmarshal([]byte(`"7"`), &q); err != nil || q != (Position{7, 7}) {
		t.Fatalf(`Unmarshal("7") = %v, %v`, q, err)
	}
	for _, bad := range []string{`"x:1"`, `"1:y"`, `""`} {
		if err := json.Unmarshal([]byte(bad), &q); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	if !Start.Less(p) || !p.Less(End) || p.Less(p) || (Position{42, 40}).Compare(p) != -1 {
		t.Error("position order is wrong")
	}
}

func TestValidateAppend(t *testing.T) {
	ok := EventData{ID: uuid.New(), Type: "t.v1", Data: []byte(`{}`)}
	tests := []struct {
		name   string
		stream string
		events []EventData
		want   error
	}{
		{"empty stream", "", []EventData{ok}, ErrInvalidStreamName},
		{"long stream", strings.Repeat("a", MaxStreamNameLen+1), []EventData{ok}, ErrInvalidStreamName},
		{"system stream", "$all", []EventData{ok}, ErrInvalidStreamName},
		{"not utf8", "a\xff", []EventData{ok}, ErrInvalidStreamName},
		{"no events", "s-1", nil, ErrInvalidEvent},
		{"nil id", "s-1", []EventData{{Type: "t", Data: []byte(`{}`)}}, ErrInvalidEvent},
		{"empty type", "s-1", []EventData{{ID: uuid.New(), Data: []byte(`{}`)}}, ErrInvalidEvent},
		{"bad json", "s-1", []EventData{{ID: uuid.New(), Type: "t", Data: []byte(`{`)}}, ErrInvalidEvent},
		{"bad metadata", "s-1", []EventData{{ID: uuid.New(), Type: "t", Data: []byte(`{}`), Metadata: []byte(`x`)}}, ErrInvalidEvent},
		{"too large", "s-1", []EventData{{ID: uuid.New(), Type: "t", Data: []byte(`"` + strings.Repeat("x", MaxEventSize) + `"`)}}, ErrEventTooLarge},
		{"duplicate ids", "s-1", []EventData{ok, ok}, ErrInvalidEvent},
		{"valid", "s-1", []EventData{ok}, nil},
	}
	for _, tt := range tests {
		err := ValidateAppend(tt.stream, tt.events)
		if (tt.want == nil && err != nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: ValidateAppend = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestExpectedRevisionAndFilter(t *testing.T) {
	if !Any().Check(0, false) || !NoStream().Check(0, false) || NoStream().Check(0, true) ||
		StreamExists().Check(0, false) || !Exact(3).Check(3, true) || Exact(3).Check(2, true) || Exact(0).Check(0, false) {
		t.Error("ExpectedRevision.Check is wrong")
	}
	err := &WrongExpectedRevisionError{Stream: "s-1", Expected: Exact(1), Actual: 2, ActualExists: true}
	if !errors.Is(err, ErrWrongExpectedRevision) || !strings.Contains(err.Error(), "expected revision 1, actual revision 2") {
		t.Errorf("WrongExpectedRevisionError = %v", err)
	}
	f := StreamPrefix("transfer-", "wallet-")
	if !f.Matches("wallet-1", "x") || f.Matches("quote-1", "x") || !(Filter{}).Matches("a", "b") ||
		!EventTypePrefix("transfer.").Matches("x", "transfer.requested.v1") {
		t.Error("Filter.Matches is wrong")
	}
	if Category("transfer-7f3c-ab") != "transfer" || Category("plain") != "plain" {
		t.Error("Category is wrong")
	}
}
