package storeconfig_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/remitflow/remitflow/adapters/eventstore/eventstoredb/esdbtest"
	"github.com/remitflow/remitflow/domain/eventstore"
)

func counterEvent(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "counter.incremented.v1", Data: fmt.Appendf(nil, `{"count":%d}`, n)}
}

// startESDB starts the protocol-level EventStoreDB test server.
func startESDB(t *testing.T) *esdbtest.Server {
	t.Helper()
	srv, err := esdbtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

// kafkaMessage converts a franz-go record into a kafka-go message.
func kafkaMessage(r *kgo.Record) kafka.Message {
	m := kafka.Message{Topic: r.Topic, Partition: int(r.Partition), Offset: r.Offset, Key: r.Key, Value: r.Value, Time: r.Timestamp}
	for _, h := range r.Headers {
		m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
	}
	return m
}
