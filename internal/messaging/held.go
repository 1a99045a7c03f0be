package messaging

import (
	"context"
	"errors"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// F17: bulk sending from a sender stops when its quality drops to RED.
// New bulk sends are refused (SendTx); bulk messages already queued are
// held: they stay queued, neither sent nor failed, because the dispatcher
// does not read them while the sender's confirmed quality_rating is RED
// (a quality webhook alone changes nothing until the read that follows,
// see account.CheckSender). They go out by themselves once a read finds
// the quality recovered, or when an admin releases them (ReleaseHeld).

// holdsBulk reports whether a sender with this confirmed quality rating
// holds its bulk messages.
func holdsBulk(quality string) bool { return quality == "RED" }

// ReleaseHeld sends the bulk messages sender senderID holds despite its
// RED quality, an admin's decision: they are queued as direct messages
// from then on, so a later drop does not hold them again. It returns how
// many it released (0 when the sender holds none).
func (o *Outbox) ReleaseHeld(ctx context.Context, senderID int64) (int, error) {
	var n int64
	err := o.DB.InTx(ctx, func(tx store.Tx) error {
		sn, err := account.SenderByID(ctx, tx, senderID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("sender")
		}
		if err != nil || !holdsBulk(sn.QualityRating) {
			return err
		}
		n, err = tx.Exec(ctx, `UPDATE messages SET bulk = ?, updated_at = ? WHERE sender_id = ? AND status = 'queued' AND send_at > 0 AND bulk = ?`,
			false, store.Millis(o.Now()), senderID, true)
		if n > 0 {
			tx.AfterCommit(o.wake)
		}
		return err
	})
	return int(n), err
}
