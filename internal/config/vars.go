package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // ZAPFLOW_TIME_ZONE works without the system zone files

	"github.com/zapflow/zapflow/internal/netguard"
)

// variable is one row of the configuration table.
type variable struct {
	Name        string
	Default     string
	Secret      bool
	Description string
	set         func(c *Config, raw string) error
}

// Vars returns the table, for documentation and the README check.
func Vars() []variable { return vars }

var vars = []variable{
	{Name: "ZAPFLOW_ADDR", Default: "127.0.0.1:8080", Description: "Address the HTTP server listens on.",
		set: func(c *Config, s string) error { c.Addr = s; return nil }},
	{Name: "ZAPFLOW_BASE_URL", Description: "Public URL of this server (for webhook URLs shown to you); defaults to http://ZAPFLOW_ADDR.",
		set: func(c *Config, s string) error { c.BaseURL = s; return nil }},
	{Name: "ZAPFLOW_DATA_DIR", Default: "./data", Description: "Folder for the SQLite database and the generated secret key.",
		set: func(c *Config, s string) error { c.DataDir = s; return nil }},
	{Name: "ZAPFLOW_MEDIA_S3_URL", Secret: true, Description: "Keep customers' media in an S3-compatible bucket instead of the data folder: https://ACCESS_KEY:SECRET_KEY@host/bucket[/prefix][?region=…&path_style=true] (http:// for a local server without TLS; a host on your network must also be in ZAPFLOW_OUTBOUND_ALLOW).",
		set: func(c *Config, s string) error { c.MediaS3URL = s; return nil }},
	{Name: "ZAPFLOW_DATABASE_URL", Secret: true, Description: "Empty for SQLite in the data folder; postgres://… for PostgreSQL.",
		set: func(c *Config, s string) error { c.DatabaseURL = s; return nil }},
	{Name: "ZAPFLOW_SANDBOX", Default: "auto", Description: "Built-in simulated Cloud API: auto (on while no real account exists), true or false.",
		set: func(c *Config, s string) error {
			s = strings.ToLower(s)
			switch s {
			case "auto", "true", "false":
				c.Sandbox = s
				return nil
			}
			return errors.New("want auto, true or false")
		}},
	{Name: "ZAPFLOW_SECRET_KEY", Secret: true, Description: "Key that encrypts stored secrets (access tokens, app secrets); generated into the data folder on first start if unset.",
		set: func(c *Config, s string) error { c.SecretKey = s; return nil }},
	{Name: "ZAPFLOW_AUTO_MIGRATE", Default: "true", Description: "Apply pending database migrations on start; false makes serve refuse to start until `zapflow migrate` runs.",
		set: func(c *Config, s string) (err error) { c.AutoMigrate, err = strconv.ParseBool(s); return err }},
	{Name: "ZAPFLOW_LOG_LEVEL", Default: "info", Description: "debug, info, warn or error.",
		set: func(c *Config, s string) error {
			switch strings.ToLower(s) {
			case "debug", "info", "warn", "error":
				c.LogLevel = strings.ToLower(s)
				return nil
			}
			return errors.New("want debug, info, warn or error")
		}},
	{Name: "ZAPFLOW_LOG_FORMAT", Default: "auto", Description: "auto (text in a terminal, JSON otherwise), text or json.",
		set: func(c *Config, s string) error { c.LogFormat = strings.ToLower(s); return nil }},
	{Name: "ZAPFLOW_GRAPH_URL", Default: "https://graph.facebook.com", Description: "Base URL of Meta's Graph API (real accounts).",
		set: func(c *Config, s string) error { c.GraphURL = strings.TrimRight(s, "/"); return nil }},
	{Name: "ZAPFLOW_GRAPH_VERSION", Default: "v23.0", Description: "Graph API version used for Cloud API calls.",
		set: func(c *Config, s string) error { c.GraphVersion = s; return nil }},
	{Name: "ZAPFLOW_ADMIN_EMAIL", Default: "admin@zapflow.local", Description: "Login of the first admin, created on the first start.",
		set: func(c *Config, s string) error { c.AdminEmail = s; return nil }},
	{Name: "ZAPFLOW_ADMIN_PASSWORD", Secret: true, Description: "Password of the first admin; generated and printed once if unset.",
		set: func(c *Config, s string) error { c.AdminPassword = s; return nil }},
	{Name: "ZAPFLOW_SENDER_CHECK_INTERVAL", Default: "15m", Description: "How often each sender's status and quality are read from the Cloud API.",
		set: func(c *Config, s string) (err error) { c.SenderCheckInterval, err = positiveDuration(s); return err }},
	{Name: "ZAPFLOW_SEND_RETRY_WAIT", Default: "1m", Description: "Wait before retrying a send that failed for a retryable reason (rate limit, timeout, Meta 5xx); later retries wait twice as long.",
		set: func(c *Config, s string) (err error) { c.SendRetryWait, err = positiveDuration(s); return err }},
	{Name: "ZAPFLOW_SEND_MAX_ATTEMPTS", Default: "5", Description: "Attempts per message before it is marked failed and the team is notified.",
		set: func(c *Config, s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 50 {
				return errors.New("want a number from 1 to 50")
			}
			c.SendMaxAttempts = n
			return nil
		}},
	{Name: "ZAPFLOW_SEND_LEASE", Default: "2m", Description: "How long a send stays claimed. After a crash mid-send, the message is sent again after this unless Meta's status webhook showed it was accepted.",
		set: func(c *Config, s string) (err error) { c.SendLease, err = positiveDuration(s); return err }},
	{Name: "ZAPFLOW_SEND_DISPATCH", Default: "true", Description: "false: this instance queues messages but never sends them; the other instances on the same PostgreSQL database do (at least one must keep it true).",
		set: func(c *Config, s string) (err error) { c.SendDispatch, err = strconv.ParseBool(s); return err }},
	{Name: "ZAPFLOW_SHUTDOWN_TIMEOUT", Default: "30s", Description: "How long SIGTERM waits for in-flight requests and jobs.",
		set: func(c *Config, s string) (err error) { c.ShutdownTimeout, err = positiveDuration(s); return err }},
	{Name: "ZAPFLOW_SANDBOX_GRAPH_URL", Description: "With several instances on one database and the sandbox on, the sandbox Graph URL they all send to (one instance's http://host:port/sandbox/graph), so the simulated Meta counts every instance's sends; empty means this instance's own.",
		set: func(c *Config, s string) error { c.SandboxGraphURL = strings.TrimRight(s, "/"); return nil }},
	{Name: "ZAPFLOW_SANDBOX_ASSISTANT", Default: "true", Description: "With the sandbox on, install an assistant on first start and switch the WhatsApp assistant on, so a simulated customer's first message gets an AI reply.",
		set: func(c *Config, s string) (err error) { c.SandboxAssistant, err = strconv.ParseBool(s); return err }},
	{Name: "ZAPFLOW_OUTBOUND_ALLOW", Default: "", Description: "Comma-separated CIDRs (10.0.0.0/8), IP addresses and host names (crm.lan) that flow HTTP steps, the AI base URL and Graph URLs may reach although they are internal; loopback, private, link-local and unique-local addresses are refused otherwise.",
		set: func(c *Config, s string) (err error) { c.OutboundAllow, err = netguard.ParseAllowlist(s); return err }},
	{Name: "ZAPFLOW_MEMORY_LIMIT", Default: "128MiB", Description: "Soft limit on the memory Go manages (heap and stacks; SQLite's page caches, at most 48 MiB, and the program's own code come on top): near it the garbage collector works harder instead of letting short-lived garbage pile up. A number of bytes with KiB, MiB or GiB; 0 turns it off. GOMEMLIMIT, when set, wins.",
		set: func(c *Config, s string) (err error) { c.MemoryLimit, err = parseBytes(s); return err }},
	{Name: "ZAPFLOW_TIME_ZONE", Default: "UTC", Description: "The business's time zone (IANA name, e.g. America/Sao_Paulo): the daily chat history cleanup runs at its time of day there, and its days start at local midnight.",
		set: func(c *Config, s string) (err error) {
			c.TimeZone, err = time.LoadLocation(s)
			if err != nil {
				return errors.New("want an IANA time zone name such as America/Sao_Paulo or UTC")
			}
			return nil
		}},
	{Name: "ZAPFLOW_DEBUG_ADDR", Default: "", Description: "When set (e.g. 127.0.0.1:6060), serves Go's profiler (/debug/pprof/) on this separate address; only a loopback address is accepted.",
		set: func(c *Config, s string) error {
			if s != "" {
				if err := loopbackAddr(s); err != nil {
					return err
				}
			}
			c.DebugAddr = s
			return nil
		}},
}

// loopbackAddr accepts host:port only on a loopback interface: the
// profiler has no authentication and shows memory contents, so it must
// not be reachable from the network (an empty host means every interface).
func loopbackAddr(s string) error {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want host:port, e.g. 127.0.0.1:6060: %w", err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("the profiler has no authentication: use a loopback address such as 127.0.0.1:6060 or [::1]:6060, and reach it over SSH")
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, errors.New("must be positive")
	}
	return d, nil
}

// parseBytes reads a size such as 160MiB, 1GiB, 512KiB or 1048576.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	num := strings.TrimSpace(s)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, errors.New("want a size such as 160MiB, 1GiB or 0 (off)")
	}
	return n * mult, nil
}
