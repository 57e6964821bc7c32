// Package httpapi is Remitflow's HTTP API (echo v4): quotes, transfers,
// customers and wallets for mobile apps; cash pickups and float for agents;
// held queues, decisions, replay, verification and export for compliance
// staff; payout partner callbacks; health, readiness, metrics and the
// OpenAPI document.
//
// Every error leaves as RFC 9457 problem+json through one HTTPErrorHandler:
// domain errors are mapped by their kind (invalid and refused → 422,
// not_found → 404, conflict → 409), bad input at the edge is a 400, and
// internal errors are logged and shown only as a generic 500. Callers
// authenticate with JWT bearer tokens carrying one of the roles customer,
// agent, compliance or admin; a customer sees only their own data.
//
// POST requests may carry an Idempotency-Key (required for POST
// /v1/transfers): the first response is stored in the event store as stream
// idem-<hash>, and a repeat with the same body gets it again, while a repeat
// with another body is refused with 422.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/process"
	fxrates "github.com/remitflow/remitflow/fx-rates"
	"github.com/remitflow/remitflow/projections"
)

// Deps are what the API needs. Store, Clock, Service, Pricer, Vault, Runner
// and JWTKey are required.
type Deps struct {
	Store   eventstore.Store
	Clock   command.Clock
	Service *process.Service
	Pricer  *fxrates.Pricer
	Rates   *fxrates.RateBook
	Vault   *pii.Vault
	Runner  *projections.Runner
	Reads   *projections.ReadModels
	JWTKey  []byte
	// Callbacks serves payout partners' callbacks under /callbacks/ (no JWT:
	// each adapter authenticates its partner).
	Callbacks http.Handler
	Logger    *slog.Logger
	// Registry receives the API's metrics; Gatherer serves /metrics. Both
	// default to a fresh registry.
	Registry *prometheus.Registry
	// PickupCodes recomputes a cash pickup's code for its sender; optional
	// (without it GET /v1/transfers/{id}/pickup-code answers 404).
	PickupCodes PickupCodes
	// Reviews records compliance decisions on sanctions hits; optional.
	Reviews Reviews
	// ScreenCustomer screens a newly registered customer against the
	// sanctions list in force and records the result (a hit opens a case);
	// optional.
	ScreenCustomer func(ctx context.Context, customerID string) (process.ScreeningResult, error)
	// Ready reports extra readiness conditions (the process manager running…).
	Ready func() error
	// ReadTimeout bounds how long a query waits for projections to reach a
	// position it just wrote (read-your-writes). Default 5 s.
	ReadTimeout time.Duration
}

// Server is the configured API.
type Server struct {
	d    Deps
	echo *echo.Echo
	log  *slog.Logger
}

// MaxBodyBytes bounds request bodies.
const MaxBodyBytes = 64 << 10

// New builds the API. It returns an error when a required dependency is missing.
func New(d Deps) (*Server, error) {
	if d.Store == nil || d.Clock == nil || d.Service == nil || d.Pricer == nil || d.Rates == nil || d.Vault == nil || d.Runner == nil || d.Reads == nil || len(d.JWTKey) == 0 {
		return nil, errors.New("httpapi: store, clock, service, pricer, vault, runner, read models and JWT key are required")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.ReadTimeout == 0 {
		d.ReadTimeout = 5 * time.Second
	}
	s := &Server{d: d, log: d.Logger}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(errorMappings, d.Logger)
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.observe())
	e.Use(middleware.BodyLimit(strconv.Itoa(MaxBodyBytes/1024) + "K"))
	s.echo = e
	s.routes()
	return s, nil
}

// Handler returns the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the underlying echo instance (for tests and embedding).
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() { s.routesForDocs() }

// routesForDocs registers every route; tests compare them with openapi.json.
func (s *Server) routesForDocs() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler)
	e.GET("/openapi.json", s.openapi)
	if s.d.Callbacks != nil {
		e.Any("/callbacks/*", echo.WrapHandler(s.d.Callbacks))
	}

	v1 := e.Group("/v1", authenticate(s.d.JWTKey, s.d.Clock.Now), s.idempotency(), s.readYourWrites())
	anyone := requireRole(RoleCustomer, RoleCompliance, RoleAdmin)
	staff := requireRole(RoleCompliance, RoleAdmin)
	admin := requireRole(RoleAdmin)
	customerOnly := requireRole(RoleCustomer)
	agentOnly := requireRole(RoleAgent)

	v1.GET("/corridors", s.listCorridors)
	v1.GET("/corridors/stats", s.corridorStats, staff)
	v1.GET("/rates", s.getRate)

	v1.POST("/quotes", s.createQuote, customerOnly)
	v1.GET("/quotes/:id", s.getQuote, anyone)

	v1.POST("/transfers", s.createTransfer, customerOnly)
	v1.GET("/transfers", s.listTransfers, anyone)
	v1.GET("/transfers/:id", s.getTransfer, anyone)
	v1.GET("/transfers/:id/timeline", s.timeline, anyone)
	v1.POST("/transfers/:id/cancel", s.cancelTransfer, customerOnly)
	v1.GET("/transfers/:id/pickup-code", s.pickupCode, customerOnly)

	v1.POST("/customers", s.registerCustomer, admin)
	v1.GET("/customers/:id", s.getCustomer, anyone)
	v1.POST("/customers/:id/funds", s.fundWallet, admin)
	v1.GET("/customers/:id/balances", s.getBalances, anyone)
	v1.GET("/customers/:id/wallet", s.getWallet, anyone)
	v1.POST("/customers/:id/tier", s.changeTier, staff)
	v1.POST("/customers/:id/block", s.blockCustomer, staff)
	v1.POST("/customers/:id/unblock", s.unblockCustomer, staff)
	v1.POST("/customers/:id/erase", s.eraseCustomer, admin)
	v1.POST("/customers/:id/credit-line", s.approveCreditLine, admin)
	v1.POST("/customers/:id/credit/repay", s.repayCredit, admin)
	v1.POST("/customers/:id/credit/plan", s.createPlan, admin)

	v1.POST("/agents", s.registerAgent, admin)
	v1.GET("/agents/:id", s.getAgent, requireRole(RoleAgent, RoleCompliance, RoleAdmin))
	v1.POST("/agents/:id/float", s.topUpFloat, admin)
	v1.GET("/agents/:id/cash-outs", s.agentCashOuts, requireRole(RoleAgent, RoleCompliance, RoleAdmin))
	v1.POST("/pickups/:id/lookup", s.lookupPickup, agentOnly)
	v1.POST("/pickups/:id/pay", s.payPickup, agentOnly)

	v1.GET("/compliance/held", s.heldQueue, staff)
	v1.POST("/compliance/transfers/:id/release", s.releaseTransfer, staff)
	v1.POST("/compliance/transfers/:id/reject", s.rejectTransfer, staff)
	v1.POST("/compliance/false-positives", s.clearFalsePositive, staff)
	v1.GET("/compliance/streams/:stream", s.streamHistory, staff)
	v1.GET("/compliance/transfers/:id", s.transferAsOf, staff)
	v1.GET("/compliance/customers/:id/history", s.customerHistory, staff)
	v1.GET("/compliance/export", s.export, staff)
	v1.GET("/compliance/verify", s.verify, staff)
}

func (s *Server) metricsHandler(c echo.Context) error {
	promhttp.HandlerFor(s.d.Registry, promhttp.HandlerOpts{}).ServeHTTP(c.Response(), c.Request())
	return nil
}

// Start serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) Start(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s.echo, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if !s.d.Runner.CaughtUp() {
		return &Error{Status: http.StatusServiceUnavailable, Code: "not_ready", Title: "Not ready", Detail: "read models are still catching up with the event log"}
	}
	if s.d.Ready != nil {
		if err := s.d.Ready(); err != nil {
			return &Error{Status: http.StatusServiceUnavailable, Code: "not_ready", Title: "Not ready", Detail: err.Error()}
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "position": s.d.Runner.Position().String()})
}

// AfterParam is the query parameter of read-your-writes: a GET with
// ?after=<position> (the X-Event-Position a command returned) answers only
// once the read models have applied that position.
const AfterParam = "after"

// readYourWrites waits, for GETs with ?after=, until the read models have
// applied the position; a malformed position is a 400, and read models that
// do not get there within ReadTimeout a 503.
func (s *Server) readYourWrites() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			v := c.QueryParam(AfterParam)
			if c.Request().Method != http.MethodGet || v == "" {
				return next(c)
			}
			pos, err := eventstore.ParsePosition(v)
			if err != nil {
				return BadRequest("invalid_position", "after must be a position such as 42:42 (from X-Event-Position)")
			}
			ctx, cancel := context.WithTimeout(c.Request().Context(), s.d.ReadTimeout)
			defer cancel()
			if err := s.d.Runner.Wait(ctx, pos); err != nil {
				return &Error{Status: http.StatusServiceUnavailable, Code: "read_models_behind", Title: "Read models behind",
					Detail: "the read models have not reached position " + pos.String() + " yet; retry"}
			}
			return next(c)
		}
	}
}

// observe renders a handler's error, then logs the request and counts it.
func (s *Server) observe() echo.MiddlewareFunc {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "remitflow_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "remitflow_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route", "method"})
	s.d.Registry.MustRegister(requests, latency)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Inc()
			latency.WithLabelValues(route, c.Request().Method).Observe(elapsed.Seconds())
			s.log.InfoContext(c.Request().Context(), "http",
				"method", c.Request().Method, "path", c.Request().URL.Path, "status", status,
				"ms", elapsed.Milliseconds(), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			return nil
		}
	}
}

// parseAmount reads a money amount from a request field.
func parseAmount(field, value, currency string) (money.Amount, error) {
	a, err := money.Parse(value, currency)
	if err != nil {
		return money.Amount{}, BadRequest("invalid_amount", field+": "+err.Error())
	}
	return a, nil
}
