package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/ticketify/ticketify/adapters/bus/mongolog"
	"github.com/ticketify/ticketify/internal/testkit/testenv"
)

type mongologCheckpoints = mongolog.Checkpoints

func openCheckpoints(ctx context.Context, e *testenv.AppEnv) (*mongolog.Checkpoints, error) {
	return mongolog.OpenCheckpoints(ctx, e.Conn)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
