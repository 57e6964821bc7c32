package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Problem is an RFC 9457 problem details object, the body of every error
// response (content type application/problem+json).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Code is a stable machine-readable slug ("quote_expired").
	Code string `json:"code,omitempty"`
}

// ProblemTypeBase prefixes every problem type URI.
const ProblemTypeBase = "https://remitflow.dev/problems/"

// ErrorMapping maps a domain error (matched with errors.Is) to an HTTP status
// and a stable code. The error's own message becomes the problem's detail:
// domain errors are written for people.
type ErrorMapping struct {
	Err    error
	Status int
	Code   string
	Title  string
}

// Error is an error raised by a handler that already knows its status and code
// (bad input detected at the edge).
type Error struct {
	Status int
	Code   string
	Title  string
	Detail string
}

// Error returns the detail shown to the client.
func (e *Error) Error() string { return e.Detail }

// BadRequest returns a 400 problem with a code and a detail.
func BadRequest(code, detail string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Title: "Bad request", Detail: detail}
}

// NotFound returns a 404 problem.
func NotFound(detail string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Title: "Not found", Detail: detail}
}

// Forbidden returns a 403 problem.
func Forbidden(detail string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "forbidden", Title: "Forbidden", Detail: detail}
}

// problemFor turns any error into a problem. Unmapped errors are internal:
// logged with their detail, shown only as a generic 500.
func problemFor(err error, mappings []ErrorMapping, log *slog.Logger, r *http.Request) Problem {
	var e *Error
	if errors.As(err, &e) {
		return Problem{Type: ProblemTypeBase + e.Code, Title: e.Title, Status: e.Status, Detail: e.Detail, Code: e.Code, Instance: r.URL.Path}
	}
	if p, ok := domainProblem(err); ok {
		p.Instance = r.URL.Path
		return p
	}
	for _, m := range mappings {
		if errors.Is(err, m.Err) {
			return Problem{Type: ProblemTypeBase + m.Code, Title: m.Title, Status: m.Status, Detail: err.Error(), Code: m.Code, Instance: r.URL.Path}
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		detail := http.StatusText(he.Code)
		if msg, ok := he.Message.(string); ok {
			detail = msg
		}
		code := map[int]string{
			http.StatusNotFound: "not_found", http.StatusMethodNotAllowed: "method_not_allowed",
			http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden",
			http.StatusRequestEntityTooLarge: "too_large", http.StatusUnsupportedMediaType: "unsupported_media_type",
			http.StatusTooManyRequests: "rate_limited",
		}[he.Code]
		if code == "" {
			code = "http_error"
		}
		return Problem{Type: ProblemTypeBase + code, Title: http.StatusText(he.Code), Status: he.Code, Detail: detail, Code: code, Instance: r.URL.Path}
	}
	log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path)
	return Problem{Type: ProblemTypeBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "The request could not be completed; it has been logged.", Code: "internal", Instance: r.URL.Path}
}

// errorHandler is echo's HTTPErrorHandler: every error leaves as problem+json.
func errorHandler(mappings []ErrorMapping, log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := problemFor(err, mappings, log, c.Request())
		b, _ := json.Marshal(p)
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(p.Status)
		if c.Request().Method != http.MethodHead {
			_, _ = c.Response().Write(b)
		}
	}
}
