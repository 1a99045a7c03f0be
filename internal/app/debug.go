package app

import (
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveDebug serves Go's profiler on its own listener when
// ZAPFLOW_DEBUG_ADDR is set: apart from the public API, so it is never
// exposed by the load balancer, and only while the operator asks for it.
func (a *App) serveDebug() (stop func()) {
	if a.cfg.DebugAddr == "" {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	l, err := net.Listen("tcp", a.cfg.DebugAddr)
	if err != nil {
		a.log.Error("debug listener", "addr", a.cfg.DebugAddr, "err", err)
		return func() {}
	}
	// config refuses a non-loopback ZAPFLOW_DEBUG_ADDR; "localhost" is
	// checked again here, once resolved.
	if tcp, ok := l.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = l.Close()
		a.log.Error("debug listener refused: not a loopback address", "addr", l.Addr().String())
		return func() {}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	a.log.Info("profiler listening", "url", "http://"+l.Addr().String()+"/debug/pprof/")
	return func() { _ = srv.Close() }
}
