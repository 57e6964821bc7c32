package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/projections"
)

// TestReadYourWrites: ?after= waits for the read models; a position they do
// not reach in time is a 503, a malformed one a 400, and no ?after= (or a
// non-GET) passes straight through.
func TestReadYourWrites(t *testing.T) {
	s := &Server{d: Deps{Runner: projections.NewRunner(memory.New()), ReadTimeout: 20 * time.Millisecond}}
	mw := s.readYourWrites()
	ok := mw(func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	call := func(method, target string) error {
		req := httptest.NewRequest(method, target, nil)
		return ok(echo.New().NewContext(req, httptest.NewRecorder()))
	}
	if err := call(http.MethodGet, "/v1/transfers"); err != nil {
		t.Errorf("no after: %v", err)
	}
	if err := call(http.MethodGet, "/v1/transfers?after=0:0"); err != nil {
		t.Errorf("after=0:0 (already applied): %v", err)
	}
	if err := call(http.MethodPost, "/v1/transfers?after=99:99"); err != nil {
		t.Errorf("POST with after: %v", err)
	}
	var e *Error
	if err := call(http.MethodGet, "/v1/transfers?after=99:99"); !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || e.Code != "read_models_behind" {
		t.Errorf("after a position never reached = %v, want 503 read_models_behind", err)
	}
	if err := call(http.MethodGet, "/v1/transfers?after=x"); !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		t.Errorf("after=x = %v, want 400", err)
	}
}
