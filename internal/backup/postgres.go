package backup

import "errors"

// ErrPostgres is returned by Create and Restore on a PostgreSQL
// installation; the error text carries PostgresRecipe.
var ErrPostgres = errors.New("zapflow backup and restore handle SQLite only: on PostgreSQL use pg_dump and pg_restore:\n" + PostgresRecipe)

// PostgresRecipe is how to back up and restore a PostgreSQL installation.
const PostgresRecipe = `  # back up (consistent while zapflow runs; custom format, compressed)
  pg_dump --format=custom --no-owner --file=zapflow-$(date +%Y%m%d-%H%M%S).dump "$ZAPFLOW_DATABASE_URL"
  # restore into an empty database, with every zapflow process stopped
  pg_restore --no-owner --exit-on-error --dbname="$ZAPFLOW_DATABASE_URL" zapflow-YYYYMMDD-HHMMSS.dump
  # then start the new zapflow: it migrates up (or run 'zapflow migrate')
  # The secret key (ZAPFLOW_SECRET_KEY or ZAPFLOW_SECRET_KEY_FILE) is not in the dump: keep it apart.`
