package messaging

import (
	"context"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// ApplyStatusBatch applies, with one statement per chunk instead of one
// per event, the plain delivery statuses among a batch of events (evs[i]
// signed by signers[i]), and reports which events it applied in full: the
// intake lane then only marks those processed and hands the others to
// Process one by one. Meta sends sent, delivered and read callbacks for
// every send, so statuses are most of a busy number's events, and with
// one UPDATE each they were three of the eighteen statements an automated
// reply cost.
//
// It takes only what it can apply exactly as Process would: a sent,
// delivered, read or played status (errors count only on failed ones) of
// an account its signer speaks for and a number of that account, naming
// by wamid a message of that same number. Everything else (failed
// statuses with their errors, foreign or unknown numbers, wamids no
// message has yet, which Process parks in pending_statuses or links
// through biz_opaque_callback_data) is left to Process, and so is every
// event of a wamid that two numbers report in one batch. Applying a
// message's statuses together gives what applying them in order gives:
// the status moves to the highest rank seen, and each timestamp column
// keeps its first value. The status hooks run once per applied event, as
// Process runs them: in event order among these, before the hooks of the
// events left to Process (each names its message, so the inbox refreshes
// the same rows either way).
func (s *Service) ApplyStatusBatch(ctx context.Context, tx store.Tx, signers []int64, evs []whatsapp.Event) ([]bool, error) {
	done := make([]bool, len(evs))
	cands, err := s.plainStatuses(ctx, tx, signers, evs)
	if err != nil || len(cands) == 0 {
		return done, err
	}
	rows := mergeStatuses(cands)
	matched := make(map[string]statusResult, len(rows))
	now := store.Millis(s.now())
	for _, n := range store.Chunks(len(rows)) {
		if err := updateStatusRows(ctx, tx, rows[:n], now, matched); err != nil {
			return done, err
		}
		rows = rows[n:]
	}
	for _, c := range cands {
		res, ok := matched[c.wamid]
		if !ok {
			continue
		}
		if err := s.runStatusHooks(ctx, tx, res, c.status); err != nil {
			return done, err
		}
		done[c.index] = true
	}
	return done, nil
}

// plainStatus is one event ApplyStatusBatch may take.
type plainStatus struct {
	index         int
	wamid, number string
	status        string
	at            int64
}

// plainStatuses picks the events ApplyStatusBatch may take (see there),
// in event order.
func (s *Service) plainStatuses(ctx context.Context, tx store.Tx, signers []int64, evs []whatsapp.Event) ([]plainStatus, error) {
	var out []plainStatus
	trusts := map[int64]account.Trust{}
	numbers := map[string]string{} // wamid → the one number reporting it; "" once two do
	for i, ev := range evs {
		st := ev.Status
		if !BatchableStatus(ev) {
			continue
		}
		trust, ok := trusts[signers[i]]
		if !ok {
			var err error
			if trust, err = s.accounts.TrustFor(ctx, tx, signers[i]); err != nil {
				return nil, err
			}
			trusts[signers[i]] = trust
		}
		owner, ok := trust.AccountOf(ev.WABAID)
		if !ok {
			continue
		}
		if _, err := senderOf(ctx, tx, owner, ev.PhoneNumberID); err != nil {
			if _, named := apperr.As(err); named {
				continue // Process reports it
			}
			return nil, err
		}
		if n, seen := numbers[st.ID]; seen && n != ev.PhoneNumberID {
			numbers[st.ID] = ""
		} else if !seen {
			numbers[st.ID] = ev.PhoneNumberID
		}
		out = append(out, plainStatus{index: i, wamid: st.ID, number: ev.PhoneNumberID, status: st.Status, at: store.Millis(st.Timestamp)})
	}
	kept := out[:0]
	for _, c := range out {
		if numbers[c.wamid] != "" {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// BatchableStatus reports whether ev is a status ApplyStatusBatch may
// take (it may still leave it: see there). The intake writer asks it of
// each event it stores, to apply those in the same transaction.
func BatchableStatus(ev whatsapp.Event) bool {
	return ev.Kind == whatsapp.EventStatus && ev.Status != nil && ev.Status.ID != "" && batchable[ev.Status.Status]
}

// batchable are the statuses ApplyStatusBatch takes: those that move a
// status and date it, and carry nothing else.
var batchable = map[string]bool{StatusSent: true, StatusDelivered: true, StatusRead: true, StatusPlayed: true}

// statusRow is what one message's statuses in a batch come to: the
// highest-ranked status, and the first time seen for each column.
type statusRow struct {
	wamid, number               string
	rank                        int
	status                      string
	sentAt, deliveredAt, readAt int64
}

// mergeStatuses folds the statuses of each wamid into one row, in the
// order of their first event.
func mergeStatuses(cands []plainStatus) []statusRow {
	var rows []statusRow
	at := map[string]int{}
	for _, c := range cands {
		i, ok := at[c.wamid]
		if !ok {
			i = len(rows)
			at[c.wamid] = i
			rows = append(rows, statusRow{wamid: c.wamid, number: c.number, rank: -1})
		}
		r := &rows[i]
		if rank := statusRank[c.status]; rank > r.rank {
			r.rank, r.status = rank, c.status
		}
		col := &r.readAt
		switch statusColumn[c.status] {
		case "sent_at":
			col = &r.sentAt
		case "delivered_at":
			col = &r.deliveredAt
		}
		if *col == 0 {
			*col = c.at
		}
	}
	return rows
}

// updateStatusRows applies rows in one statement and records, by wamid,
// the messages it updated.
func updateStatusRows(ctx context.Context, tx store.Tx, rows []statusRow, now int64, matched map[string]statusResult) error {
	args := make([]any, 0, 8*len(rows)+1)
	for _, r := range rows {
		args = append(args, r.wamid, r.number, r.rank, r.status, r.sentAt, r.deliveredAt, r.readAt)
	}
	args = append(args, now)
	for _, r := range rows {
		args = append(args, r.wamid)
	}
	got, err := tx.Query(ctx, statusRowsSQL(len(rows)), args...)
	if err != nil {
		return err
	}
	defer got.Close()
	for got.Next() {
		var res statusResult
		var wamid string
		if err := got.Scan(&res.messageID, &res.conversationID, &wamid); err != nil {
			return err
		}
		res.applied = true
		matched[wamid] = res
	}
	return got.Err()
}

// statusRowsSQL is updateStatusRows' statement for n rows: each row's
// wamid, number, rank, status and sent, delivered and read times, then
// updated_at, then the n wamids again. The first row is cast so
// PostgreSQL knows the values' types; a time of 0 leaves its column as it
// is. The number check is ofNumber's, against each row's own number.
//
// The statement leaves PostgreSQL's planner no bad choice, whatever its
// statistics say: a fresh or fast-growing database has none that fit.
// With only the join on v, it read the whole messages table into a hash
// or, with the number check written as EXISTS, joined every conversation
// of the reporting numbers with the batch and filtered their messages by
// wamid: 0.2-2 s per batch of 256 under load, its row locks held all
// along. So the wamid list restricts messages through the unique index,
// and the number check is a scalar subquery, which PostgreSQL evaluates
// per message through the conversation's key and never turns into a join.
func statusRowsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`WITH v (w, pn, rnk, to_status, ts_sent, ts_delivered, ts_read) AS (VALUES
		(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))`)
	for range n - 1 {
		b.WriteString(`, (?, ?, ?, ?, ?, ?, ?)`)
	}
	b.WriteString(`)
	UPDATE messages SET status = CASE WHEN v.rnk > ` + statusRankSQL + ` THEN v.to_status ELSE status END,
		sent_at = CASE WHEN sent_at = 0 THEN v.ts_sent ELSE sent_at END,
		delivered_at = CASE WHEN delivered_at = 0 THEN v.ts_delivered ELSE delivered_at END,
		read_at = CASE WHEN read_at = 0 THEN v.ts_read ELSE read_at END,
		updated_at = ?
	FROM v WHERE messages.wamid = v.w AND messages.wamid IN (` + store.List(n) + `)
		AND (SELECT s.phone_number_id FROM conversations c JOIN senders s ON s.id = c.sender_id
			WHERE c.id = messages.conversation_id) = v.pn
	RETURNING messages.id, messages.conversation_id, messages.wamid`)
	return b.String()
}
