package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(nil), os.ReadFile)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.Addr)
	require.Equal(t, "./data", c.DataDir)
	require.Equal(t, "./data/zapflow.db", c.SQLitePath())
	require.Equal(t, "auto", c.Sandbox)
	require.True(t, c.AutoMigrate)
	require.Equal(t, "http://127.0.0.1:8080", c.PublicURL())
	require.Equal(t, 15*time.Minute, c.SenderCheckInterval)
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	read := func(name string) ([]byte, error) {
		if name == "/run/secrets/key" {
			return []byte("s3cret\n"), nil
		}
		return nil, errors.New("no such file")
	}
	c, err := Parse(env(map[string]string{"ZAPFLOW_SECRET_KEY_FILE": "/run/secrets/key"}), read)
	require.NoError(t, err)
	require.Equal(t, "s3cret", c.SecretKey)

	_, err = Parse(env(map[string]string{"ZAPFLOW_SECRET_KEY_FILE": "/missing"}), read)
	require.ErrorContains(t, err, "ZAPFLOW_SECRET_KEY_FILE")

	_, err = Parse(env(map[string]string{"ZAPFLOW_SECRET_KEY_FILE": "/run/secrets/key", "ZAPFLOW_SECRET_KEY": "x"}), read)
	require.ErrorContains(t, err, "not both")
}

func TestInvalidValues(t *testing.T) {
	t.Parallel()
	for name, val := range map[string]string{
		"ZAPFLOW_SANDBOX":               "maybe",
		"ZAPFLOW_AUTO_MIGRATE":          "perhaps",
		"ZAPFLOW_LOG_LEVEL":             "loud",
		"ZAPFLOW_SENDER_CHECK_INTERVAL": "-1m",
		"ZAPFLOW_OUTBOUND_ALLOW":        "10.0.0.0/8,http://crm.lan",
		"ZAPFLOW_TIME_ZONE":             "Brasil/Recife",
		"ZAPFLOW_MEMORY_LIMIT":          "lots",
	} {
		_, err := Parse(env(map[string]string{name: val}), os.ReadFile)
		require.ErrorContains(t, err, name, "value %q", val)
	}
}

// ZAPFLOW_OUTBOUND_ALLOW is parsed at load: CIDRs, addresses and host
// names; empty (the default) allows nothing internal.
func TestOutboundAllow(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(nil), os.ReadFile)
	require.NoError(t, err)
	require.Empty(t, c.OutboundAllow.Prefixes)
	require.Empty(t, c.OutboundAllow.Hosts)
	c, err = Parse(env(map[string]string{"ZAPFLOW_OUTBOUND_ALLOW": "10.0.0.0/8, 192.168.1.20, crm.lan"}), os.ReadFile)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.0/8,192.168.1.20/32,crm.lan", c.OutboundAllow.String())
	_, err = Parse(env(map[string]string{"ZAPFLOW_OUTBOUND_ALLOW": "10.0.0.0/8,crm.lan:8080"}), os.ReadFile)
	require.ErrorContains(t, err, `"crm.lan:8080" is not a CIDR`)
}

// TestReadmeListsEveryVariable keeps the README's configuration table in
// step with this package.
func TestReadmeListsEveryVariable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, v := range Vars() {
		require.True(t, strings.Contains(string(readme), "`"+v.Name+"`"), "README does not document %s", v.Name)
	}
}

// ZAPFLOW_TIME_ZONE defaults to UTC and reads IANA names, with the zone
// data built in (the container image has no /usr/share/zoneinfo).
func TestTimeZone(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(nil), os.ReadFile)
	require.NoError(t, err)
	require.Equal(t, "UTC", c.TimeZone.String())
	c, err = Parse(env(map[string]string{"ZAPFLOW_TIME_ZONE": "America/Sao_Paulo"}), os.ReadFile)
	require.NoError(t, err)
	at := time.Date(2025, 10, 30, 12, 0, 0, 0, time.UTC).In(c.TimeZone)
	require.Equal(t, 9, at.Hour(), "São Paulo is UTC−3")
}

// ZAPFLOW_MEMORY_LIMIT reads sizes in bytes, KiB, MiB and GiB; 0 is off.
func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]int64{"": 128 << 20, "0": 0, "1GiB": 1 << 30, "512 KiB": 512 << 10, "1048576": 1 << 20, "200MiB": 200 << 20} {
		vars := map[string]string{}
		if raw != "" {
			vars["ZAPFLOW_MEMORY_LIMIT"] = raw
		}
		c, err := Parse(env(vars), os.ReadFile)
		require.NoError(t, err, raw)
		require.Equal(t, want, c.MemoryLimit, raw)
	}
	for _, bad := range []string{"-1MiB", "1.5GiB", "1TB", "MiB"} {
		_, err := Parse(env(map[string]string{"ZAPFLOW_MEMORY_LIMIT": bad}), os.ReadFile)
		require.ErrorContains(t, err, "ZAPFLOW_MEMORY_LIMIT", bad)
	}
}
