package kafkarelay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// TopicSpec describes a topic to create.
type TopicSpec struct {
	// Name is the topic, e.g. "remitflow.transfer.v1".
	Name string
	// Partitions bounds the parallelism of a consumer group on the topic;
	// streams are spread over them by key.
	Partitions int
	// ReplicationFactor is the number of brokers holding each partition
	// (3 in production, so that RequiredAcks=all survives a broker loss).
	ReplicationFactor int
}

// CreateTopics creates the topics that do not exist yet on the cluster
// reachable through brokers; existing topics are left alone. It returns an
// error when a spec is invalid, the cluster cannot be reached, or a topic
// could not be created (each such error names its topic).
func CreateTopics(ctx context.Context, brokers []string, specs ...TopicSpec) error {
	if err := ValidateBrokers(brokers); err != nil {
		return err
	}
	if len(specs) == 0 {
		return nil
	}
	topics := make([]kafka.TopicConfig, 0, len(specs))
	for _, s := range specs {
		if err := ValidateTopic(s.Name); err != nil {
			return fmt.Errorf("kafkarelay: %w", err)
		}
		if s.Partitions < 1 || s.ReplicationFactor < 1 {
			return fmt.Errorf("kafkarelay: topic %s needs at least one partition and one replica", s.Name)
		}
		topics = append(topics, kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor})
	}
	tr := &kafka.Transport{DialTimeout: 5 * time.Second, ClientID: "remitflow-kafkarelay-admin"}
	defer tr.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second, Transport: tr}
	res, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: topics})
	if err != nil {
		return fmt.Errorf("kafkarelay: create topics: %w", err)
	}
	var errs []error
	for _, s := range specs {
		if err := res.Errors[s.Name]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("kafkarelay: create topic %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}
