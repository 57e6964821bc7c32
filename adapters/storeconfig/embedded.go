package storeconfig

import (
	"context"

	"github.com/remitflow/remitflow/adapters/eventstore/embedded"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// openEmbedded opens the Pebble store in cfg.DataDir, creating the
// directory if needed. It returns an error wrapping embedded.ErrLocked when
// another store (in this or another process) holds the directory.
func openEmbedded(ctx context.Context, cfg Config, o options) (eventstore.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return embedded.Open(cfg.DataDir, &embedded.Options{Logger: o.logger})
}
