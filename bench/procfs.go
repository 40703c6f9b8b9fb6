package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is a process's resident memory as the Linux kernel reports it.
type Memory struct {
	// PeakRSS is VmHWM, the peak resident set size, in bytes.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// RSS is VmRSS, the current resident set size, in bytes.
	RSS int64 `json:"rss_bytes"`
}

// ReadMemory reads /proc/<pid>/status (Linux only).
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	m, err := parseProcStatus(b)
	if err != nil {
		return Memory{}, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	return m, nil
}

// parseProcStatus extracts VmHWM and VmRSS ("VmHWM:   123 kB") from the
// contents of a /proc/<pid>/status file.
func parseProcStatus(b []byte) (Memory, error) {
	var (
		m              Memory
		hasHWM, hasRSS bool
	)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmHWM" && key != "VmRSS") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("unexpected %s value %q", key, strings.TrimSpace(val))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("parse %s: %w", key, err)
		}
		if key == "VmHWM" {
			m.PeakRSS, hasHWM = kb*1024, true
		} else {
			m.RSS, hasRSS = kb*1024, true
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("scan status: %w", err)
	}
	if !hasHWM || !hasRSS {
		return Memory{}, fmt.Errorf("no VmHWM/VmRSS lines (kernel thread or not Linux)")
	}
	return m, nil
}

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// ReadCPUTime returns the user plus system CPU time a process has used so
// far, from /proc/<pid>/stat, in 10 ms steps. Unlike wall time it barely
// depends on what else the machine is running.
func ReadCPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time of pid %d: %w", pid, err)
	}
	d, err := parseProcStat(b)
	if err != nil {
		return 0, fmt.Errorf("read cpu time of pid %d: %w", pid, err)
	}
	return d, nil
}

// parseProcStat extracts utime+stime (fields 14 and 15) from the contents
// of a /proc/<pid>/stat file. The command name (field 2) is in parentheses
// and may contain spaces, so fields are counted after its closing one.
func parseProcStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat line")
	}
	// After ")" come fields 3 (state) onwards.
	f := strings.Fields(string(b[i+1:]))
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("stat line has %d fields after the command", len(f))
	}
	u, err := strconv.ParseInt(f[utime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse utime: %w", err)
	}
	s, err := strconv.ParseInt(f[stime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse stime: %w", err)
	}
	return time.Duration(u+s) * clockTick, nil
}

// LoadAverage returns the 1-minute load average from /proc/loadavg, or -1
// when it cannot be read.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
