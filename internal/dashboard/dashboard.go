// Package dashboard computes the figures of the web app's dashboard for a
// period: messages in and out per day, delivery and read rates, failures
// by error code, flow runs and failures per day, and AI calls and errors.
// Each figure is one grouped query over an indexed time column, whatever
// the number of days, so the page costs a handful of range scans.
package dashboard

import (
	"context"
	"sort"
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Day is one calendar day's counts, on the business's clock.
type Day struct {
	Date       time.Time `json:"date"`
	In         int       `json:"messages_in"`
	Out        int       `json:"messages_out"`
	Runs       int       `json:"flow_runs"`
	RunsFailed int       `json:"flow_runs_failed"`
	AICalls    int       `json:"ai_calls"`
	AIErrors   int       `json:"ai_errors"`
	OutFailed  int       `json:"messages_failed"`
}

// CodeCount is how many outbound messages failed with one error code.
type CodeCount struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// Dashboard is the whole period's figures.
type Dashboard struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"` // exclusive
	Days []Day     `json:"days"`
	// Totals over the period.
	In, Out    int `json:"-"`
	Sent       int `json:"sent"`      // accepted by Meta, not yet delivered
	Delivered  int `json:"delivered"` // delivered and not (yet) read
	Read       int `json:"read"`      // read or played
	Failed     int `json:"failed"`
	Queued     int `json:"queued"`
	Runs       int `json:"flow_runs"`
	RunsFailed int `json:"flow_runs_failed"`
	AICalls    int `json:"ai_calls"`
	AIErrors   int `json:"ai_errors"`
	// Failures lists the outbound failures by error code, most first.
	Failures []CodeCount `json:"failures"`
}

// DeliveryRate is the share of outbound messages that reached the phone
// (delivered or read) among those that left the queue; 0 when none did.
func (d Dashboard) DeliveryRate() float64 {
	return ratio(d.Delivered+d.Read, d.Sent+d.Delivered+d.Read+d.Failed)
}

// ReadRate is the share of delivered messages that were read.
func (d Dashboard) ReadRate() float64 {
	return ratio(d.Read, d.Delivered+d.Read)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// slotMillis is the grain the queries group by: a quarter of an hour,
// which every time zone's midnight falls on (offsets such as −03:00,
// +05:30 and +05:45 are whole quarters), so each slot belongs to one
// local day, daylight saving time included.
const slotMillis = int64(15 * time.Minute / time.Millisecond)

// Compute reads the figures for the calendar days from from's day up to
// (not including) to's day, through q. The days are those of from's
// location (the business's time zone): pass local midnights.
func Compute(ctx context.Context, q store.Querier, from, to time.Time) (Dashboard, error) {
	loc := from.Location()
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	to = to.In(loc)
	to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc)
	d := Dashboard{From: from, To: to, Failures: []CodeCount{}}
	var starts []int64 // each day's first millisecond
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		d.Days = append(d.Days, Day{Date: day})
		starts = append(starts, store.Millis(day))
	}
	lo, hi := store.Millis(from), store.Millis(to)
	dayOf := func(slot int64) *Day {
		ms := lo + slot*slotMillis
		i := sort.Search(len(starts), func(i int) bool { return starts[i] > ms }) - 1
		if i < 0 || ms >= hi {
			return nil
		}
		return &d.Days[i]
	}
	if err := d.messages(ctx, q, lo, hi, dayOf); err != nil {
		return d, err
	}
	if err := d.failures(ctx, q, lo, hi); err != nil {
		return d, err
	}
	if err := d.runs(ctx, q, lo, hi, dayOf); err != nil {
		return d, err
	}
	return d, d.ai(ctx, q, lo, hi, dayOf)
}

// messages counts messages per day, direction and status.
func (d *Dashboard) messages(ctx context.Context, q store.Querier, lo, hi int64, dayOf func(int64) *Day) error {
	return each(ctx, q, `SELECT (created_at - ?) / ?, direction, status, COUNT(*) FROM messages
		WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2, 3`, []any{lo, slotMillis, lo, hi},
		func(scan func(...any) error) error {
			var slot int64
			var dir, status string
			var n int
			if err := scan(&slot, &dir, &status, &n); err != nil {
				return err
			}
			day := dayOf(slot)
			if day == nil {
				return nil
			}
			if dir == "in" {
				day.In += n
				d.In += n
				return nil
			}
			day.Out += n
			d.Out += n
			switch status {
			case "queued":
				d.Queued += n
			case "sent":
				d.Sent += n
			case "delivered":
				d.Delivered += n
			case "read", "played":
				d.Read += n
			case "failed":
				d.Failed += n
				day.OutFailed += n
			}
			return nil
		})
}

// failures counts outbound failures by error code.
func (d *Dashboard) failures(ctx context.Context, q store.Querier, lo, hi int64) error {
	err := each(ctx, q, `SELECT error_code, COUNT(*) FROM messages
		WHERE created_at >= ? AND created_at < ? AND direction = 'out' AND status = 'failed' GROUP BY error_code`, []any{lo, hi},
		func(scan func(...any) error) error {
			var c CodeCount
			if err := scan(&c.Code, &c.Count); err != nil {
				return err
			}
			if c.Code == "" {
				c.Code = "unknown"
			}
			d.Failures = append(d.Failures, c)
			return nil
		})
	sort.Slice(d.Failures, func(i, j int) bool {
		if d.Failures[i].Count != d.Failures[j].Count {
			return d.Failures[i].Count > d.Failures[j].Count
		}
		return d.Failures[i].Code < d.Failures[j].Code
	})
	return err
}

// runs counts flow runs started per day (test runs excluded) and those
// that failed.
func (d *Dashboard) runs(ctx context.Context, q store.Querier, lo, hi int64, dayOf func(int64) *Day) error {
	return each(ctx, q, `SELECT (started_at - ?) / ?, status, COUNT(*) FROM flow_runs
		WHERE started_at >= ? AND started_at < ? AND NOT test GROUP BY 1, 2`, []any{lo, slotMillis, lo, hi},
		func(scan func(...any) error) error {
			var slot int64
			var status string
			var n int
			if err := scan(&slot, &status, &n); err != nil {
				return err
			}
			day := dayOf(slot)
			if day == nil {
				return nil
			}
			day.Runs += n
			d.Runs += n
			if status == "failed" {
				day.RunsFailed += n
				d.RunsFailed += n
			}
			return nil
		})
}

// ai counts model calls per day and those that did not succeed.
func (d *Dashboard) ai(ctx context.Context, q store.Querier, lo, hi int64, dayOf func(int64) *Day) error {
	return each(ctx, q, `SELECT (created_at - ?) / ?, outcome = 'ok', COUNT(*) FROM ai_calls
		WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2`, []any{lo, slotMillis, lo, hi},
		func(scan func(...any) error) error {
			var slot int64
			var ok bool
			var n int
			if err := scan(&slot, &ok, &n); err != nil {
				return err
			}
			day := dayOf(slot)
			if day == nil {
				return nil
			}
			day.AICalls += n
			d.AICalls += n
			if !ok {
				day.AIErrors += n
				d.AIErrors += n
			}
			return nil
		})
}

// each runs query and calls row for every row with its Scan.
func each(ctx context.Context, q store.Querier, query string, args []any, row func(scan func(...any) error) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
