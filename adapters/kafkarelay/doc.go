// Package kafkarelay publishes the global event log ($all) to Kafka and
// offers the consumer-side helper that reads it back.
//
// # Relay
//
// A Relay tails $all with a catch-up subscription that starts after a stored
// checkpoint (see Checkpointer), turns each event into a CloudEvent in Kafka
// binary mode and writes it with github.com/segmentio/kafka-go:
//
//   - topic: one per stream category, "remitflow.<category>.v1" by default
//     (Config.TopicPrefix, Config.TopicSuffix, or Config.TopicFor);
//   - key: the stream name, so all events of one stream land in one
//     partition in revision order (murmur2 partitioning, as the Java client);
//   - value: the event's JSON data;
//   - headers: ce_specversion "1.0", ce_id (event ID), ce_type (event type),
//     ce_source (Config.Source), ce_time (recorded-at, RFC 3339), ce_subject
//     (stream name), content-type "application/json", and the Remitflow
//     extensions remitflow_position ("commit:prepare"), remitflow_revision
//     and remitflow_metadata (the event's JSON metadata, when present).
//
// Delivery is at-least-once. The relay reads up to Config.BatchSize events,
// writes them with RequiredAcks=all, and saves the checkpoint (the position
// of the batch's last event) only after the brokers acknowledged every
// message. A failed write is retried with backoff, never skipped; after a
// crash or restart the relay resumes from the checkpoint, so the last
// unacknowledged batch may be published twice. Per-stream order holds because
// one write never splits a partition's messages over several produce
// requests and a batch is only retried before anything later is written.
// Consumers dedupe by ce_id.
//
// Exactly one relay may run per name: the store-backed checkpointer appends
// with exact expected revisions, so a second relay with the same name fails
// with ErrCheckpointConflict instead of silently interleaving.
//
// # Consumers
//
// A Consumer reads topics in a consumer group with kafka-go's Reader:
// FetchMessage, then the handler, then CommitMessages; nothing is committed
// before the handler succeeded. Messages are decoded back into Event values
// (a RecordedEvent plus the Kafka coordinates) and duplicates are dropped by
// ce_id through a Deduper (a bounded LRU by default).
//
// Consumer group names are part of the contract with operators: a group's
// committed offsets are its progress, so renaming a group replays every
// topic from the beginning. Use the Group* constants; new consumers add a
// constant here in the form "remitflow.<purpose>.v<n>".
package kafkarelay

// Consumer groups used by Remitflow. Changing one replays its topics.
const (
	// GroupProjections is the group of read-model projections fed from Kafka.
	GroupProjections = "remitflow.projections.v1"
	// GroupTransferProcess is the group of the transfer process manager.
	GroupTransferProcess = "remitflow.process.transfer.v1"
)
