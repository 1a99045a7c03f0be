// Package backup writes and restores zapflow backups of a SQLite
// installation: one tar.gz holding a consistent snapshot of the database
// (taken with VACUUM INTO while the server runs), the data folder's media
// files, and a manifest.json with the schema and zapflow versions, row
// counts and a SHA-256 per member, so a restore can refuse a damaged or
// too-new archive before it touches anything.
//
// The secret key that encrypts stored access tokens is never inside a
// backup: whoever holds both holds the business's WhatsApp accounts, so
// the two are kept apart. PostgreSQL installations use pg_dump and
// pg_restore (PostgresRecipe).
package backup
