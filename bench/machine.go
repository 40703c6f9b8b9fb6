package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strings"
	"time"
)

// Machine describes the host a report was measured on.
type Machine struct {
	// GOOS and GOARCH are the driver's platform.
	GOOS   string `json:"goos"`
	GOARCH string `json:"goarch"`
	// CPUs is the number of logical CPUs and CPUModel the first one's
	// model name.
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	// GoVersion is the driver's Go version.
	GoVersion string `json:"go_version"`
	// Kernel is the Linux kernel release.
	Kernel string `json:"kernel"`
	// Time is when the run began (UTC).
	Time time.Time `json:"time"`
	// LoadStart and LoadEnd are the 1-minute load averages when the run
	// began and ended (-1 when unknown): other work on the machine skews
	// wall-clock figures.
	LoadStart float64 `json:"load_start"`
	LoadEnd   float64 `json:"load_end"`
}

// DescribeMachine returns what is known about this host. Fields that
// cannot be read (non-Linux hosts) are "unknown".
func DescribeMachine() Machine {
	m := Machine{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), CPUModel: "unknown", Kernel: "unknown",
		Time: time.Now().UTC().Truncate(time.Second), LoadStart: LoadAverage(), LoadEnd: -1,
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if v := cpuModel(b); v != "" {
			m.CPUModel = v
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// cpuModel returns the first "model name" of a /proc/cpuinfo file.
func cpuModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
