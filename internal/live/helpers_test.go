package live_test

import (
	"os"

	"github.com/zapflow/zapflow/internal/store/storetest"
)

func hasPostgres() bool { return os.Getenv(storetest.PostgresURLEnv) != "" }
