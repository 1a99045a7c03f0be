package live

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// listener wakes the broker when another instance commits events: on
// PostgreSQL it LISTENs on notifyChannel on a connection of its own (a
// pooled one would be handed to queries between notifications).
type listener struct {
	hub  *Hub
	cfg  *pgx.ConnConfig
	log  *slog.Logger
	wait time.Duration // before reconnecting after a failure
}

// newListener returns nil when the database needs none (SQLite: one
// process owns the file, so local wake-ups see every commit).
func newListener(hub *Hub, log *slog.Logger) *listener {
	p, ok := hub.db.(interface{ Pool() *pgxpool.Pool })
	if !ok {
		return nil
	}
	return &listener{hub: hub, cfg: p.Pool().Config().ConnConfig.Copy(), log: log, wait: time.Second}
}

// run listens until ctx ends, reconnecting after any failure. After each
// (re)connection it wakes the broker once, so whatever committed while it
// was not listening is read too.
func (l *listener) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := l.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("live: listening for other instances' events failed; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(l.wait):
		}
	}
}

func (l *listener) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return err
	}
	l.hub.Wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		l.hub.Wake()
	}
}
