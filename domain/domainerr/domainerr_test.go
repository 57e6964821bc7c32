package domainerr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/remitflow/remitflow/domain/domainerr"
)

var (
	errRefused = domainerr.New("test.refused", domainerr.Refused, "test: refused")
	errOther   = domainerr.New("test.refused", domainerr.Refused, "test: refused")
)

func TestNew(t *testing.T) {
	tests := []struct {
		code string
		kind domainerr.Kind
		want string
	}{
		{"test.invalid", domainerr.Invalid, "invalid"},
		{"test.not_found", domainerr.NotFound, "not_found"},
		{"test.conflict", domainerr.Conflict, "conflict"},
		{"test.refused", domainerr.Refused, "refused"},
	}
	for _, tt := range tests {
		e := domainerr.New(tt.code, tt.kind, "test: message")
		if got := e.ErrorKind(); got != tt.want {
			t.Errorf("New(%q, %q, ...).ErrorKind() = %q, want %q", tt.code, tt.kind, got, tt.want)
		}
		if got := e.ErrorCode(); got != tt.code {
			t.Errorf("New(%q, %q, ...).ErrorCode() = %q, want %q", tt.code, tt.kind, got, tt.code)
		}
		if got := e.Error(); got != "test: message" {
			t.Errorf("New(%q, %q, ...).Error() = %q, want %q", tt.code, tt.kind, got, "test: message")
		}
		if e.Code != tt.code || e.Kind != tt.kind {
			t.Errorf("New(%q, %q, ...) = {Code: %q, Kind: %q}", tt.code, tt.kind, e.Code, e.Kind)
		}
	}
}

func TestIsThroughWrapping(t *testing.T) {
	err := fmt.Errorf("decide: %w", fmt.Errorf("transfer t1: %w", errRefused))
	if !errors.Is(err, errRefused) {
		t.Errorf("errors.Is(%v, errRefused) = false, want true", err)
	}
	if errors.Is(err, errOther) {
		t.Errorf("errors.Is(%v, errOther) = true, want false: sentinels with equal fields are distinct", err)
	}
	joined := errors.Join(errors.New("other"), err)
	if !errors.Is(joined, errRefused) {
		t.Errorf("errors.Is(%v, errRefused) = false, want true", joined)
	}
}

func TestAsThroughWrapping(t *testing.T) {
	err := fmt.Errorf("decide: %w", fmt.Errorf("transfer t1: %w", errRefused))

	var de *domainerr.Error
	if !errors.As(err, &de) || de != errRefused {
		t.Fatalf("errors.As(%v, *domainerr.Error) = %v, want errRefused", err, de)
	}

	var k interface {
		ErrorKind() string
		ErrorCode() string
	}
	if !errors.As(err, &k) {
		t.Fatalf("errors.As(%v, kinded) = false, want true", err)
	}
	if k.ErrorKind() != "refused" || k.ErrorCode() != "test.refused" {
		t.Errorf("kinded = (%q, %q), want (%q, %q)", k.ErrorKind(), k.ErrorCode(), "refused", "test.refused")
	}
	if got, want := err.Error(), "decide: transfer t1: test: refused"; got != want {
		t.Errorf("err.Error() = %q, want %q", got, want)
	}

	if errors.As(errors.New("plain"), &de) {
		t.Errorf("errors.As(plain error, *domainerr.Error) = true, want false")
	}
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(errRefused)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"Code":"test.refused","Kind":"refused"}`; got != want {
		t.Errorf("json.Marshal(errRefused) = %s, want %s", got, want)
	}
}
