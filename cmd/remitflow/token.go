package main

import (
	"fmt"
	"time"

	"github.com/remitflow/remitflow/adapters/httpapi"
	"github.com/spf13/cobra"
)

// DevJWTKey signs tokens when REMITFLOW_JWT_KEY is not set. It is public:
// never run a real deployment on it (serve refuses it unless --dev).
const DevJWTKey = "remitflow-dev-signing-key-not-for-production"

func newTokenCmd(env func(string) (string, bool)) *cobra.Command {
	var role, subject string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Issue a bearer token (signed with REMITFLOW_JWT_KEY or the dev key)",
		Example: `  remitflow token --role customer --subject cus_demo_1
  remitflow token --role compliance --subject alice --ttl 8h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key := envOr(env, "REMITFLOW_JWT_KEY", DevJWTKey)
			tok, err := httpapi.IssueToken([]byte(key), subject, httpapi.Role(role), time.Now(), ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "customer, agent, compliance or admin")
	cmd.Flags().StringVar(&subject, "subject", "", "customer ID, agent ID or staff name")
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	_ = cmd.MarkFlagRequired("role")
	_ = cmd.MarkFlagRequired("subject")
	return cmd
}
