package eventstore

import (
	"encoding/json"
	"time"
)

// Metadata is the standard JSON metadata every domain event carries. Stores
// treat metadata as opaque JSON; the command loop writes it and the verifier,
// projections and compliance exports read it.
type Metadata struct {
	// CorrelationID ties together every event caused by one user request.
	CorrelationID string `json:"correlation_id,omitempty"`
	// CausationID is the ID of the command or event that caused this one.
	CausationID string `json:"causation_id,omitempty"`
	// Actor names who or what decided: "customer:cus_1", "staff:alice",
	// "system:transfer-process".
	Actor string `json:"actor,omitempty"`
	// OccurredAt is when the domain says the event happened (the Clock's time).
	OccurredAt time.Time `json:"occurred_at"`
	// SchemaVersion of the event's data.
	SchemaVersion int `json:"schema_version,omitempty"`
	// PrevHash is the hex SHA-256 hash of the stream's previous event ("" for
	// the first); Hash is this event's (see domain/command for the recipe).
	PrevHash string `json:"prev_hash,omitempty"`
	Hash     string `json:"hash,omitempty"`
}

// DecodeMetadata parses metadata; empty metadata yields the zero Metadata.
func DecodeMetadata(b []byte) (Metadata, error) {
	var m Metadata
	if len(b) == 0 {
		return m, nil
	}
	err := json.Unmarshal(b, &m)
	return m, err
}
