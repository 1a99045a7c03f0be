package doctor

import (
	"errors"
	"fmt"
	"os"

	"github.com/zapflow/zapflow/internal/secret"
)

// Disk checks the free space of the data folder's file system.
func Disk(env Env) Result {
	const what = "disk"
	dir := env.Config.DataDir
	free, total, err := env.FreeDisk(dir)
	if err != nil {
		return fail(what, fmt.Sprintf("cannot read the free space of %s: %v", dir, err), "check that ZAPFLOW_DATA_DIR exists")
	}
	detail := fmt.Sprintf("%s free of %s in %s", gib(free), gib(total), dir)
	if free < env.MinFree {
		return fail(what, detail+fmt.Sprintf(" (less than %s)", gib(env.MinFree)),
			"free space or grow the disk: when it is full, webhooks can no longer be stored")
	}
	return pass(what, detail)
}

func gib(n uint64) string { return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)) }

// Permissions checks that the data folder and the files holding
// conversations and the key are readable by zapflow's user only.
func Permissions(env Env) []Result {
	if env.Config.DatabaseURL != "" {
		return nil // PostgreSQL: the database's own access control applies
	}
	dir := env.Config.DataDir
	var out []Result
	out = append(out, mode("data folder", dir, 0o700))
	db := env.Config.SQLitePath()
	out = append(out, mode("database file", db, 0o600))
	for _, p := range []string{db + "-wal", db + "-shm", secret.KeyPath(dir)} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, mode("file", p, 0o600))
		}
	}
	return out
}

// mode passes when p grants nothing to group and others.
func mode(what, p string, want os.FileMode) Result {
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return fail(what, p+" does not exist", "check ZAPFLOW_DATA_DIR, or start zapflow once to create it")
	}
	if err != nil {
		return fail(what, err.Error(), "check ZAPFLOW_DATA_DIR")
	}
	got := st.Mode().Perm()
	if got&0o077 != 0 {
		return fail(what, fmt.Sprintf("%s is %04o: other users of this machine can read it", p, got), fmt.Sprintf("chmod %o %s", want, p))
	}
	return pass(what, fmt.Sprintf("%s is %04o", p, got))
}
