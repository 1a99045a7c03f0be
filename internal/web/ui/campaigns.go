package ui

import (
	"net/http"
	"strconv"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/campaign"
)

// campaignsData is the campaign list: every campaign, newest first, with
// its senders' numbers and how far it got.
type campaignsData struct {
	Chrome    chrome
	Campaigns []campaign.Campaign
	Senders   map[int64]account.Sender
	Tallies   map[int64]campaign.Tally
}

// campaignsPage lists the campaigns (GET /campaigns).
func (u *UI) campaignsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cs, err := u.Campaigns.List(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	d := campaignsData{Chrome: u.chrome(ctx), Campaigns: cs}
	if d.Tallies, err = u.Campaigns.Tallies(ctx, ids); err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Senders, err = u.sendersByID(r); err != nil {
		u.fail(w, r, err)
		return
	}
	render(w, r, http.StatusOK, campaignsView(d))
}

// sendersByID maps every sender by its id.
func (u *UI) sendersByID(r *http.Request) (map[int64]account.Sender, error) {
	list, err := u.Accounts.Senders(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]account.Sender, len(list))
	for _, s := range list {
		out[s.ID] = s
	}
	return out, nil
}

// senderLabel names a sender by its number (its id when it was removed).
func senderLabel(senders map[int64]account.Sender, id int64) string {
	if s, ok := senders[id]; ok {
		return firstNonEmpty(s.DisplayPhoneNumber, s.VerifiedName)
	}
	return "#" + strconv.FormatInt(id, 10)
}

// campaignHref is where the list links a campaign: a draft to its wizard.
func campaignHref(c campaign.Campaign) string {
	if c.Status == campaign.StatusDraft {
		return campaignPath(c.ID) + "/setup"
	}
	return campaignPath(c.ID)
}

// tallyText is "released / to send".
func tallyText(tl campaign.Tally) string {
	return strconv.Itoa(tl.Released) + " / " + strconv.Itoa(tl.WillSend)
}
