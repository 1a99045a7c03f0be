package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// Media of inbound messages for the inbox: the server resolves the media
// id through the Cloud API (GET /{media-id}, then the short-lived URL with
// the account's token) so neither the token nor Meta's URL ever reaches a
// browser, and keeps the bytes in media_cache so the next view asks
// nobody.

// MediaAPI is the part of the Cloud API client that fetches media.
type MediaAPI interface {
	MediaInfo(ctx context.Context, token, mediaID string) (whatsapp.MediaInfo, error)
	DownloadMedia(ctx context.Context, token, rawURL string, max int64) ([]byte, string, error)
}

// Media bounds: one file (Meta's largest, documents, is 100 MB; the inbox
// shows what a person opens in a chat) and the whole cache.
const (
	MaxMediaBytes      = 32 << 20
	MaxMediaCacheBytes = 512 << 20
)

// MediaFile is one message's media.
type MediaFile struct {
	Type     string // image, video, audio, document or sticker
	MimeType string
	Filename string // documents only
	Data     []byte
}

// MediaTypes are the message types that carry a media id.
var MediaTypes = []string{"image", "video", "audio", "document", "sticker"}

// MediaClient returns the outbox's Cloud API client for acc when it can
// fetch media (the real client can; a test double may not).
func (o *Outbox) MediaClient(acc account.Account) (MediaAPI, bool) {
	m, ok := o.CloudFor(acc).(MediaAPI)
	return m, ok
}

// MessageMedia returns the media of message msgID in conversation convID,
// from the cache or fetched through api. A message of another conversation
// is not found, so a conversation id a user may see cannot reach another's
// media.
func (s *Service) MessageMedia(ctx context.Context, api func(account.Account) (MediaAPI, bool), convID, msgID int64) (MediaFile, error) {
	m, err := s.Message(ctx, msgID)
	if err != nil {
		return MediaFile{}, err
	}
	if m.ConversationID != convID {
		return MediaFile{}, apperr.NotFound("message")
	}
	var ref whatsapp.Media
	if !isMediaType(m.Type) || json.Unmarshal(m.Content, &ref) != nil || ref.ID == "" {
		return MediaFile{}, apperr.NotFound("media")
	}
	f := MediaFile{Type: m.Type, Filename: ref.Filename}
	err = s.db.Read().QueryRow(ctx, `SELECT mime_type, data FROM media_cache WHERE message_id = ?`, msgID).Scan(&f.MimeType, &f.Data)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return MediaFile{}, err
	}
	var senderID int64
	if err := s.db.Read().QueryRow(ctx, `SELECT sender_id FROM conversations WHERE id = ?`, convID).Scan(&senderID); err != nil {
		return MediaFile{}, err
	}
	snd, err := account.SenderByID(ctx, s.db.Read(), senderID)
	if err != nil {
		return MediaFile{}, err
	}
	acc, err := s.accounts.CachedAccount(ctx, snd.AccountID)
	if err != nil {
		return MediaFile{}, err
	}
	client, ok := api(acc)
	if !ok {
		return MediaFile{}, apperr.New(apperr.KindUnavailable, "media_unavailable", "media cannot be fetched with this Cloud API client")
	}
	info, err := client.MediaInfo(ctx, acc.AccessToken, ref.ID)
	if err != nil {
		return MediaFile{}, mediaErr(err)
	}
	data, ctype, err := client.DownloadMedia(ctx, acc.AccessToken, info.URL, MaxMediaBytes)
	if err != nil {
		return MediaFile{}, mediaErr(err)
	}
	f.Data = data
	f.MimeType = firstMime(ref.MimeType, info.MimeType, ctype)
	return f, s.cacheMedia(ctx, msgID, f)
}

// cacheMedia stores f and then drops the oldest entries past the bound.
func (s *Service) cacheMedia(ctx context.Context, msgID int64, f MediaFile) error {
	return s.db.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO media_cache (message_id, mime_type, size, data, fetched_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (message_id) DO NOTHING`, msgID, f.MimeType, len(f.Data), f.Data, store.Millis(s.now())); err != nil {
			return err
		}
		var total int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(size), 0) FROM media_cache`).Scan(&total); err != nil {
			return err
		}
		for total > MaxMediaCacheBytes {
			var id, size int64
			if err := tx.QueryRow(ctx, `SELECT message_id, size FROM media_cache ORDER BY fetched_at, message_id LIMIT 1`).Scan(&id, &size); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM media_cache WHERE message_id = ?`, id); err != nil {
				return err
			}
			total -= size
		}
		return nil
	})
}

func isMediaType(t string) bool {
	for _, m := range MediaTypes {
		if m == t {
			return true
		}
	}
	return false
}

// firstMime is the stored type, else Meta's, else the download's; a
// type that is not type/subtype becomes application/octet-stream.
func firstMime(candidates ...string) string {
	for _, c := range candidates {
		c = strings.TrimSpace(strings.Split(c, ";")[0])
		if c != "" && strings.Count(c, "/") == 1 && !strings.ContainsAny(c, " \r\n\"") {
			return strings.ToLower(c)
		}
	}
	return "application/octet-stream"
}

// mediaErr names a failed fetch; Meta's words stay in the cause for logs.
func mediaErr(err error) error {
	if errors.Is(err, whatsapp.ErrMediaTooLarge) {
		return &apperr.Error{Kind: apperr.KindInvalid, Code: "media_too_large", Message: "this file is too large to show in the inbox", Err: err}
	}
	return &apperr.Error{Kind: apperr.KindUpstream, Code: "media_unavailable",
		Message: "the media could not be fetched from WhatsApp (it may have expired); ask the customer to send it again", Err: err}
}
