package app

import (
	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/cleanup"
)

// setupCleanup builds the chat history cleanup and schedules its daily
// check (a River periodic job: one instance runs it). Its time zone is
// UTC: zapflow has no business time zone setting.
func (a *App) setupCleanup(workers *river.Workers) {
	a.Cleanup = cleanup.New(cleanup.Options{DB: a.DB, Settings: a.Settings, Now: a.now, Log: a.log.With("component", "cleanup")})
	a.Queue.AddPeriodic(a.Cleanup.Register(workers)...)
}
