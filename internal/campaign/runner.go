package campaign

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
)

// NotifyKind is the team notification of a campaign that paused itself
// or completed.
const NotifyKind = "campaign"

// errorWindow is how many of the latest sends the error share counts;
// minErrorSample is how many it needs before it judges.
const (
	errorWindow    = 200
	minErrorSample = 20
)

// DailyQuota is a sender's business-initiated sends per 24 hours for its
// messaging limit tier (TIER_250, TIER_2K, TIER_10K, TIER_100K,
// TIER_UNLIMITED; older names such as TIER_50 and TIER_1K read the same
// way); an unknown tier gets the smallest, 250.
func DailyQuota(tier string) int {
	if tier == "TIER_UNLIMITED" {
		return math.MaxInt32
	}
	num, ok := strings.CutPrefix(tier, "TIER_")
	if !ok {
		return 250
	}
	mult := 1
	if k, isK := strings.CutSuffix(num, "K"); isK {
		num, mult = k, 1000
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > math.MaxInt32/mult {
		return 250
	}
	return n * mult
}

// pacer carries each (campaign, sender)'s unused fraction of a send and
// the time of its last round, so releases follow share × rate over time.
type pacer struct {
	mu   sync.Mutex
	last map[[2]int64]time.Time
	frac map[[2]int64]float64
}

// allowance is how many sends perSecond allows since key's last round
// (at most two ticks back: a stalled runner does not burst), and that
// span.
func (p *pacer) allowance(key [2]int64, now time.Time, perSecond float64, tick time.Duration) (int, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last, p.frac = map[[2]int64]time.Time{}, map[[2]int64]float64{}
	}
	since := tick
	if l, ok := p.last[key]; ok && now.After(l) {
		since = min(now.Sub(l), 2*tick)
	}
	p.last[key] = now
	x := perSecond*since.Seconds() + p.frac[key]
	n := math.Floor(x)
	p.frac[key] = x - n
	return int(n), since
}

// Round releases the campaign's next recipients into the outbox in one
// transaction and says when the next round is due; done reports that the
// campaign is no longer running (paused, cancelled, completed).
func (s *Service) Round(ctx context.Context, id int64) (next time.Duration, done bool, err error) {
	next, done = s.tick, false
	err = s.db.InTx(ctx, func(tx store.Tx) error {
		now := s.now()
		// Locks the campaign row on PostgreSQL (SQLite has one writer):
		// a pause or a second runner waits for this round to commit.
		n, err := tx.Exec(ctx, `UPDATE campaigns SET updated_at = updated_at WHERE id = ? AND status IN ('running', 'scheduled')`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			done = true
			return nil
		}
		c, err := get(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Status == StatusScheduled {
			if c.StartAt != nil && now.Before(*c.StartAt) {
				next = min(c.StartAt.Sub(now), time.Minute)
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'running', started_at = ?, updated_at = ? WHERE id = ?`, store.Millis(now), store.Millis(now), id); err != nil {
				return err
			}
		}
		if wait := windowWait(c.Window, now); wait > 0 {
			next = min(wait, time.Minute)
			return nil
		}
		senders := make([]account.Sender, 0, len(c.SenderIDs))
		for _, sid := range c.SenderIDs {
			sn, err := account.SenderByID(ctx, tx, sid)
			if err != nil {
				return err
			}
			senders = append(senders, sn)
		}
		if reason := pauseReason(c.Pause, senders); reason != "" {
			done = true
			return s.autoPause(ctx, tx, c, reason, now)
		}
		if reason, err := s.errorSpike(ctx, tx, c); err != nil || reason != "" {
			done = err == nil
			if err != nil {
				return err
			}
			return s.autoPause(ctx, tx, c, reason, now)
		}
		share := s.share(ctx, tx)
		quotaWait := false
		for _, sn := range senders {
			budget, err := s.budget(ctx, tx, c.ID, sn, share, now)
			if err != nil {
				return err
			}
			if budget < 0 {
				quotaWait = true
				continue
			}
			paused, err := s.release(ctx, tx, c, sn, budget, now)
			if err != nil {
				return err
			}
			if paused != "" {
				done = true
				return s.autoPause(ctx, tx, c, paused, now)
			}
		}
		var left int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM campaign_recipients WHERE campaign_id = ? AND state = 'queued' LIMIT 1) q`, id).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			done = true
			if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'completed', finished_at = ?, updated_at = ? WHERE id = ?`, store.Millis(now), store.Millis(now), id); err != nil {
				return err
			}
			return notify.Add(ctx, tx, NotifyKind, "Campaign completed: "+c.Name, "Every recipient was handed to the outbox.", ref(id), now)
		}
		if quotaWait {
			next = max(next, time.Minute) // the daily quota frees up as the 24 hours roll
		}
		return nil
	})
	return next, done, err
}

func ref(id int64) string { return "campaign:" + strconv.FormatInt(id, 10) }

// pauseReason says why the senders' state pauses the campaign ("" when
// it does not).
func pauseReason(p PauseRules, senders []account.Sender) string {
	for _, sn := range senders {
		if p.Offline && !sn.Online {
			return "sender " + sn.DisplayPhoneNumber + " is offline (" + sn.Status + ")"
		}
		q := sn.QualityRating
		if (p.Quality == "RED" && q == "RED") || (p.Quality == "YELLOW" && (q == "YELLOW" || q == "RED")) {
			return "sender " + sn.DisplayPhoneNumber + " quality dropped to " + q
		}
	}
	return ""
}

// errorSpike says whether more than the set share of the campaign's last
// errorWindow sends failed (refused by the outbox or by Meta).
func (s *Service) errorSpike(ctx context.Context, tx store.Tx, c Campaign) (string, error) {
	if c.Pause.ErrorShare <= 0 {
		return "", nil
	}
	var total, failed int
	err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.state = 'failed' OR x.status = 'failed' THEN 1 ELSE 0 END), 0) FROM (
		SELECT r.state, COALESCE(m.status, '') AS status FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id
		WHERE r.campaign_id = ? AND r.sent_at > 0 ORDER BY r.sent_at DESC LIMIT ?) x`, c.ID, errorWindow).Scan(&total, &failed)
	if err != nil || total < minErrorSample {
		return "", err
	}
	if float64(failed) > c.Pause.ErrorShare*float64(total) {
		return strconv.Itoa(failed) + " of the last " + strconv.Itoa(total) + " sends failed (more than " + strconv.Itoa(int(c.Pause.ErrorShare*100)) + "%)", nil
	}
	return "", nil
}

func (s *Service) autoPause(ctx context.Context, tx store.Tx, c Campaign, reason string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'paused', pause_reason = ?, updated_at = ? WHERE id = ?`, reason, store.Millis(now), c.ID); err != nil {
		return err
	}
	return notify.Add(ctx, tx, NotifyKind, "Campaign paused: "+c.Name, reason+". Resume it once this is solved; it continues where it stopped.", ref(c.ID), now)
}

// budget is how many recipients of this campaign sn may take this round:
// its share of the sender's rate over the time since the last round,
// split between the running campaigns that use it, minus the campaign
// messages still waiting in the outbox (capacity is reserved, never
// flooded), and within the daily quota (-1: the quota is used up).
func (s *Service) budget(ctx context.Context, tx store.Tx, id int64, sn account.Sender, share float64, now time.Time) (int, error) {
	// The count stops at the quota: it is read every round, and an
	// unlimited sender's would grow with every send of the day.
	quota := DailyQuota(sn.MessagingLimit)
	if quota < math.MaxInt32 {
		var sent24 int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM campaign_recipients WHERE sender_id = ? AND sent_at > ? LIMIT ?) x`,
			sn.ID, store.Millis(now.Add(-24*time.Hour)), quota).Scan(&sent24); err != nil {
			return 0, err
		}
		quota -= sent24
	}
	if quota <= 0 {
		return -1, nil
	}
	// Only this campaign's own messages take its room: counting every
	// campaign's would let the one whose round comes first each tick fill
	// the sender and starve the others.
	var waiting, campaigns int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE sender_id = ? AND status = 'queued' AND send_at > 0 AND bulk = ? AND source = ?`,
		sn.ID, true, ref(id)).Scan(&waiting); err != nil {
		return 0, err
	}
	// One index probe per running campaign, not a scan of every queued
	// recipient (100,000 of them for a large campaign) each round.
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM campaigns c WHERE c.status = 'running'
		AND EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = c.id AND r.state = 'queued' AND r.sender_id = ?)`, sn.ID).Scan(&campaigns); err != nil {
		return 0, err
	}
	rate := float64(sn.RateLimit)
	if rate <= 0 {
		rate = account.DefaultRateLimit
	}
	perSecond := share * rate / float64(max(campaigns, 1))
	n, since := s.pace.allowance([2]int64{id, sn.ID}, now, perSecond, s.tick)
	// At most a second's worth (two rounds') waits in the outbox: this
	// round's and the tail of the last, which the outbox is still sending
	// when the next round comes (at the sender's full rate it always is:
	// one round's worth takes it the whole tick). What still waits takes
	// the room: capacity is reserved, never flooded, and a pause stops the
	// sends within about a second (what is in the outbox goes out).
	span := max(s.tick, min(since+s.tick, time.Second))
	room := int(math.Ceil(perSecond*span.Seconds())) - waiting
	return max(0, min(n, room, quota, s.batch)), nil
}

// release hands up to n queued recipients of sn to the outbox, recording
// each one's message in the same transaction. It returns a pause reason
// when the outbox refuses the sender itself.
func (s *Service) release(ctx context.Context, tx store.Tx, c Campaign, sn account.Sender, n int, now time.Time) (string, error) {
	if n <= 0 {
		return "", nil
	}
	type rec struct {
		id          int64
		phone, vars string
	}
	rows, err := tx.Query(ctx, `SELECT id, phone, variables FROM campaign_recipients WHERE campaign_id = ? AND state = 'queued' AND sender_id = ? ORDER BY id LIMIT ?`, c.ID, sn.ID, n)
	if err != nil {
		return "", err
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.id, &r.phone, &r.vars); err != nil {
			rows.Close()
			return "", err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	src := ref(c.ID)
	for _, r := range recs {
		var vars messaging.Variables
		if err := jsonUnmarshal(r.vars, &vars); err != nil {
			return "", err
		}
		m, err := s.outbox.SendTx(ctx, tx, messaging.SendRequest{Type: "template", SenderID: sn.ID, To: r.phone,
			Template: &messaging.TemplateRef{Name: c.Template.Name, Language: c.Template.Language}, Variables: vars, Bulk: true, Source: src})
		if err != nil {
			ae, ok := apperr.As(err)
			if !ok {
				return "", err
			}
			switch ae.Code {
			case "sender_offline", "sender_paused":
				return ae.Message, nil
			}
			if _, err := tx.Exec(ctx, `UPDATE campaign_recipients SET state = 'failed', error_code = ?, sent_at = ? WHERE id = ?`, ae.Code, store.Millis(now), r.id); err != nil {
				return "", err
			}
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE campaign_recipients SET state = 'sent', message_id = ?, sent_at = ? WHERE id = ? AND state = 'queued'`, m.ID, store.Millis(now), r.id); err != nil {
			return "", err
		}
	}
	return "", nil
}

// windowWait is how long until the send window opens (0: open now).
func windowWait(w *Window, now time.Time) time.Duration {
	if w == nil {
		return 0
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return 0
	}
	start, _ := minuteOfDay(w.Start)
	end, _ := minuteOfDay(w.End)
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	open := false
	if start <= end {
		open = m >= start && m < end
	} else { // overnight, e.g. 20:00–06:00
		open = m >= start || m < end
	}
	if open {
		return 0
	}
	wait := time.Duration((start-m+24*60)%(24*60)) * time.Minute
	return max(wait-time.Duration(local.Second())*time.Second, time.Second)
}
