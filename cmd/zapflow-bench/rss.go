package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procMemory is what /proc/<pid>/status says about a process's memory.
type procMemory struct {
	RSSKiB int64 // VmRSS: resident set size now
	HWMKiB int64 // VmHWM: peak resident set size over the process lifetime
}

// readProcMemory parses VmRSS and VmHWM from /proc/<pid>/status (values are
// in kB there). Linux only; that is where the target numbers are measured.
func readProcMemory(pid int) (procMemory, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return procMemory{}, err
	}
	var m procMemory
	var haveRSS bool
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return procMemory{}, fmt.Errorf("parse %s in /proc/%d/status: %w", key, pid, err)
		}
		if key == "VmRSS" {
			m.RSSKiB, haveRSS = kb, true
		} else {
			m.HWMKiB = kb
		}
	}
	if !haveRSS {
		// Zombies and kernel threads have no Vm* lines.
		return procMemory{}, fmt.Errorf("no VmRSS in /proc/%d/status (process exited?)", pid)
	}
	return m, nil
}

// rssSummary is the outcome of sampling a process's RSS over a period.
type rssSummary struct {
	Samples int
	MeanKiB int64
	PeakKiB int64
	HWMKiB  int64 // VmHWM read when sampling stopped (0 if unreadable)
	Err     error // first read error after sampling started, e.g. the process died
}

// rssSampler polls VmRSS at a fixed interval in the background. Polling is
// the only way to see the peak of another process during a window: VmHWM is
// lifetime-wide and includes start-up.
type rssSampler struct {
	pid      int
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}

	mu  sync.Mutex
	sum rssSummary
	tot int64
}

// startRSSSampler takes a first sample synchronously, so a wrong pid fails
// before any load is generated, then keeps sampling until Stop.
func startRSSSampler(pid int, interval time.Duration) (*rssSampler, error) {
	s := &rssSampler{pid: pid, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.sample(); err != nil {
		return nil, err
	}
	go s.loop()
	return s, nil
}

func (s *rssSampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if err := s.sample(); err != nil {
				return // keep what we have; Stop reports the error
			}
		}
	}
}

func (s *rssSampler) sample() error {
	m, err := readProcMemory(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.sum.Err == nil {
			s.sum.Err = err
		}
		return err
	}
	s.sum.Samples++
	s.tot += m.RSSKiB
	s.sum.PeakKiB = max(s.sum.PeakKiB, m.RSSKiB)
	return nil
}

// Stop ends sampling, takes one last sample and reads VmHWM.
func (s *rssSampler) Stop() rssSummary {
	close(s.stop)
	<-s.done
	_ = s.sample()
	m, err := readProcMemory(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.sum.HWMKiB = m.HWMKiB
	}
	out := s.sum
	if out.Samples > 0 {
		out.MeanKiB = s.tot / int64(out.Samples)
	}
	return out
}

// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat. It is
// 100 on every mainstream Linux architecture; reading it properly needs
// sysconf(_SC_CLK_TCK), i.e. cgo, which this build does not have.
const clockTicks = 100

// readProcCPU returns the CPU time (user+system) a process has used so far,
// from /proc/<pid>/stat. The client shares the machine with the server, so
// knowing how much CPU each side burnt is needed to read the throughput.
func readProcCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces and ')', so split after
	// the last ')'. Then fields[0] is field 3 (state), utime is field 14 and
	// stime field 15.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/" + strconv.Itoa(pid) + "/stat")
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 13 {
		return 0, errors.New("short /proc/" + strconv.Itoa(pid) + "/stat")
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// selfCPU returns the CPU time used by this process (all threads).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// mib converts KiB to MiB for reports.
func mib(kib int64) float64 { return float64(kib) / 1024 }
