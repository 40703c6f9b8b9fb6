package bench

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Memory
		wantErr bool
	}{
		{
			name: "linux status",
			in:   "Name:\trest2mcp\nVmPeak:\t  900000 kB\nVmHWM:\t   81920 kB\nVmRSS:\t   40960 kB\nThreads:\t7\n",
			want: Memory{PeakRSS: 81920 * 1024, RSS: 40960 * 1024},
		},
		{name: "kernel thread", in: "Name:\tkthreadd\nThreads:\t1\n", wantErr: true},
		{name: "bad unit", in: "VmHWM:\t1 MB\nVmRSS:\t1 kB\n", wantErr: true},
		{name: "bad number", in: "VmHWM:\tx kB\nVmRSS:\t1 kB\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseProcStatus([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadMemorySelf(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil {
		t.Fatalf("ReadMemory: %v", err)
	}
	if m.RSS <= 0 || m.PeakRSS < m.RSS {
		t.Errorf("implausible memory %+v", m)
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{
			name: "plain",
			in:   "2195 (cat) R 2193 2193 11931 0 -1 4194304 99 0 0 0 7 3 0 0 20 0 1 0 94894 3133440 381\n",
			want: 100 * time.Millisecond,
		},
		{
			name: "command with spaces and parens",
			in:   "42 (a (b) c) S 1 1 1 0 -1 0 0 0 0 0 150 25 0 0 20 0 9 0 1 1 1\n",
			want: 1750 * time.Millisecond,
		},
		{name: "truncated", in: "42 (x) S 1 1", wantErr: true},
		{name: "no command", in: "42 x S", wantErr: true},
		{name: "bad number", in: "1 (x) R 1 1 1 0 -1 0 0 0 0 0 x 3 0 0\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseProcStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
