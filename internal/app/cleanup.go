package app

import (
	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/cleanup"
)

// setupCleanup builds the chat history cleanup and schedules its daily
// check (a River periodic job: one instance runs it), on the business's
// clock (ZAPFLOW_TIME_ZONE).
func (a *App) setupCleanup(workers *river.Workers) {
	a.Cleanup = cleanup.New(cleanup.Options{DB: a.DB, Settings: a.Settings, Location: a.cfg.TimeZone, Now: a.now, Log: a.log.With("component", "cleanup")})
	a.Queue.AddPeriodic(a.Cleanup.Register(workers)...)
}
