package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
)

// Role is what a bearer token allows.
type Role string

// Roles.
const (
	RoleCustomer   Role = "customer"
	RoleAgent      Role = "agent"
	RoleCompliance Role = "compliance"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleCustomer || r == RoleAgent || r == RoleCompliance || r == RoleAdmin
}

// Claims are the JWT claims the API reads. Subject is the customer ID for
// customers, the agent ID for agents and the staff member's name for staff.
type Claims struct {
	Role Role `json:"role"`
	jwt.RegisteredClaims
}

// Principal is the authenticated caller.
type Principal struct {
	Subject string
	Role    Role
}

// Actor names the principal in event metadata ("customer:cus_1", "staff:alice").
func (p Principal) Actor() string {
	switch p.Role {
	case RoleCompliance, RoleAdmin:
		return "staff:" + p.Subject
	}
	return string(p.Role) + ":" + p.Subject
}

// Issuer is the JWT issuer the API issues and accepts.
const Issuer = "remitflow"

// IssueToken signs an HS256 token for subject and role, valid from now for ttl.
// It returns an error for an unknown role, an empty subject or an empty key.
func IssueToken(key []byte, subject string, role Role, now time.Time, ttl time.Duration) (string, error) {
	if len(key) == 0 {
		return "", errors.New("token: empty signing key")
	}
	if subject == "" {
		return "", errors.New("token: empty subject")
	}
	if !role.Valid() {
		return "", fmt.Errorf("token: unknown role %q (customer, agent, compliance, admin)", role)
	}
	claims := Claims{Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: subject,
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}

const principalKey = "remitflow.principal"

// authenticate verifies the bearer token and stores the principal.
func authenticate(key []byte, now func() time.Time) echo.MiddlewareFunc {
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(now))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			raw, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || raw == "" {
				return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Title: "Unauthorized",
					Detail: "a bearer token is required (Authorization: Bearer <token>)"}
			}
			var claims Claims
			if _, err := parser.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return key, nil }); err != nil {
				return &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Title: "Unauthorized", Detail: "invalid token: " + err.Error()}
			}
			if !claims.Role.Valid() || claims.Subject == "" {
				return &Error{Status: http.StatusUnauthorized, Code: "invalid_token", Title: "Unauthorized", Detail: "token lacks a known role or a subject"}
			}
			c.Set(principalKey, Principal{Subject: claims.Subject, Role: claims.Role})
			return next(c)
		}
	}
}

// requireRole allows only the listed roles.
func requireRole(roles ...Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := principal(c)
			if !slices.Contains(roles, p.Role) {
				return Forbidden(fmt.Sprintf("role %q may not do this", p.Role))
			}
			return next(c)
		}
	}
}

func principal(c echo.Context) Principal {
	p, _ := c.Get(principalKey).(Principal)
	return p
}
