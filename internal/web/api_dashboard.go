package web

import (
	"net/http"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/dashboard"
	"github.com/zapflow/zapflow/internal/httpx"
)

// dashboardView is the dashboard with its rates computed.
type dashboardView struct {
	dashboard.Dashboard
	DeliveryRate float64 `json:"delivery_rate"`
	ReadRate     float64 `json:"read_rate"`
	MessagesIn   int     `json:"messages_in"`
	MessagesOut  int     `json:"messages_out"`
}

// getDashboard answers GET /api/v1/dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD
// (both days included, on the business's clock, ZAPFLOW_TIME_ZONE; the
// last 7 days by default, at most 366).
func (s *server) getDashboard(w http.ResponseWriter, r *http.Request) error {
	now := s.Outbox.Now().In(s.TimeZone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.TimeZone)
	from, to := today.AddDate(0, 0, -6), today
	var err error
	if v := r.URL.Query().Get("from"); v != "" {
		if from, err = time.ParseInLocation(time.DateOnly, v, s.TimeZone); err != nil {
			return apperr.Invalid("from", "invalid_query", "from must be a date as YYYY-MM-DD")
		}
	}
	if v := r.URL.Query().Get("to"); v != "" {
		if to, err = time.ParseInLocation(time.DateOnly, v, s.TimeZone); err != nil {
			return apperr.Invalid("to", "invalid_query", "to must be a date as YYYY-MM-DD")
		}
	}
	if to.Before(from) || to.Sub(from) > 365*24*time.Hour+time.Hour /* a daylight saving change */ {
		return apperr.Invalid("to", "invalid_query", "to must be on or after from, at most 366 days later")
	}
	d, err := dashboard.Compute(r.Context(), s.DB.Read(), from, to.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, dashboardView{Dashboard: d, DeliveryRate: d.DeliveryRate(), ReadRate: d.ReadRate(),
		MessagesIn: d.In, MessagesOut: d.Out})
	return nil
}
