package fxsource

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fxrates "github.com/remitflow/remitflow/fx-rates"
)

func ecbHistory(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../../fx-rates/testdata/eurofxref-hist.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newSource(t testing.TB, url string, mod func(*HTTPConfig)) *HTTPSource {
	t.Helper()
	cfg := HTTPConfig{Name: "ecb", URL: url, Parse: fxrates.ParseECB, Timeout: 2 * time.Second, MaxAttempts: 3,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewHTTPSource(cfg)
	if err != nil {
		t.Fatalf("NewHTTPSource: %v", err)
	}
	return s
}

func TestHTTPConditionalRequests(t *testing.T) {
	doc := ecbHistory(t)
	var requests, conditional atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("X-Api-Key") != "k1" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Tue, 28 Jan 2020 15:00:00 GMT" {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Tue, 28 Jan 2020 15:00:00 GMT")
		w.Write(doc)
	}))
	defer srv.Close()
	src := newSource(t, srv.URL, func(c *HTTPConfig) { c.Header = http.Header{"X-Api-Key": {"k1"}} })

	snaps, err := src.Fetch(t.Context())
	if err != nil {
		t.Fatalf("first Fetch: %v", err)
	}
	if len(snaps) != 28 || snaps[27].Source != "ecb" || !snaps[27].Rates["USD"].Mid.Equal(decimalOf("1.1005")) {
		t.Fatalf("first Fetch = %d snapshots, last %+v", len(snaps), snaps[len(snaps)-1])
	}
	snaps, err = src.Fetch(t.Context())
	if !errors.Is(err, fxrates.ErrNotModified) || snaps != nil {
		t.Fatalf("second Fetch = %d snapshots, %v; want ErrNotModified", len(snaps), err)
	}
	if requests.Load() != 2 || conditional.Load() != 1 {
		t.Errorf("requests = %d, conditional = %d; want 2 and 1", requests.Load(), conditional.Load())
	}
}

func TestHTTPRetries(t *testing.T) {
	doc := ecbHistory(t)
	tests := []struct {
		name       string
		statuses   []int // answers before a 200; 0 ends the list
		attempts   int   // MaxAttempts
		wantErr    error
		wantStatus int
		wantCalls  int32
	}{
		{"two 503s then success", []int{503, 503}, 3, nil, 0, 3},
		{"500 every time", []int{500, 500, 500, 500}, 3, ErrUpstream, 500, 3},
		{"429 is retried", []int{429}, 3, nil, 0, 2},
		{"404 is not retried", []int{404}, 3, ErrUpstream, 404, 1},
		{"400 is not retried", []int{400, 400}, 3, ErrUpstream, 400, 1},
		{"401 is not retried", []int{401}, 3, ErrUpstream, 401, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				if n <= len(tt.statuses) {
					w.WriteHeader(tt.statuses[n-1])
					return
				}
				w.Write(doc)
			}))
			defer srv.Close()
			src := newSource(t, srv.URL, func(c *HTTPConfig) { c.MaxAttempts = tt.attempts })
			snaps, err := src.Fetch(t.Context())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Fetch error = %v, want %v", err, tt.wantErr)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", calls.Load(), tt.wantCalls)
			}
			if tt.wantErr == nil && len(snaps) != 28 {
				t.Errorf("Fetch = %d snapshots, want 28", len(snaps))
			}
			var st *StatusError
			if tt.wantStatus != 0 && (!errors.As(err, &st) || st.Code != tt.wantStatus) {
				t.Errorf("Fetch error %v is not a StatusError %d", err, tt.wantStatus)
			}
		})
	}
}

func TestHTTPMalformedIsNotRetriedNorRemembered(t *testing.T) {
	var calls atomic.Int32
	var sawConditional atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("If-None-Match") != "" {
			sawConditional.Store(true)
		}
		w.Header().Set("ETag", `"broken"`)
		w.Write([]byte(`<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"><Cube><Cube time="2020-01-28"><Cube currency="USD" rate="-1"/>`))
	}))
	defer srv.Close()
	src := newSource(t, srv.URL, nil)
	for range 2 {
		if _, err := src.Fetch(t.Context()); !errors.Is(err, fxrates.ErrMalformed) {
			t.Fatalf("Fetch(broken XML) error = %v, want ErrMalformed", err)
		}
	}
	if calls.Load() != 2 || sawConditional.Load() {
		t.Errorf("calls = %d, conditional request sent = %v; want 2 and false", calls.Load(), sawConditional.Load())
	}
}

func TestHTTPOXRFeed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"base":"USD","timestamp":1580223600,"rates":{"KES":101.0512345678901234,"NGN":362.5,"BTC":0.00011}}`))
	}))
	defer srv.Close()
	src := newSource(t, srv.URL, func(c *HTTPConfig) {
		c.Name, c.Parse, c.Options = "oxr", fxrates.ParseOXR, fxrates.ParseOptions{IgnoreUnknown: true, Source: "ignored"}
	})
	snaps, err := src.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s := snaps[0]; s.Source != "oxr" || len(s.Rates) != 2 || s.Rates["KES"].Mid.String() != "101.0512345678901234" {
		t.Errorf("Fetch(OXR) = %+v", s)
	}
}

func TestHTTPNetworkErrorsAndTimeouts(t *testing.T) {
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	src := newSource(t, "http://"+addr+"/eurofxref.xml", nil)
	_, err = src.Fetch(t.Context())
	var st *StatusError
	if err == nil || errors.As(err, &st) || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Errorf("Fetch(closed port) error = %v, want a network error after 3 attempts", err)
	}

	var calls atomic.Int32
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	src = newSource(t, slow.URL, func(c *HTTPConfig) { c.Timeout = 20 * time.Millisecond; c.MaxAttempts = 2 })
	if _, err := src.Fetch(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch(slow server) error = %v, want a deadline error", err)
	}
	if calls.Load() != 2 {
		t.Errorf("slow server saw %d attempts, want 2", calls.Load())
	}
}

func TestHTTPCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cancel()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	src := newSource(t, srv.URL, func(c *HTTPConfig) { c.BaseBackoff, c.MaxBackoff = time.Hour, time.Hour })
	if _, err := src.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch cancelled during backoff: %v, want context.Canceled", err)
	}
}

func TestNewHTTPSourceValidation(t *testing.T) {
	bad := []HTTPConfig{
		{Name: "", URL: "http://x", Parse: fxrates.ParseECB},
		{Name: "ecb", URL: "", Parse: fxrates.ParseECB},
		{Name: "ecb", URL: "http://x"},
		{Name: "ecb", URL: "http://x", Parse: fxrates.ParseECB, Timeout: -1},
		{Name: "ecb", URL: "://bad", Parse: fxrates.ParseECB},
	}
	for _, cfg := range bad {
		if _, err := NewHTTPSource(cfg); !errors.Is(err, fxrates.ErrInvalidConfig) {
			t.Errorf("NewHTTPSource(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
}
