package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsAndEnv(t *testing.T) {
	env := map[string]string{"PARTNERSIM_LATENCY": "20ms", "PARTNERSIM_ERROR_RATE": "0.1", "PARTNERSIM_SEED": "42"}
	o, err := parse([]string{"-addr", "127.0.0.1:0", "-error-rate", "0.25", "-token-ttl", "90s"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("parse error = %v", err)
	}
	if o.addr != "127.0.0.1:0" || o.cfg.Latency != 20*time.Millisecond || o.cfg.Faults.ErrorRate != 0.25 ||
		o.cfg.TokenTTL != 90*time.Second || o.cfg.Seed != 42 {
		t.Errorf("parse = %+v", o)
	}
}

func TestParseRejectsBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"-latency", "soon"}, {"-error-rate", "1.5"}, {"-drop-callback-rate", "-0.1"}, {"-token-ttl", "0s"},
		{"-seed", "x"}, {"-momo-late-polls", "-1"}, {"-nope"}, {"extra"},
	} {
		if _, err := parse(args, func(string) string { return "" }); err == nil {
			t.Errorf("parse(%q) succeeded", args)
		}
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading startup log: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var msg struct {
		Addr string `json:"addr"`
	}
	if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.Addr == "" {
		t.Fatalf("startup log %q: %v", line, err)
	}
	resp, err := http.Get("http://" + msg.Addr + "/oauth/v1/generate?grant_type=client_credentials")
	if err != nil {
		t.Fatalf("GET token: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "400.008.01") {
		t.Errorf("token without credentials = %d %s, want 400 with errorCode 400.008.01", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after cancel = %v, want nil", err)
	}
	pw.Close()
}
