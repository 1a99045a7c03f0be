// Package config reads zapflow's configuration from the environment. Every
// variable is declared once, in the table in vars.go, with its default and
// whether it is a secret; secrets may also be read from a file named by the
// same variable with a _FILE suffix (for Docker and systemd credentials).
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/netguard"
)

// Config is the parsed, immutable configuration handed to constructors.
type Config struct {
	Addr                string
	BaseURL             string
	DataDir             string
	DatabaseURL         string
	MediaS3URL          string // "" keeps media under DataDir/media
	Sandbox             string // "auto", "true" or "false"
	SecretKey           string
	AutoMigrate         bool
	LogLevel            string
	LogFormat           string
	GraphURL            string
	GraphVersion        string
	AdminEmail          string
	AdminPassword       string
	SenderCheckInterval time.Duration
	ShutdownTimeout     time.Duration
	DebugAddr           string
	SandboxAssistant    bool
	SendRetryWait       time.Duration
	SendMaxAttempts     int
	SendLease           time.Duration
	// SandboxGraphURL points this instance's sandbox account at another
	// instance's sandbox (several instances on one database share one
	// simulated Meta); empty means our own.
	SandboxGraphURL string
	// SendDispatch false: this instance queues messages but leaves sending
	// them to the other instances on the database.
	SendDispatch bool
	// OutboundAllow opens the outbound guard for these addresses and host
	// names (a CRM on the LAN); everything else internal stays refused.
	OutboundAllow netguard.Allowlist
	// TimeZone is the business's: scheduled daily work (the chat history
	// cleanup) follows its clock, not the server's.
	TimeZone *time.Location
	// MemoryLimit is the soft limit handed to the Go runtime (0: none).
	MemoryLimit int64
}

// SQLitePath is where the embedded database lives.
func (c Config) SQLitePath() string { return strings.TrimRight(c.DataDir, "/") + "/zapflow.db" }

// PublicURL is the URL people and Meta reach this server at.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
}

// Parse reads every variable through getenv (os.Getenv in production, a map
// in tests) and readFile for _FILE secrets.
func Parse(getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	var c Config
	for _, v := range vars {
		raw := getenv(v.Name)
		if v.Secret {
			if file := getenv(v.Name + "_FILE"); file != "" {
				if raw != "" {
					return c, fmt.Errorf("config: set %s or %s_FILE, not both", v.Name, v.Name)
				}
				b, err := readFile(file)
				if err != nil {
					return c, fmt.Errorf("config: %s_FILE: %w", v.Name, err)
				}
				raw = strings.TrimRight(string(b), "\r\n")
			}
		}
		if raw == "" {
			raw = v.Default
		}
		if err := v.set(&c, raw); err != nil {
			return c, fmt.Errorf("config: %s=%q: %w", v.Name, redact(v, raw), err)
		}
	}
	return c, nil
}

// FromEnv parses the process environment.
func FromEnv() (Config, error) { return Parse(os.Getenv, os.ReadFile) }

func redact(v variable, raw string) string {
	if v.Secret {
		return "***"
	}
	return raw
}
