// Package static holds the files Citylink serves under /static/: its own
// stylesheet and the vendored front-end libraries that scripts/assets
// fetches at build time.
package static

import "embed"

// FS holds app.css and everything in vendor/. The vendor folder is embedded
// with all: so that its committed .gitkeep keeps the pattern valid on a
// fresh clone where scripts/assets has not run yet.
//
//go:embed app.css all:vendor
var FS embed.FS
