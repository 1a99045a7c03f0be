package account

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/notify"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// An access token Meta refuses (error 190: expired, revoked, password
// changed) is the account's problem, not its numbers': the numbers are
// still CONNECTED at Meta, and marking them DISCONNECTED would both hide
// the real fix (a new token) and raise one alarm per number. The account
// records it instead, and the team hears it once.

// codeInvalidToken is the apperr code of a refused access token.
const codeInvalidToken = "invalid_access_token"

// isTokenRefused reports whether Meta refused the access token itself:
// 190, or an HTTP 401 without a code (AuthException).
func isTokenRefused(ae *whatsapp.APIError) bool {
	return ae.Code == 190 || ae.Code == 0 && ae.HTTPStatus == http.StatusUnauthorized
}

// TokenRefused reports whether err is Meta refusing the access token.
func TokenRefused(err error) bool {
	var ae *whatsapp.APIError
	return errors.As(err, &ae) && isTokenRefused(ae)
}

// MarkCredentialsInvalid records on the account, through q (the
// transaction that recorded the refusal), that Meta refused its access
// token, and notifies the team the first time only.
func MarkCredentialsInvalid(ctx context.Context, q store.Querier, accountID int64, reason string, now time.Time) error {
	n, err := q.Exec(ctx, `UPDATE accounts SET credentials_error = ?, credentials_error_at = ? WHERE id = ? AND credentials_error = ''`,
		reason, store.Millis(now), accountID)
	if err != nil || n == 0 {
		return err
	}
	var name string
	if err := q.QueryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, accountID).Scan(&name); err != nil {
		return err
	}
	return notify.Add(ctx, q, notify.KindCredentials, "An account's access token was refused",
		"Meta refused the access token of "+name+": "+reason+". Its numbers cannot send or be checked until you enter a new token in the account's settings.",
		"account:"+strconv.FormatInt(accountID, 10), now)
}

// clearCredentialsError forgets a refusal once a read succeeds with the
// account's token, or the token is replaced.
func clearCredentialsError(ctx context.Context, q store.Querier, accountID int64) error {
	_, err := q.Exec(ctx, `UPDATE accounts SET credentials_error = '', credentials_error_at = 0 WHERE id = ? AND credentials_error <> ''`, accountID)
	return err
}
