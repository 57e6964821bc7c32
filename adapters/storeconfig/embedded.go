package storeconfig

import (
	"context"
	"fmt"

	"github.com/remitflow/remitflow/domain/eventstore"
)

// openEmbedded opens the Pebble store in cfg.DataDir.
func openEmbedded(ctx context.Context, cfg Config, o options) (eventstore.Store, error) {
	return nil, fmt.Errorf("%w: %s (adapters/eventstore/embedded is not part of this build yet)", ErrNotAvailable, StoreEmbedded)
}
