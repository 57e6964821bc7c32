package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd(env func(string) (string, bool)) *cobra.Command {
	root := &cobra.Command{
		Use:           "remitflow",
		Short:         "Event-sourced cross-border remittances",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newTokenCmd(env))
	root.AddCommand(newServeCmd(env))
	root.AddCommand(newVerifyCmd(env))
	root.AddCommand(newReplayCmd(env))
	root.AddCommand(newExportCmd(env))
	root.AddCommand(newRebuildCmd(env))
	root.AddCommand(newLoadgenCmd(env))
	return root
}

// envOr returns the environment variable's value or def.
func envOr(env func(string) (string, bool), name, def string) string {
	if v, ok := env(name); ok && v != "" {
		return v
	}
	return def
}
