package messaging_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/apperr/apperrtest"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/media"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// fakeMedia is the Cloud API's media endpoints: files by media id, and a
// number of failures to answer before a file is given.
type fakeMedia struct {
	mu    sync.Mutex
	files map[string]fakeFile
	fail  map[string]int
	token []string // tokens used, to check the account's is sent
}

type fakeFile struct {
	mime string
	data []byte
}

func (f *fakeMedia) MediaInfo(_ context.Context, token, id string) (whatsapp.MediaInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = append(f.token, token)
	if f.fail[id] > 0 {
		f.fail[id]--
		return whatsapp.MediaInfo{}, errors.New("graph: 500 temporarily unavailable")
	}
	file, ok := f.files[id]
	if !ok {
		return whatsapp.MediaInfo{}, errors.New("graph: unknown media")
	}
	return whatsapp.MediaInfo{ID: id, URL: "https://lookaside.fbsbx.com/x?mid=" + id, MimeType: file.mime}, nil
}

func (f *fakeMedia) DownloadMedia(_ context.Context, _ string, rawURL string, max int64) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := rawURL[len("https://lookaside.fbsbx.com/x?mid="):]
	file := f.files[id]
	if int64(len(file.data)) > max {
		return nil, "", whatsapp.ErrMediaTooLarge
	}
	return file.data, file.mime, nil
}

type mediaEnv struct {
	*env
	api     *fakeMedia
	dir     string
	fetcher *messaging.MediaFetcher
}

func newMediaEnv(t *testing.T, db store.DB) *mediaEnv {
	t.Helper()
	e := newEnv(t, db)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	dir := t.TempDir()
	fs, err := media.NewFS(dir)
	require.NoError(t, err)
	api := &fakeMedia{files: map[string]fakeFile{}, fail: map[string]int{}}
	f := messaging.NewMediaFetcher(messaging.MediaFetcherOptions{DB: db, Accounts: e.accounts, Store: fs, Queue: q,
		Client: func(account.Account) (messaging.MediaAPI, bool) { return api, true }, Now: e.clock.Now})
	f.Register(workers, time.Hour)
	e.svc.OnInbound(f.InboundHook())
	return &mediaEnv{env: e, api: api, dir: dir, fetcher: f}
}

// receive processes an inbound media message of type typ whose media id
// serves data, and returns the stored message.
func (m *mediaEnv) receive(t *testing.T, wamid, typ, mediaID, mime string, data []byte) messaging.Message {
	t.Helper()
	m.api.mu.Lock()
	m.api.files[mediaID] = fakeFile{mime: mime, data: data}
	m.api.mu.Unlock()
	ref := &whatsapp.Media{ID: mediaID, MimeType: mime}
	msg := &whatsapp.InboundMessage{ID: wamid, From: "5511988887777", ProfileName: "Ana", Timestamp: t0, Type: typ}
	switch typ {
	case "image":
		msg.Image = ref
	case "sticker":
		msg.Sticker = ref
	case "audio":
		ref.Voice = true
		msg.Audio = ref
	case "video":
		msg.Video = ref
	case "document":
		ref.Filename = "orcamento.pdf"
		msg.Document = ref
	}
	m.mustProcess(t, whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: wabaID, PhoneNumberID: m.sender.PhoneNumberID, Message: msg})
	return m.messageByWAMID(t, wamid)
}

func (m *mediaEnv) read(t *testing.T, msgID int64) (messaging.StoredMedia, []byte) {
	t.Helper()
	sm, err := m.fetcher.Open(context.Background(), msgID)
	require.NoError(t, err)
	defer sm.Body.Close()
	b, err := io.ReadAll(sm.Body)
	require.NoError(t, err)
	return sm, b
}

func (m *mediaEnv) files(t *testing.T) int {
	t.Helper()
	n := 0
	require.NoError(t, filepath.WalkDir(m.dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	}))
	return n
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestMediaFetchEachType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		m := newMediaEnv(t, db)
		ctx := context.Background()
		cases := []struct{ typ, mime, filename string }{
			{"image", "image/jpeg", ""}, {"sticker", "image/webp", ""}, {"audio", "audio/ogg", ""},
			{"video", "video/mp4", ""}, {"document", "application/pdf", "orcamento.pdf"},
		}
		for i, c := range cases {
			data := []byte("bytes of the " + c.typ)
			msg := m.receive(t, "wamid.M"+c.typ, c.typ, "77"+string(rune('0'+i)), c.mime, data)
			require.NotNil(t, msg.Media, c.typ)
			require.Equal(t, messaging.MediaPending, msg.Media.Status, "queued with the message")

			require.NoError(t, m.fetcher.Fetch(ctx, msg.ID, false))
			got, err := m.svc.Message(ctx, msg.ID)
			require.NoError(t, err)
			require.Equal(t, &messaging.MediaMeta{Status: messaging.MediaStored, MimeType: c.mime, Size: int64(len(data)),
				SHA256: hexSHA(data), Filename: c.filename, Attempts: 1}, got.Media, c.typ)
			sm, b := m.read(t, msg.ID)
			require.Equal(t, data, b)
			require.Equal(t, c.typ, sm.Type)
			require.Equal(t, msg.ConversationID, sm.ConversationID)
		}
		require.Equal(t, len(cases), m.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'media_fetch'`),
			"each media message queued its fetch in its transaction")
		require.Equal(t, len(cases), m.files(t))
		m.api.mu.Lock()
		require.Contains(t, m.api.token, "tok", "the account's token is used")
		m.api.mu.Unlock()

		// A text message has no media and queues nothing.
		m.mustProcess(t, text(m.sender, "wamid.T", "5511988887777", "Ana", t0, "oi"))
		require.Nil(t, m.messageByWAMID(t, "wamid.T").Media)
		require.Equal(t, len(cases), m.count(t, `SELECT COUNT(*) FROM message_media`))
	})
}

func TestMediaDedupAndSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		m := newMediaEnv(t, db)
		ctx := context.Background()
		data := []byte("the same receipt photo")
		a := m.receive(t, "wamid.A", "image", "501", "image/jpeg", data)
		b := m.receive(t, "wamid.B", "image", "502", "image/jpeg", data)
		require.NoError(t, m.fetcher.Fetch(ctx, a.ID, false))
		require.NoError(t, m.fetcher.Fetch(ctx, b.ID, false))
		require.Equal(t, 1, m.files(t), "two messages with the same bytes keep one file")
		require.Equal(t, 1, m.count(t, `SELECT COUNT(*) FROM media_blobs`))

		// Deleting one message keeps the file the other still uses.
		deleteMessage(t, db, a.ID)
		require.Equal(t, 0, m.count(t, `SELECT COUNT(*) FROM message_media WHERE message_id = ?`, a.ID), "the row goes with its message")
		m.clock.Add(time.Hour)
		n, err := m.fetcher.Sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, 0, n)
		_, got := m.read(t, b.ID)
		require.Equal(t, data, got)

		// Deleting the last one frees the file, but only once the grace passed.
		deleteMessage(t, db, b.ID)
		require.NoError(t, m.receiveAndStoreElse(t, ctx))
		n, err = m.fetcher.Sweep(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, 1, m.files(t), "only the other message's file is left")
		require.Equal(t, 1, m.count(t, `SELECT COUNT(*) FROM media_blobs`))
	})
}

// receiveAndStoreElse stores another file, touched now, which the sweep
// that follows must keep (it is referenced) while removing the freed one.
func (m *mediaEnv) receiveAndStoreElse(t *testing.T, ctx context.Context) error {
	c := m.receive(t, "wamid.C", "audio", "503", "audio/ogg", []byte("a voice note"))
	return m.fetcher.Fetch(ctx, c.ID, false)
}

func deleteMessage(t *testing.T, db store.DB, id int64) {
	t.Helper()
	require.NoError(t, db.InTx(context.Background(), func(tx store.Tx) error {
		_, err := tx.Exec(context.Background(), `DELETE FROM messages WHERE id = ?`, id)
		return err
	}))
}

func TestMediaFetchRetriesThenFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		m := newMediaEnv(t, db)
		ctx := context.Background()
		data := []byte("a PDF quote")
		m.api.fail["601"] = 3
		msg := m.receive(t, "wamid.F", "document", "601", "application/pdf", data)

		// A failed try that will be retried returns its error for River
		// and shows it while the message stays pending.
		require.Error(t, m.fetcher.Fetch(ctx, msg.ID, false))
		got := m.messageByWAMID(t, "wamid.F").Media
		require.Equal(t, messaging.MediaPending, got.Status)
		require.Equal(t, "media_unavailable", got.ErrorCode)
		require.Equal(t, 1, got.Attempts)

		// The last try records the failure.
		require.Error(t, m.fetcher.Fetch(ctx, msg.ID, true))
		got = m.messageByWAMID(t, "wamid.F").Media
		require.Equal(t, messaging.MediaFailed, got.Status)
		require.Equal(t, "media_unavailable", got.ErrorCode)
		require.NotEmpty(t, got.ErrorMessage)
		_, err := m.fetcher.Open(ctx, msg.ID)
		apperrtest.Require(t, err, apperr.KindUpstream, "media_unavailable", "")
		require.Equal(t, 0, m.files(t))

		// A later successful retry clears the error.
		m.api.fail["601"] = 0
		require.NoError(t, m.fetcher.Fetch(ctx, msg.ID, false))
		got = m.messageByWAMID(t, "wamid.F").Media
		require.Equal(t, messaging.MediaStored, got.Status)
		require.Empty(t, got.ErrorCode)
		require.Empty(t, got.ErrorMessage)
		_, b := m.read(t, msg.ID)
		require.Equal(t, data, b)
	})
}

func TestMediaPendingAndOversize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		m := newMediaEnv(t, db)
		ctx := context.Background()
		msg := m.receive(t, "wamid.P", "video", "701", "video/mp4", make([]byte, 64))
		_, err := m.fetcher.Open(ctx, msg.ID)
		apperrtest.Require(t, err, apperr.KindConflict, "media_pending", "")

		_, err = m.fetcher.UpdateSettings(ctx, messaging.MediaSettings{MaxBytes: 0})
		apperrtest.Require(t, err, apperr.KindInvalid, "invalid_request", "max_bytes")
		_, err = m.fetcher.UpdateSettings(ctx, messaging.MediaSettings{MaxBytes: 32})
		require.NoError(t, err)
		require.NoError(t, m.fetcher.Fetch(ctx, msg.ID, false), "an oversize file is not retried")
		got := m.messageByWAMID(t, "wamid.P").Media
		require.Equal(t, messaging.MediaFailed, got.Status)
		require.Equal(t, "media_too_large", got.ErrorCode)
		require.Contains(t, got.ErrorMessage, "32 bytes")
		require.Zero(t, got.Size)
		require.Equal(t, 0, m.files(t), "nothing stored")
		require.Equal(t, 0, m.count(t, `SELECT COUNT(*) FROM media_blobs`))
		_, err = m.fetcher.Open(ctx, msg.ID)
		apperrtest.Require(t, err, apperr.KindUpstream, "media_too_large", "")

		// Meta's own per-type limit applies under a larger cap: a sticker
		// over 500 KB is refused.
		_, err = m.fetcher.UpdateSettings(ctx, messaging.MediaSettings{MaxBytes: messaging.DefaultMediaMaxBytes})
		require.NoError(t, err)
		st := m.receive(t, "wamid.S", "sticker", "702", "image/webp", make([]byte, 600<<10))
		require.NoError(t, m.fetcher.Fetch(ctx, st.ID, false))
		require.Equal(t, "media_too_large", m.messageByWAMID(t, "wamid.S").Media.ErrorCode)
	})
}

// TestMediaOpenWaitsForThePendingFetch: the inbox's request for a file
// still being fetched gets it once the fetch stores it; with no time to
// wait it answers media_pending at once.
func TestMediaOpenWaitsForThePendingFetch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		m := newMediaEnv(t, db)
		ctx := context.Background()
		data := []byte("a photo arriving")
		msg := m.receive(t, "wamid.W", "image", "801", "image/jpeg", data)
		_, err := m.fetcher.OpenWait(ctx, msg.ID, 0, time.Millisecond)
		apperrtest.Require(t, err, apperr.KindConflict, "media_pending", "")

		type result struct {
			sm  messaging.StoredMedia
			err error
		}
		done := make(chan result, 1)
		go func() {
			sm, err := m.fetcher.OpenWait(ctx, msg.ID, time.Hour, 5*time.Millisecond) // the test clock stands still
			done <- result{sm, err}
		}()
		require.NoError(t, m.fetcher.Fetch(ctx, msg.ID, false))
		r := <-done
		require.NoError(t, r.err)
		b, err := io.ReadAll(r.sm.Body)
		require.NoError(t, err)
		require.NoError(t, r.sm.Body.Close())
		require.Equal(t, data, b)
	})
}
