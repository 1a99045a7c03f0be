package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/doctor"
	"github.com/zapflow/zapflow/internal/netguard"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/whatsapp"
)

// doctorCmd checks the installation and prints one line per check; it
// fails (exit 1) unless every check passes. It changes nothing: it does
// not create the database, migrate it or generate a key.
func doctorCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) > 0 {
		return usageError{"usage: zapflow doctor"}
	}
	env := doctor.Env{
		Config:   cfg,
		HTTP:     &http.Client{Timeout: 10 * time.Second},
		FreeDisk: doctor.FreeDisk,
	}
	self := selfAddr(cfg.Addr)
	if self.IsValid() {
		env.SelfURL = "http://" + self.String()
	}
	// The app's outbound guard: internal addresses refused unless allowed,
	// our own address only for the sandbox's Graph API.
	guard := netguard.New(netguard.Options{Allow: cfg.OutboundAllow, Self: []netip.AddrPort{self}, SelfPaths: []string{"/sandbox/graph/"}})
	graphHTTP := guard.Client(20 * time.Second)
	env.GraphFor = func(u, v string) doctor.Graph { return whatsapp.NewClient(u, v, graphHTTP) }

	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(cfg.SQLitePath()); err != nil {
			env.DBErr = fmt.Errorf("no database at %s: %w", cfg.SQLitePath(), err)
		}
	}
	if env.DBErr == nil {
		db, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
		if err != nil {
			env.DBErr = err
		} else {
			defer db.Close()
			env.DB = db
		}
	}
	results := doctor.Run(ctx, env)
	for _, r := range results {
		fmt.Fprintln(out, r)
	}
	if n := doctor.Failed(results); n > 0 {
		return fmt.Errorf("%d of %d checks failed", n, len(results))
	}
	fmt.Fprintf(out, "all %d checks pass\n", len(results))
	return nil
}

// selfAddr is where this installation's server is reached from this
// machine: its listen address, or loopback on its port when it listens
// on every interface or on a name (localhost).
func selfAddr(addr string) netip.AddrPort {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.IsUnspecified() {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(p))
}
