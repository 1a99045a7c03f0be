package whatsapp

import (
	"context"
	"net/http"
	"time"
)

// SubscribedApp is one app subscribed to a WhatsApp Business Account's
// webhooks, as GET /{waba-id}/subscribed_apps lists it. OverrideCallbackURI
// is set when the app has an alternate callback URL for this WABA; without
// one, Meta posts to the callback URL configured in the app's dashboard,
// which the Graph API does not show.
type SubscribedApp struct {
	AppID               string `json:"id"`
	Name                string `json:"name"`
	Link                string `json:"link,omitempty"`
	OverrideCallbackURI string `json:"override_callback_uri,omitempty"`
}

// Subscriptions is the answer of SubscribedApps, with the Date Meta's
// server put on the response (zero when it sent none), which tells how far
// this machine's clock is from Meta's.
type Subscriptions struct {
	Apps       []SubscribedApp
	ServerDate time.Time
}

// SubscribedApps calls GET /{version}/{waba-id}/subscribed_apps. A refused
// token fails with *APIError code 190, so the call doubles as a token check.
func (c *Client) SubscribedApps(ctx context.Context, token, wabaID string) (Subscriptions, error) {
	u, err := c.endpoint(nil, wabaID, "subscribed_apps")
	if err != nil {
		return Subscriptions{}, err
	}
	var w struct {
		Data []struct {
			App struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				Link string `json:"link"`
			} `json:"whatsapp_business_api_data"`
			OverrideCallbackURI string `json:"override_callback_uri"`
		} `json:"data"`
	}
	h, err := c.doHeader(ctx, http.MethodGet, u, token, nil, &w)
	var out Subscriptions
	if h != nil {
		if d, perr := http.ParseTime(h.Get("Date")); perr == nil {
			out.ServerDate = d
		}
	}
	if err != nil {
		return out, err
	}
	for _, d := range w.Data {
		out.Apps = append(out.Apps, SubscribedApp{AppID: d.App.ID, Name: d.App.Name, Link: d.App.Link, OverrideCallbackURI: d.OverrideCallbackURI})
	}
	return out, nil
}
