package intake

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/metrics"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// BeforeStore sees a verified webhook's events, with its account, before
// they are stored; a webhook that fails its signature reaches nobody.
func TestBeforeStoreSeesTheEventsFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		const secret = "app-secret"
		acc := account.Account{ID: newAccount(t, db), AppSecret: secret, DefaultRegion: "BR"}
		w := NewWriter(db, func(map[int]bool) {}, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		w.Start()
		defer w.Close()
		h := NewHandler(oneAccount{acc}, w, metrics.New(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
		var seen []string
		h.BeforeStore(func(a account.Account, evs []whatsapp.Event) {
			require.Equal(t, acc, a)
			require.Zero(t, countEvents(t, db), "not stored yet")
			for _, ev := range evs {
				seen = append(seen, ev.Message.From)
			}
		})
		body := []byte(strings.ReplaceAll(string(frontBody(2)), `"field":"security"`, `"field":"messages"`))
		post := func(sig string) int {
			r := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp/1", bytes.NewReader(body))
			r.SetPathValue("account", "1")
			r.Header.Set(whatsapp.SignatureHeader, sig)
			rec := httptest.NewRecorder()
			h.Receive(rec, r)
			return rec.Code
		}
		require.Equal(t, http.StatusUnauthorized, post(whatsapp.Sign("another secret", body)))
		require.Empty(t, seen)
		require.Equal(t, http.StatusOK, post(whatsapp.Sign(secret, body)))
		require.Equal(t, []string{"5511900000000", "5511900000001"}, seen)
		require.Equal(t, 2, countEvents(t, db))
	})
}
