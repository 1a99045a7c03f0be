package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/media"
	"github.com/zapflow/zapflow/internal/settings"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Inbound media is fetched ahead of anyone opening it: Meta keeps a
// customer's file about a month and its download URL minutes, so a job
// started with the message (in its transaction) resolves the media id,
// downloads the bytes with the account's token and files them in a
// media.Store by SHA-256. message_media says where that stands for each
// message; media_blobs lists the files, and a sweep removes those no
// message references any more (a deleted message's row goes by cascade).

// Media fetch states of a message (MediaMeta.Status).
const (
	MediaPending = "pending"
	MediaStored  = "stored"
	MediaFailed  = "failed"
)

// MediaMeta is what a message's JSON says about its file.
type MediaMeta struct {
	Status       string `json:"status"`
	MimeType     string `json:"mime_type,omitempty"`
	Size         int64  `json:"size,omitempty"`
	SHA256       string `json:"sha256,omitempty"` // hex
	Filename     string `json:"filename,omitempty"`
	Attempts     int    `json:"attempts,omitempty"`
	ErrorCode    string `json:"error_code,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
}

// KeyMedia is the settings key of the media settings.
const KeyMedia = "media"

// MediaSettings bound what is kept of inbound media.
type MediaSettings struct {
	// MaxBytes caps one file; a larger one is not stored (media_too_large).
	MaxBytes int64 `json:"max_bytes"`
}

// DefaultMediaMaxBytes is the cap until someone changes it.
const DefaultMediaMaxBytes = 64 << 20

// mediaTypeLimit is Meta's own limit per message type (the Cloud API's
// supported media types): a file above it cannot be a genuine one.
var mediaTypeLimit = map[string]int64{
	"image": 5 << 20, "audio": 16 << 20, "video": 16 << 20, "document": 100 << 20, "sticker": 500 << 10,
}

// mediaFetchAttempts is how often a failed download is tried, River's
// backoff (attempt⁴ seconds) between tries: about 40 minutes in all.
const mediaFetchAttempts = 6

// mediaSweepGrace keeps a file nobody references for a while, so a fetch
// that is filing the same bytes right now never loses them to the sweep.
const mediaSweepGrace = 10 * time.Minute

// MediaFetcherOptions wire a MediaFetcher.
type MediaFetcherOptions struct {
	DB       store.DB
	Accounts *account.Service
	Store    media.Store
	Queue    *jobs.Queue
	// Client returns the Cloud API client of an account (Outbox.MediaClient).
	Client   func(account.Account) (MediaAPI, bool)
	Settings *settings.Store
	Now      func() time.Time
	Log      *slog.Logger
}

// MediaFetcher fetches, keeps and serves the media of inbound messages.
type MediaFetcher struct {
	o MediaFetcherOptions
}

// NewMediaFetcher builds a MediaFetcher.
func NewMediaFetcher(o MediaFetcherOptions) *MediaFetcher {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Settings == nil {
		o.Settings = settings.New(o.DB, o.Now, 0)
	}
	return &MediaFetcher{o: o}
}

// Settings returns the media settings.
func (f *MediaFetcher) Settings(ctx context.Context) (MediaSettings, error) {
	return settings.Get(ctx, f.o.Settings, f.o.DB.Read(), KeyMedia, MediaSettings{MaxBytes: DefaultMediaMaxBytes})
}

// UpdateSettings validates and saves the media settings.
func (f *MediaFetcher) UpdateSettings(ctx context.Context, v MediaSettings) (MediaSettings, error) {
	if v.MaxBytes < 1 || v.MaxBytes > mediaTypeLimit["document"] {
		return MediaSettings{}, apperr.Invalid("max_bytes", "invalid_request",
			fmt.Sprintf("max_bytes must be between 1 and %d (WhatsApp's largest file, a document)", mediaTypeLimit["document"]))
	}
	return v, settings.Put(ctx, f.o.Settings, KeyMedia, v)
}

// mediaFetchArgs is the job fetching one message's media.
type mediaFetchArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (mediaFetchArgs) Kind() string { return "media_fetch" }

// InsertOpts bounds the retries.
func (mediaFetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: mediaFetchAttempts}
}

// mediaSweepArgs is the periodic removal of unreferenced files.
type mediaSweepArgs struct{}

// Kind names the job.
func (mediaSweepArgs) Kind() string { return "media_sweep" }

// InboundHook returns the hook (for Service.OnInbound) that records a
// media message as pending and queues its fetch in the message's
// transaction: the job exists exactly when the message does.
func (f *MediaFetcher) InboundHook() InboundHook {
	return func(ctx context.Context, tx store.Tx, ev InboundEvent) error {
		var ref whatsapp.Media
		if !isMediaType(ev.Message.Type) || json.Unmarshal(ev.Message.Content, &ref) != nil || ref.ID == "" {
			return nil
		}
		now := store.Millis(f.o.Now())
		if _, err := tx.Exec(ctx, `INSERT INTO message_media (message_id, media_id, status, mime_type, filename, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
			ev.Message.ID, ref.ID, MediaPending, firstMime(ref.MimeType), ref.Filename, now, now); err != nil {
			return err
		}
		return f.o.Queue.InsertTx(ctx, tx, mediaFetchArgs{MessageID: ev.Message.ID}, nil)
	}
}

// Register adds the fetch and sweep workers and returns the sweep's
// periodic job.
func (f *MediaFetcher) Register(workers *river.Workers, sweepEvery time.Duration) []*river.PeriodicJob {
	river.AddWorker(workers, &mediaFetchWorker{f: f})
	river.AddWorker(workers, &mediaSweepWorker{f: f})
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(sweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return mediaSweepArgs{}, nil }, nil)}
}

type mediaFetchWorker struct {
	river.WorkerDefaults[mediaFetchArgs]
	f *MediaFetcher
}

// Timeout covers a 100 MB download on a slow link.
func (w *mediaFetchWorker) Timeout(*river.Job[mediaFetchArgs]) time.Duration { return 5 * time.Minute }

// Work tries once; a failure that may pass is returned so River retries
// it with backoff, and the last one is recorded as failed.
func (w *mediaFetchWorker) Work(ctx context.Context, job *river.Job[mediaFetchArgs]) error {
	return w.f.Fetch(ctx, job.Args.MessageID, job.Attempt >= job.MaxAttempts)
}

type mediaSweepWorker struct {
	river.WorkerDefaults[mediaSweepArgs]
	f *MediaFetcher
}

func (w *mediaSweepWorker) Work(ctx context.Context, _ *river.Job[mediaSweepArgs]) error {
	_, err := w.f.Sweep(ctx)
	return err
}

// fetchFailure is a failed fetch with the code and words the message
// shows; permanent ones are not retried.
type fetchFailure struct {
	code, message string
	permanent     bool
	err           error
}

func (e *fetchFailure) Error() string { return e.code + ": " + e.message + ": " + fmt.Sprint(e.err) }
func (e *fetchFailure) Unwrap() error { return e.err }

// Fetch makes one attempt at message msgID's media. last says no retry
// follows: a failure is then recorded as failed rather than pending. A
// permanent failure (too large, nothing to fetch with) is recorded as
// failed at once and returns nil, so River does not retry it.
func (f *MediaFetcher) Fetch(ctx context.Context, msgID int64, last bool) error {
	err := f.fetch(ctx, msgID)
	if err == nil {
		return nil
	}
	var ff *fetchFailure
	if !errors.As(err, &ff) {
		ff = &fetchFailure{code: "media_unavailable", message: "the media could not be fetched from WhatsApp", err: err}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil // the message (or its media row) is gone: nothing to do
	}
	status := MediaPending
	if last || ff.permanent {
		status = MediaFailed
	}
	rerr := f.o.DB.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE message_media SET status = ?, attempts = attempts + 1, error_code = ?, error_message = ?,
			updated_at = ? WHERE message_id = ? AND status <> ?`, status, ff.code, ff.message, store.Millis(f.o.Now()), msgID, MediaStored)
		return err
	})
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	f.o.Log.Warn("media fetch failed", "message_id", msgID, "code", ff.code, "final", status == MediaFailed, "err", ff.err)
	if ff.permanent {
		return nil
	}
	return err
}

func (f *MediaFetcher) fetch(ctx context.Context, msgID int64) error {
	var mediaID, status, mimeType, msgType, content string
	var senderID int64
	err := f.o.DB.Read().QueryRow(ctx, `SELECT mm.media_id, mm.status, mm.mime_type, m.type, m.content, c.sender_id
		FROM message_media mm JOIN messages m ON m.id = mm.message_id JOIN conversations c ON c.id = m.conversation_id
		WHERE mm.message_id = ?`, msgID).Scan(&mediaID, &status, &mimeType, &msgType, &content, &senderID)
	if err != nil {
		return err
	}
	if status == MediaStored {
		return nil
	}
	snd, err := account.SenderByID(ctx, f.o.DB.Read(), senderID)
	if err != nil {
		return err
	}
	acc, err := f.o.Accounts.CachedAccount(ctx, snd.AccountID)
	if err != nil {
		return err
	}
	client, ok := f.o.Client(acc)
	if !ok {
		return &fetchFailure{code: "media_unavailable", message: "media cannot be fetched with this Cloud API client", permanent: true}
	}
	set, err := f.Settings(ctx)
	if err != nil {
		return err
	}
	limit := set.MaxBytes
	if l, ok := mediaTypeLimit[msgType]; ok && l < limit {
		limit = l
	}
	info, err := client.MediaInfo(ctx, acc.AccessToken, mediaID)
	if err != nil {
		return &fetchFailure{code: "media_unavailable",
			message: "the media could not be fetched from WhatsApp (it may have expired); ask the customer to send it again", err: err}
	}
	data, ctype, err := client.DownloadMedia(ctx, acc.AccessToken, info.URL, limit)
	if errors.Is(err, whatsapp.ErrMediaTooLarge) {
		return &fetchFailure{code: "media_too_large", permanent: true, err: err,
			message: fmt.Sprintf("the file is larger than %d bytes, the limit for %s media; it was not stored", limit, msgType)}
	}
	if err != nil {
		return &fetchFailure{code: "media_unavailable", message: "the media could not be downloaded from WhatsApp", err: err}
	}
	h := media.Hash(data)
	now := store.Millis(f.o.Now())
	mimeType = firstMime(mimeType, info.MimeType, ctype)
	return f.o.DB.InTx(ctx, func(tx store.Tx) error {
		// The blob row first: it holds off a sweep of the same hash (see
		// Sweep) while the file is written.
		if _, err := tx.Exec(ctx, `INSERT INTO media_blobs (sha256, size, created_at, touched_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at`, h, len(data), now, now); err != nil {
			return err
		}
		if err := f.o.Store.Put(ctx, h, data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE message_media SET status = ?, sha256 = ?, mime_type = ?, size = ?, attempts = attempts + 1,
			error_code = '', error_message = '', updated_at = ? WHERE message_id = ?`, MediaStored, h, mimeType, len(data), now, msgID)
		return err
	})
}

// Sweep removes the files no message references (their messages were
// deleted) and that no fetch touched within mediaSweepGrace. It returns
// how many it removed.
func (f *MediaFetcher) Sweep(ctx context.Context) (int, error) {
	cutoff := store.Millis(f.o.Now().Add(-mediaSweepGrace))
	var gone []string
	err := f.o.DB.InTx(ctx, func(tx store.Tx) error {
		gone = gone[:0]
		rows, err := tx.Query(ctx, `DELETE FROM media_blobs WHERE touched_at < ?
			AND NOT EXISTS (SELECT 1 FROM message_media mm WHERE mm.sha256 = media_blobs.sha256) RETURNING sha256`, cutoff)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				return err
			}
			gone = append(gone, h)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range gone {
		// A fetch may have filed the same bytes again since: its blob row
		// is back, and so is the file it needs.
		var back int
		if err := f.o.DB.Read().QueryRow(ctx, `SELECT COUNT(*) FROM media_blobs WHERE sha256 = ?`, h).Scan(&back); err != nil {
			return n, err
		}
		if back > 0 {
			continue
		}
		if err := f.o.Store.Delete(ctx, h); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// StoredMedia is a message's media opened for reading.
type StoredMedia struct {
	Type           string // the message type: image, audio, video, document, sticker
	ConversationID int64
	MediaMeta
	Body io.ReadCloser
}

// Open returns message msgID's stored media (the caller checks that its
// ConversationID is one the reader may see). A message without a
// message_media row (received before media were kept, or no media)
// answers ErrNoStoredMedia; one still being fetched answers 409
// media_pending, and one whose fetch failed its recorded error (502).
func (f *MediaFetcher) Open(ctx context.Context, msgID int64) (StoredMedia, error) {
	var sm StoredMedia
	err := f.o.DB.Read().QueryRow(ctx, `SELECT m.type, m.conversation_id, mm.status, mm.mime_type, mm.size, mm.sha256, mm.filename, mm.attempts,
		mm.error_code, mm.error_message FROM message_media mm JOIN messages m ON m.id = mm.message_id WHERE mm.message_id = ?`, msgID).
		Scan(&sm.Type, &sm.ConversationID, &sm.Status, &sm.MimeType, &sm.Size, &sm.SHA256, &sm.Filename, &sm.Attempts, &sm.ErrorCode, &sm.ErrorMessage)
	if errors.Is(err, store.ErrNotFound) {
		return sm, ErrNoStoredMedia
	}
	if err != nil {
		return sm, err
	}
	switch sm.Status {
	case MediaPending:
		return sm, apperr.New(apperr.KindConflict, "media_pending", "the media is still being fetched from WhatsApp; try again shortly")
	case MediaFailed:
		return sm, apperr.New(apperr.KindUpstream, sm.ErrorCode, sm.ErrorMessage)
	}
	body, _, err := f.o.Store.Get(ctx, sm.SHA256)
	if errors.Is(err, media.ErrNotFound) {
		return sm, apperr.New(apperr.KindUnavailable, "media_missing", "the stored file is missing")
	}
	sm.Body = body
	return sm, err
}

// ErrNoStoredMedia: the message has no media kept by the fetcher.
var ErrNoStoredMedia = apperr.NotFound("media")

// attachMedia fills the Media of the messages that have a message_media row.
func attachMedia(ctx context.Context, q store.Querier, ms []Message) error {
	idx := map[int64]int{}
	args := []any{}
	ph := ""
	for i, m := range ms {
		if !isMediaType(m.Type) { // inbound, and outbound ones sent from an upload (media_outbound.go)
			continue
		}
		idx[m.ID] = i
		args = append(args, m.ID)
		if ph != "" {
			ph += ", "
		}
		ph += "?"
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT message_id, status, mime_type, size, sha256, filename, attempts, error_code, error_message
		FROM message_media WHERE message_id IN (`+ph+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var mm MediaMeta
		if err := rows.Scan(&id, &mm.Status, &mm.MimeType, &mm.Size, &mm.SHA256, &mm.Filename, &mm.Attempts, &mm.ErrorCode, &mm.ErrorMessage); err != nil {
			return err
		}
		ms[idx[id]].Media = &mm
	}
	return rows.Err()
}

// OpenWait is Open that, while the fetch is pending, looks again every
// poll until wait has passed: the inbox shows a new message the moment
// it commits, usually a moment before its job has the file.
func (f *MediaFetcher) OpenWait(ctx context.Context, msgID int64, wait, poll time.Duration) (StoredMedia, error) {
	deadline := f.o.Now().Add(wait)
	for {
		sm, err := f.Open(ctx, msgID)
		if ae, ok := apperr.As(err); !ok || ae.Code != "media_pending" || !f.o.Now().Before(deadline) {
			return sm, err
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return sm, err
		case <-t.C:
		}
	}
}
