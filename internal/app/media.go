package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/media"
	"github.com/zapflow/zapflow/internal/messaging"
)

// mediaSweepEvery is how often files no message references are removed.
const mediaSweepEvery = 15 * time.Minute

// setupMedia keeps inbound media under <data dir>/media, or in the S3
// bucket ZAPFLOW_MEDIA_S3_URL names (reached through the outbound
// guard): every media message queues its fetch in its own transaction,
// and a periodic sweep removes the files of deleted messages.
func (a *App) setupMedia(ctx context.Context, workers *river.Workers) error {
	var st media.Store
	var err error
	if a.cfg.MediaS3URL != "" {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		st, err = media.NewS3(ctx, a.cfg.MediaS3URL, a.guard.Client(0).Transport)
	} else {
		st, err = media.NewFS(filepath.Join(a.cfg.DataDir, "media"))
	}
	if err != nil {
		return err
	}
	a.Media = messaging.NewMediaFetcher(messaging.MediaFetcherOptions{
		DB: a.DB, Accounts: a.Accounts, Store: st, Queue: a.Queue, Client: a.Outbox.MediaClient,
		Settings: a.Settings, Now: a.now, Log: a.log.With("component", "media"),
	})
	a.Messaging.OnInbound(a.Media.InboundHook())
	a.Outbox.KeepUploads(a.Media)
	a.Queue.AddPeriodic(a.Media.Register(workers, mediaSweepEvery)...)
	return nil
}
