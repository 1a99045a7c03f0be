package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/secret"
)

// sealedRE finds encrypted values inside settings JSON (the AI key).
var sealedRE = regexp.MustCompile(`enc:v1:[A-Za-z0-9+/]+`)

// SecretKey checks that the secret key can be read (without generating
// one, as the server would) and opens every stored secret: the accounts'
// tokens and the encrypted settings. It returns the key's Box for the
// account checks (nil when it failed).
func SecretKey(ctx context.Context, env Env) (Result, *secret.Box) {
	const what = "secret key"
	key, where := env.Config.SecretKey, "ZAPFLOW_SECRET_KEY(_FILE)"
	if key == "" {
		where = secret.KeyPath(env.Config.DataDir)
		b, err := os.ReadFile(where)
		if err != nil {
			return fail(what, fmt.Sprintf("not set and %v", err),
				"put the key back at "+where+" or set ZAPFLOW_SECRET_KEY_FILE; without it the stored access tokens cannot be read"), nil
		}
		key = strings.TrimSpace(string(b))
	}
	box, err := secret.New(key)
	if err != nil {
		return fail(what, fmt.Sprintf("%s: %v", where, err), "set ZAPFLOW_SECRET_KEY_FILE to the file holding the key"), nil
	}
	if env.DB == nil {
		return fail(what, "read from "+where+", but the stored secrets could not be checked (no database)", "fix the database first"), box
	}
	accounts, err := account.New(account.Options{DB: env.DB, Box: box}).Accounts(ctx)
	if errors.Is(err, secret.ErrWrongKey) {
		return fail(what, "the key from "+where+" does not open the stored access tokens",
			"set ZAPFLOW_SECRET_KEY_FILE to the key this database was written with (the one kept apart from the backups)"), nil
	}
	if err != nil {
		return fail(what, fmt.Sprintf("cannot read the accounts: %v", err), "fix the database first"), box
	}
	n, err := checkSealedSettings(ctx, env, box)
	if err != nil {
		return fail(what, fmt.Sprintf("the key from %s does not open the stored setting %s", where, err),
			"set ZAPFLOW_SECRET_KEY_FILE to the key this database was written with, or enter that setting again"), box
	}
	return pass(what, fmt.Sprintf("read from %s; opens the secrets of %d accounts and %d settings", where, len(accounts), n)), box
}

// checkSealedSettings decrypts every encrypted value found in the
// settings table and returns how many it opened; the error names the
// setting that failed.
func checkSealedSettings(ctx context.Context, env Env, box *secret.Box) (int, error) {
	rows, err := env.DB.Read().Query(ctx, `SELECT key, value FROM settings ORDER BY key`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return n, err
		}
		for _, sealed := range sealedRE.FindAllString(value, -1) {
			if _, err := box.Decrypt(sealed); err != nil {
				return n, fmt.Errorf("%q", key)
			}
			n++
		}
	}
	return n, rows.Err()
}
