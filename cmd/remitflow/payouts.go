package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/remitflow/remitflow/adapters/payout/airtel"
	"github.com/remitflow/remitflow/adapters/payout/momo"
	"github.com/remitflow/remitflow/adapters/payout/mpesa"
	"github.com/remitflow/remitflow/adapters/payout/partnersim"
	"github.com/remitflow/remitflow/adapters/payout/router"
	"github.com/remitflow/remitflow/adapters/payout/simwire"
	"github.com/remitflow/remitflow/domain/payout"
)

// callbackPrefix is where partner callbacks are mounted in the API.
const callbackPrefix = "/callbacks"

// payouts is the wired payout side: the router the process manager pays
// through and the callback endpoints partners call.
type payouts struct {
	Router    *router.Router
	Callbacks http.Handler
	// SimURL is the partner simulator's URL when serve runs one.
	SimURL string
	sink   atomic.Pointer[payout.ResultSink]
	close  func()
}

// SetSink sets where partner callbacks' results go (the process manager).
func (p *payouts) SetSink(s payout.ResultSink) { p.sink.Store(&s) }

func (p *payouts) deliver(ctx context.Context, r payout.Result) error {
	s := p.sink.Load()
	if s == nil {
		return errors.New("payout results are not being accepted yet")
	}
	return (*s)(ctx, r)
}

// Close stops an in-process simulator.
func (p *payouts) Close() {
	if p.close != nil {
		p.close()
	}
}

// buildPayouts configures the partners from REMITFLOW_MPESA_*,
// REMITFLOW_MOMO_*, REMITFLOW_AIRTEL_* and REMITFLOW_PAYOUT_* variables. When
// no partner has a base URL it uses the partner simulator instead: the one
// at REMITFLOW_PARTNERSIM_URL, or one it starts on a loopback port. publicURL
// is where partners reach this server's callbacks.
func buildPayouts(ctx context.Context, getenv func(string) string, publicURL string, log *slog.Logger) (*payouts, error) {
	out := &payouts{}
	mc, mOK, err := mpesa.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	oc, oOK, err := momo.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	ac, aOK, err := airtel.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	if !mOK && !oOK && !aOK {
		var sim simwire.Simulator
		if url := getenv("REMITFLOW_PARTNERSIM_URL"); url != "" {
			remote, err := simwire.Dial(ctx, nil, url)
			if err != nil {
				return nil, fmt.Errorf("partner simulator at %s: %w", url, err)
			}
			sim, out.SimURL = remote, url
		} else {
			cfg := partnersim.DefaultConfig()
			cfg.Logger = log.With("component", "partnersim")
			local, err := partnersim.New(cfg)
			if err != nil {
				return nil, fmt.Errorf("partner simulator: %w", err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, fmt.Errorf("partner simulator: %w", err)
			}
			go func() {
				if err := local.Serve(ctx, ln); err != nil && ctx.Err() == nil {
					log.Error("partner simulator stopped: payouts will stay unknown until it is back", "err", err)
				}
			}()
			sim, out.SimURL, out.close = local, "http://"+ln.Addr().String(), local.Close
		}
		ip, err := simwire.NewInProcess(sim, simwire.Options{
			SimURL: out.SimURL, CallbackURL: publicURL + callbackPrefix, Logger: log.With("component", "payouts"),
		}, callbackPrefix, out.deliver)
		if err != nil {
			return nil, err
		}
		out.Router, out.Callbacks = ip.Router, ip.Callbacks
		log.Info("no payout partner configured: paying out through the partner simulator", "url", out.SimURL)
		return out, nil
	}

	ports := map[payout.Provider]payout.Port{}
	sources := map[payout.Provider]router.CallbackSource{}
	if mOK {
		mc.Logger = log.With("partner", "mpesa")
		a, err := mpesa.New(mc)
		if err != nil {
			return nil, err
		}
		ports[payout.MPesa], sources[payout.MPesa] = a, a
	}
	if oOK {
		oc.Logger = log.With("partner", "mtn_momo")
		a, err := momo.New(oc)
		if err != nil {
			return nil, err
		}
		ports[payout.MoMo], sources[payout.MoMo] = a, a
	}
	if aOK {
		ac.Logger = log.With("partner", "airtel")
		a, err := airtel.New(ac)
		if err != nil {
			return nil, err
		}
		ports[payout.Airtel] = a
	}
	rcfg, err := router.ConfigFromEnv(getenv, ports)
	if err != nil {
		return nil, err
	}
	if len(rcfg.Routes) == 0 {
		for _, r := range simwire.DefaultRoutes {
			if _, ok := ports[r.Provider]; ok {
				rcfg.Routes = append(rcfg.Routes, r)
			}
		}
	}
	rcfg.Logger = log.With("component", "payouts")
	if out.Router, err = router.New(rcfg); err != nil {
		return nil, err
	}
	out.Callbacks = router.CallbackHandler(callbackPrefix, out.deliver, sources)
	return out, nil
}
