package command

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/remitflow/remitflow/domain/eventstore"
)

func TestAppendMetadataMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 21, 9, 0, 0, 123456000, time.UTC)
	cases := []EventMetadata{
		{Metadata: eventstore.Metadata{OccurredAt: at}},
		{Metadata: eventstore.Metadata{CorrelationID: "c", CausationID: "d", Actor: "customer:\"quoted\" \\ <tag> & é ✓", OccurredAt: at, SchemaVersion: 3, PrevHash: "ab", Hash: "cd"}, CommandID: "x\x00\x1f\n", CommandHash: "ef"},
		{Metadata: eventstore.Metadata{Actor: "bad \xff utf8", OccurredAt: at.Add(time.Nanosecond)}},
	}
	for _, m := range cases {
		got := appendMetadata(nil, m)
		if !json.Valid(got) {
			t.Fatalf("appendMetadata(%+v) = %s: not JSON", m, got)
		}
		var back, want EventMetadata
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		std, _ := json.Marshal(m)
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if !back.OccurredAt.Equal(want.OccurredAt) {
			t.Errorf("occurred_at %v, want %v", back.OccurredAt, want.OccurredAt)
		}
		back.OccurredAt, want.OccurredAt = time.Time{}, time.Time{}
		if back != want {
			t.Errorf("appendMetadata round trip = %+v, want %+v (%s vs %s)", back, want, got, std)
		}
	}
}
