package app

import (
	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/campaign"
)

// setupCampaigns builds the campaign service, its run worker and the
// periodic sweep that gives running campaigns a runner after a restart.
func (a *App) setupCampaigns(workers *river.Workers) {
	a.Campaigns = campaign.New(campaign.Options{DB: a.DB, Accounts: a.Accounts, Outbox: a.Outbox, Settings: a.Settings,
		Queue: a.Queue, Now: a.now, Log: a.log.With("component", "campaign")})
	a.Queue.AddPeriodic(a.Campaigns.Register(workers)...)
}
