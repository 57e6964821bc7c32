package httpapi

import (
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestDataSubject: stored responses are sealed under the customer they are
// about: the calling customer, the customer a staff call addresses, or the
// customer a staff call created; otherwise the caller.
func TestDataSubject(t *testing.T) {
	for _, tt := range []struct {
		p        Principal
		path     string
		location string
		want     string
	}{
		{Principal{Subject: "cus_1", Role: RoleCustomer}, "/v1/transfers", "/v1/transfers/tr_1", "cus_1"},
		{Principal{Subject: "ops", Role: RoleAdmin}, "/v1/customers/cus_2/funds", "", "cus_2"},
		{Principal{Subject: "ops", Role: RoleAdmin}, "/v1/customers", "/v1/customers/cus_3", "cus_3"},
		{Principal{Subject: "alice", Role: RoleCompliance}, "/v1/compliance/transfers/tr_9/release", "", "staff:alice"},
	} {
		c := echo.New().NewContext(httptest.NewRequest("POST", tt.path, nil), httptest.NewRecorder())
		if tt.location != "" {
			c.Response().Header().Set("Location", tt.location)
		}
		if got := dataSubject(c, tt.p); got != tt.want {
			t.Errorf("dataSubject(%s %s, Location %q) = %q, want %q", tt.p.Actor(), tt.path, tt.location, got, tt.want)
		}
	}
}
