package messaging

import (
	"context"

	"github.com/zapflow/zapflow/internal/media"
	"github.com/zapflow/zapflow/internal/store"
)

// The file of a media message we send from an upload (the reply box, the
// API's multipart send) is kept like a customer's: Meta never lets us
// download what we uploaded once the media id expires, and the inbox must
// show the agent what went out. It is filed in the same media.Store by
// SHA-256, with a message_media row already "stored", in the message's
// own transaction, so no one sees the message before its file.

// UploadKeeper keeps the uploaded file of an outbound message in tx.
type UploadKeeper interface {
	KeepSentTx(ctx context.Context, tx store.Tx, msgID int64, mediaID string, f Upload) error
}

// KeepUploads makes SendUpload keep each uploaded file with k (the
// MediaFetcher); without it the file goes to WhatsApp only.
func (o *Outbox) KeepUploads(k UploadKeeper) { o.keeper = k }

// KeepSentTx files f for outbound message msgID, sent with the Cloud API
// media id mediaID. A file above the media size setting is not kept (the
// chat then shows the message's caption), as an inbound one would not be.
func (f *MediaFetcher) KeepSentTx(ctx context.Context, tx store.Tx, msgID int64, mediaID string, up Upload) error {
	set, err := f.Settings(ctx)
	if err != nil {
		return err
	}
	if int64(len(up.Data)) > set.MaxBytes {
		return nil
	}
	h := media.Hash(up.Data)
	now := store.Millis(f.o.Now())
	// The blob row before the file, as Fetch does, so a sweep of the same
	// hash cannot remove it underneath.
	if _, err := tx.Exec(ctx, `INSERT INTO media_blobs (sha256, size, created_at, touched_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at`, h, len(up.Data), now, now); err != nil {
		return err
	}
	if err := f.o.Store.Put(ctx, h, up.Data); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO message_media (message_id, media_id, status, sha256, mime_type, size, filename, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, msgID, mediaID, MediaStored, h, firstMime(up.MimeType), len(up.Data), up.Filename, now, now)
	return err
}

// CopyKeptTx gives message to the file kept for message from (a failed
// upload sent again as a new message), so the new one shows it too. A
// message without a kept file copies nothing.
func (f *MediaFetcher) CopyKeptTx(ctx context.Context, tx store.Tx, from, to int64) error {
	now := store.Millis(f.o.Now())
	if _, err := tx.Exec(ctx, `UPDATE media_blobs SET touched_at = ? WHERE sha256 = (SELECT sha256 FROM message_media WHERE message_id = ? AND status = ?)`,
		now, from, MediaStored); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO message_media (message_id, media_id, status, sha256, mime_type, size, filename, created_at, updated_at)
		SELECT ?, media_id, status, sha256, mime_type, size, filename, ?, ? FROM message_media WHERE message_id = ? AND status = ?`,
		to, now, now, from, MediaStored)
	return err
}
