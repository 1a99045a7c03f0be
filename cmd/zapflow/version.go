package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/zapflow/zapflow/internal/app"
)

// commit is the git revision, set with -ldflags "-X main.commit=…" by
// builds without the checkout's .git (make release, the container image).
var commit string

// printVersion prints the version line of this binary's build.
func printVersion(out io.Writer) {
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(out, versionLine(app.Version, commit, bi))
}

// versionLine says which build this is: the -ldflags version when one was
// set, else the module version (`go install …@v1.2.3`), and the VCS
// revision the Go toolchain stamps into a binary built in a git checkout
// (absent under `go run` and `go test`), else the -ldflags commit, so a
// bug report names the exact commit.
func versionLine(ldVersion, ldCommit string, bi *debug.BuildInfo) string {
	version, revision, modified := ldVersion, "", false
	if bi != nil {
		if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if revision == "" {
		revision = ldCommit
	}
	line := "zapflow " + version
	if revision != "" {
		line += " (revision " + revision
		if modified {
			line += ", modified"
		}
		line += ")"
	}
	return line
}
