// Command partnersim serves simulated M-Pesa Daraja B2C, MTN MoMo
// Disbursement and Airtel Money disbursement v2 APIs on one port, for demos,
// docker-compose and manual testing of the payout adapters.
//
// Every flag can also be set by the environment variable in brackets:
//
//	-addr                     [PARTNERSIM_ADDR]                     listen address (default :8089)
//	-latency                  [PARTNERSIM_LATENCY]                  delay before every API answer
//	-callback-delay           [PARTNERSIM_CALLBACK_DELAY]           delay before each callback
//	-token-ttl                [PARTNERSIM_TOKEN_TTL]                access-token lifetime (default 1h)
//	-error-rate               [PARTNERSIM_ERROR_RATE]               share of calls answered 500 unprocessed
//	-processed-error-rate     [PARTNERSIM_PROCESSED_ERROR_RATE]     share of payments processed, then answered 500
//	-drop-callback-rate       [PARTNERSIM_DROP_CALLBACK_RATE]       share of outcome callbacks never sent
//	-drop-query-result-rate   [PARTNERSIM_DROP_QUERY_RESULT_RATE]   share of M-Pesa status results never sent
//	-duplicate-callback-rate  [PARTNERSIM_DUPLICATE_CALLBACK_RATE]  share of callbacks sent twice
//	-seed                     [PARTNERSIM_SEED]                     fault RNG seed
//	-momo-late-polls          [PARTNERSIM_MOMO_LATE_POLLS]          polls before 46733123454 succeeds
//	-airtel-pending-polls     [PARTNERSIM_AIRTEL_PENDING_POLLS]     enquiries before ambiguous Airtel payouts succeed
//	-mpesa-key                [PARTNERSIM_MPESA_KEY]                PEM RSA private key file (generated when empty)
//	-mpesa-cert-out           [PARTNERSIM_MPESA_CERT_OUT]           write the M-Pesa certificate PEM here
//
// The credentials it accepts are partnersim.DefaultConfig's; GET /sim/ledger
// lists the payments made.
package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/remitflow/remitflow/adapters/payout/partnersim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "partnersim:", err)
		os.Exit(1)
	}
}

type options struct {
	addr, keyFile, certOut string
	cfg                    partnersim.Config
}

func parse(args []string, getenv func(string) string) (options, error) {
	o := options{cfg: partnersim.DefaultConfig()}
	fs := flag.NewFlagSet("partnersim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	addr := fs.String("addr", env("PARTNERSIM_ADDR", ":8089"), "listen address")
	latency := fs.String("latency", env("PARTNERSIM_LATENCY", "0s"), "delay before every answer")
	cbDelay := fs.String("callback-delay", env("PARTNERSIM_CALLBACK_DELAY", "0s"), "delay before each callback")
	ttl := fs.String("token-ttl", env("PARTNERSIM_TOKEN_TTL", "1h"), "token lifetime")
	errRate := fs.String("error-rate", env("PARTNERSIM_ERROR_RATE", "0"), "500 before processing")
	procRate := fs.String("processed-error-rate", env("PARTNERSIM_PROCESSED_ERROR_RATE", "0"), "500 after processing")
	dropRate := fs.String("drop-callback-rate", env("PARTNERSIM_DROP_CALLBACK_RATE", "0"), "dropped callbacks")
	dropQuery := fs.String("drop-query-result-rate", env("PARTNERSIM_DROP_QUERY_RESULT_RATE", "0"), "dropped status results")
	dupRate := fs.String("duplicate-callback-rate", env("PARTNERSIM_DUPLICATE_CALLBACK_RATE", "0"), "duplicated callbacks")
	seed := fs.String("seed", env("PARTNERSIM_SEED", "1"), "fault RNG seed")
	late := fs.String("momo-late-polls", env("PARTNERSIM_MOMO_LATE_POLLS", "2"), "MoMo late-success polls")
	pending := fs.String("airtel-pending-polls", env("PARTNERSIM_AIRTEL_PENDING_POLLS", "2"), "Airtel in-process enquiries")
	keyFile := fs.String("mpesa-key", env("PARTNERSIM_MPESA_KEY", ""), "M-Pesa RSA key PEM file")
	certOut := fs.String("mpesa-cert-out", env("PARTNERSIM_MPESA_CERT_OUT", ""), "write M-Pesa certificate PEM here")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("flags: %w", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("flags: unexpected arguments %q", fs.Args())
	}
	var errs []error
	dur := func(name, v string) time.Duration {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a non-negative duration", name, v))
		}
		return d
	}
	rate := func(name, v string) float64 {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			errs = append(errs, fmt.Errorf("%s: %q is not a rate between 0 and 1", name, v))
		}
		return f
	}
	count := func(name, v string) int {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a non-negative integer", name, v))
		}
		return n
	}
	o.addr, o.keyFile, o.certOut = *addr, *keyFile, *certOut
	o.cfg.Latency = dur("latency", *latency)
	o.cfg.CallbackDelay = dur("callback-delay", *cbDelay)
	o.cfg.TokenTTL = dur("token-ttl", *ttl)
	if o.cfg.TokenTTL == 0 {
		errs = append(errs, errors.New("token-ttl: must be positive"))
	}
	o.cfg.Faults = partnersim.Faults{
		ErrorRate: rate("error-rate", *errRate), ProcessedErrorRate: rate("processed-error-rate", *procRate),
		DropCallbackRate: rate("drop-callback-rate", *dropRate), DropQueryResultRate: rate("drop-query-result-rate", *dropQuery),
		DuplicateCallbackRate: rate("duplicate-callback-rate", *dupRate),
	}
	s, err := strconv.ParseUint(*seed, 10, 64)
	if err != nil {
		errs = append(errs, fmt.Errorf("seed: %q is not an unsigned integer", *seed))
	}
	o.cfg.Seed = s
	o.cfg.MoMo.LatePolls = count("momo-late-polls", *late)
	o.cfg.Airtel.PendingPolls = count("airtel-pending-polls", *pending)
	return o, errors.Join(errs...)
}

func loadKey(path string) (*rsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mpesa key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("mpesa key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("mpesa key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("mpesa key: not an RSA key")
	}
	return rk, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	o, err := parse(args, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	o.cfg.Logger = log
	if o.keyFile != "" {
		if o.cfg.MPesa.Key, err = loadKey(o.keyFile); err != nil {
			return err
		}
	}
	sim, err := partnersim.New(o.cfg)
	if err != nil {
		return err
	}
	if o.certOut != "" {
		if err := os.WriteFile(o.certOut, sim.MPesaCertificatePEM(), 0o644); err != nil {
			return fmt.Errorf("writing M-Pesa certificate: %w", err)
		}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("partnersim listening", slog.String("addr", ln.Addr().String()),
		slog.Duration("latency", o.cfg.Latency), slog.Duration("token_ttl", o.cfg.TokenTTL),
		slog.String("faults", strings.TrimPrefix(fmt.Sprintf("%+v", o.cfg.Faults), "&")))
	return sim.Serve(ctx, ln)
}
