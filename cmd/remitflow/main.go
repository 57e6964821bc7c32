// Command remitflow runs the Remitflow platform and its operator tools:
//
//	remitflow serve     run the HTTP API, projections, the transfer process and
//	                    (with no partner URLs configured) the partner simulator
//	remitflow token     issue a development bearer token
//	remitflow verify    check every stream's hash chain
//	remitflow replay    print a stream's or a customer's history as of an instant
//	remitflow export    export history as NDJSON for compliance
//	remitflow rebuild   rebuild read models from the log and print their digests
//	remitflow loadgen   drive load against a running server
//
// Configuration comes from flags and REMITFLOW_* environment variables; see
// README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "remitflow:", err)
		os.Exit(1)
	}
}

// run executes one command line; tests call it directly.
func run(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) error {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}
