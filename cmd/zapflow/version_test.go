package main

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// The version line names the module version and the VCS revision from the
// build info, and an -ldflags version wins over the module's.
func TestVersionLine(t *testing.T) {
	t.Parallel()
	rev := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "47ba052f00"}, {Key: "vcs.modified", Value: "false"}}
	for _, c := range []struct {
		ld   string
		bi   *debug.BuildInfo
		want string
	}{
		{"dev", nil, "zapflow dev"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "zapflow dev"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: rev}, "zapflow v1.2.3 (revision 47ba052f00)"},
		{"v2.0.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "zapflow v2.0.0"},
		{"dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}}, "zapflow dev (revision abc, modified)"},
	} {
		require.Equal(t, c.want, versionLine(c.ld, "", c.bi))
	}
	// Without a VCS stamp (a build outside the checkout), the -ldflags
	// commit names the revision.
	require.Equal(t, "zapflow v2.0.0 (revision 0123abc)", versionLine("v2.0.0", "0123abc", &debug.BuildInfo{}))
	require.Equal(t, "zapflow v2.0.0 (revision 47ba052f00)", versionLine("v2.0.0", "0123abc", &debug.BuildInfo{Settings: rev}), "the toolchain's stamp wins")
}
