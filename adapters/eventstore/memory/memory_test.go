package memory_test

import (
	"testing"

	"github.com/remitflow/remitflow/adapters/eventstore/memory"
	"github.com/remitflow/remitflow/adapters/eventstore/storetest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store { return memory.New() })
}
