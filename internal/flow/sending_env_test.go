package flow

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/account/accounttest"
	"github.com/zapflow/zapflow/internal/jobs"
	"github.com/zapflow/zapflow/internal/messaging"
	"github.com/zapflow/zapflow/internal/secret"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// sendingEnv is a flow service that sends through a real outbox (never
// started: the tests apply the outcomes themselves), with an account, a
// sender, and inbound messages processed as the intake would.
type sendingEnv struct {
	s         *Service
	db        store.DB
	msgs      *messaging.Service
	accountID int64
	senderPN  string // the sender's phone_number_id
	n         int    // inbound messages so far
}

func newSendingEnv(t *testing.T, db store.DB, clock func() time.Time) *sendingEnv {
	t.Helper()
	ctx := context.Background()
	box, err := secret.New("test-key")
	require.NoError(t, err)
	workers := river.NewWorkers()
	q, err := jobs.New(db, jobs.Config{Workers: workers})
	require.NoError(t, err)
	accounts := account.New(account.Options{DB: db, Box: box, Queue: q, GraphURL: "https://graph.example", GraphVersion: "v23.0",
		Now: clock, GraphFor: func(account.Account) account.Graph { return accounttest.Connected{} }})
	acc, err := accounts.CreateAccount(ctx, account.AccountInput{Name: ptr("Acme"), WABAID: ptr("102030405060"),
		AccessToken: ptr("EAAG-tok"), AppSecret: ptr("sec"), VerifyToken: ptr("ver")})
	require.NoError(t, err)
	snd, err := accounts.CreateSender(ctx, acc.ID, account.SenderInput{PhoneNumberID: ptr("106540352240001")})
	require.NoError(t, err)
	msgs := messaging.New(db, accounts, nil, clock, nil)
	s := NewService(ServiceOptions{DB: db, Queue: q, Outbox: messaging.NewOutbox(messaging.OutboxOptions{DB: db, Accounts: accounts, Now: clock}), Now: clock})
	s.Register(workers)
	msgs.OnInbound(s.OnInbound)
	return &sendingEnv{s: s, db: db, msgs: msgs, accountID: acc.ID, senderPN: snd.PhoneNumberID}
}

// write processes a text message from customer waID, as the intake does.
func (e *sendingEnv) write(t *testing.T, waID, text string, at time.Time) {
	t.Helper()
	e.n++
	ev := whatsapp.Event{Kind: whatsapp.EventMessage, WABAID: "102030405060", PhoneNumberID: e.senderPN,
		Message: &whatsapp.InboundMessage{ID: "wamid.IN" + strconv.Itoa(e.n), From: waID, ProfileName: "Ana",
			Timestamp: at, Type: "text", Text: &whatsapp.Text{Body: text}}}
	ctx := context.Background()
	require.NoError(t, e.db.InTx(ctx, func(tx store.Tx) error { return e.msgs.Process(ctx, tx, e.accountID, ev) }))
}

func ptr[T any](v T) *T { return &v }
