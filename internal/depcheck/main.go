package main

import (
	_ "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	_ "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/labstack/echo/v4"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/segmentio/kafka-go"
	_ "github.com/shopspring/decimal"
	_ "github.com/spf13/cobra"
	_ "github.com/twmb/franz-go/pkg/kfake"
	_ "github.com/twmb/franz-go/pkg/kgo"
	_ "pgregory.net/rapid"
	_ "google.golang.org/grpc"
)

func main() {}
