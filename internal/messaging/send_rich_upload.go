package messaging

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
)

// MediaUploader is the Cloud API's media upload (POST /{phone-number-id}/media).
// The client CloudFor returns implements it; a test fake may not.
type MediaUploader interface {
	UploadMedia(ctx context.Context, token, phoneNumberID, mimeType, filename string, data []byte) (string, error)
}

// ReadMarker is the Cloud API's mark-as-read.
type ReadMarker interface {
	MarkRead(ctx context.Context, token, phoneNumberID, messageID string) error
}

// mediaRule is what WhatsApp accepts for one media type.
type mediaRule struct {
	mimes []string
	max   int64
}

// mediaRules are WhatsApp's supported media (Cloud API "Supported media
// types"): a file of another MIME type or over the size is refused by Meta,
// so it is refused here before anything is uploaded.
var mediaRules = map[string]mediaRule{
	"image": {[]string{"image/jpeg", "image/png"}, 5 << 20},
	"video": {[]string{"video/mp4", "video/3gpp"}, 16 << 20},
	"audio": {[]string{"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 << 20},
	"document": {[]string{"text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation"}, 100 << 20},
	"sticker": {[]string{"image/webp"}, 500 << 10}, // animated; a static sticker is 100 KB
}

// Sticker sizes: Meta allows 100 KB for a static sticker, 500 KB for an animated one.
const (
	maxStaticSticker   = 100 << 10
	maxAnimatedSticker = 500 << 10
)

// MaxUploadSize is the largest file any media type allows (a document).
const MaxUploadSize = 100 << 20

// Upload is a file to send as a media message.
type Upload struct {
	MimeType string
	Filename string
	Data     []byte
}

// CheckMedia checks a file against WhatsApp's limits for typ, naming the
// error: unsupported_media_type or media_too_large (field "file").
func CheckMedia(typ string, f Upload) (string, error) {
	rule, ok := mediaRules[typ]
	if !ok {
		return "", apperr.Invalid("type", "invalid_request", "a file can be sent as image, document, audio, video or sticker, not "+typ)
	}
	mt, _, err := mime.ParseMediaType(f.MimeType)
	if err != nil || !slices.Contains(rule.mimes, strings.ToLower(mt)) {
		return "", apperr.Invalid("file", "unsupported_media_type",
			"unsupported media type "+strconv.Quote(f.MimeType)+" for "+typ+": WhatsApp accepts "+strings.Join(rule.mimes, ", "))
	}
	mt = strings.ToLower(mt)
	if len(f.Data) == 0 {
		return "", apperr.Invalid("file", "invalid_request", "the file is empty")
	}
	max := rule.max
	if typ == "sticker" {
		max = maxStaticSticker
		if animatedWebP(f.Data) {
			max = maxAnimatedSticker
		}
	}
	if int64(len(f.Data)) > max {
		return "", apperr.Invalid("file", "media_too_large",
			"media too large: "+strconv.Itoa(len(f.Data))+" bytes; WhatsApp allows "+strconv.FormatInt(max, 10)+" bytes for "+typ)
	}
	return mt, nil
}

// animatedWebP reports a WebP whose VP8X header has the animation flag.
func animatedWebP(b []byte) bool {
	return len(b) > 20 && bytes.Equal(b[0:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")) &&
		bytes.Equal(b[12:16], []byte("VP8X")) && b[20]&0x02 != 0
}

// errDryRun rolls back a validation pass of SendTx.
var errDryRun = errors.New("dry run")

// SendUpload sends a file as a media message: it checks the file against
// WhatsApp's limits and the message against every send rule (window,
// sender, caption…) before uploading, so a refused message uploads and
// stores nothing; then it uploads the file to the Cloud API and queues the
// message with the media id.
func (o *Outbox) SendUpload(ctx context.Context, req SendRequest, f Upload) (Message, error) {
	mt, err := CheckMedia(req.Type, f)
	if err != nil {
		return Message{}, err
	}
	media := o.mediaSlot(&req)
	if media.Link != "" || media.ID != "" {
		return Message{}, apperr.Invalid(req.Type, "invalid_request", "send either a file or a link/id, not both")
	}
	media.ID = "upload-pending"
	var acc account.Account
	var phoneID string
	err = o.DB.InTx(ctx, func(tx store.Tx) error {
		sender, err := o.resolveSender(ctx, tx, req)
		if err != nil {
			return err
		}
		if acc, err = o.Accounts.CachedAccountIn(ctx, tx, sender.AccountID); err != nil {
			return err
		}
		phoneID = sender.PhoneNumberID
		if _, err := o.SendTx(ctx, tx, req); err != nil {
			return err
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return Message{}, err
	}
	up, ok := o.CloudFor(acc).(MediaUploader)
	if !ok {
		return Message{}, errors.New("messaging: the Cloud API client cannot upload media")
	}
	id, err := up.UploadMedia(ctx, acc.AccessToken, phoneID, mt, f.Filename, f.Data)
	if err != nil {
		return Message{}, ClassifyError(err).AppErr()
	}
	media.ID = id
	if o.keeper == nil {
		return o.Send(ctx, req)
	}
	var m Message
	err = o.DB.InTx(ctx, func(tx store.Tx) (err error) {
		if m, err = o.SendTx(ctx, tx, req); err != nil {
			return err
		}
		// A file name is kept for a document only, as a customer's is.
		name := ""
		if req.Type == "document" {
			name = f.Filename
		}
		return o.keeper.KeepSentTx(ctx, tx, m.ID, id, Upload{MimeType: mt, Filename: name, Data: f.Data})
	})
	return m, err
}

// mediaSlot returns the request's media object for its type, creating it.
func (o *Outbox) mediaSlot(req *SendRequest) *Media {
	slot := map[string]**Media{"image": &req.Image, "document": &req.Document, "audio": &req.Audio,
		"video": &req.Video, "sticker": &req.Sticker}[req.Type]
	if *slot == nil {
		*slot = &Media{}
	}
	return *slot
}

// MarkRead marks inbound message id read at WhatsApp (the customer sees
// blue ticks). Only a customer's message that WhatsApp delivered to us can
// be marked.
func (o *Outbox) MarkRead(ctx context.Context, id int64) error {
	var direction, phoneID string
	var wamid *string
	var accountID int64
	err := o.DB.Read().QueryRow(ctx, `SELECT m.direction, m.wamid, s.phone_number_id, s.account_id
		FROM messages m JOIN conversations v ON v.id = m.conversation_id JOIN senders s ON s.id = v.sender_id WHERE m.id = ?`, id).
		Scan(&direction, &wamid, &phoneID, &accountID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("message")
	}
	if err != nil {
		return err
	}
	if direction != string(Inbound) || wamid == nil || *wamid == "" {
		return apperr.Invalid("id", "not_inbound", "only a customer's message can be marked as read")
	}
	acc, err := o.Accounts.CachedAccount(ctx, accountID)
	if err != nil {
		return err
	}
	rm, ok := o.CloudFor(acc).(ReadMarker)
	if !ok {
		return errors.New("messaging: the Cloud API client cannot mark messages read")
	}
	if err := rm.MarkRead(ctx, acc.AccessToken, phoneID, *wamid); err != nil {
		return ClassifyError(err).AppErr()
	}
	return nil
}
