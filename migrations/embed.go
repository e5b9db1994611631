// Package migrations holds Citylink's database schema as numbered
// golang-migrate files, embedded so that the binary can migrate itself.
package migrations

import "embed"

// FS holds the *.up.sql and *.down.sql files, named NNNN_name.{up,down}.sql.
//
//go:embed *.sql
var FS embed.FS
