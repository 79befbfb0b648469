package main

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a ')' in it: fields count from the last ')'.
	stat := "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 0 0 20 0 12 0 98765 1234567 890 18446744073709551615\n"
	got, err := parseStatCPU(stat, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1750 * time.Millisecond; got != want {
		t.Errorf("CPU = %v; want %v (150 + 25 ticks of 10 ms)", got, want)
	}
	for _, bad := range []string{"", "12 (x) S 1 2", "12 (x) S 1 2 3 4 5 6 7 8 9 10 nope 4"} {
		if _, err := parseStatCPU(bad, time.Millisecond); err == nil {
			t.Errorf("parseStatCPU(%q) = nil error", bad)
		}
	}
}

func TestParseProcStatBusy(t *testing.T) {
	stat := "cpu  100 5 50 9000 20 1 2 3 0 0\ncpu0 50 2 25 4500 10 0 1 1 0 0\n"
	got, err := parseProcStatBusy(stat, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if want := 161 * 10 * time.Millisecond; got != want {
		t.Errorf("busy = %v; want %v (user+nice+system+irq+softirq+steal, not idle or iowait)", got, want)
	}
	if _, err := parseProcStatBusy("intr 1 2 3\n", time.Millisecond); err == nil {
		t.Error("a /proc/stat without the cpu line gave no error")
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tcentrifugo\nVmPeak:\t 900000 kB\nVmHWM:\t   81200 kB\nVmRSS:\t   51200 kB\nRssAnon:\t 40000 kB\n"
	if got, err := parseStatusKB(status, "VmRSS"); err != nil || got != 51200*1024 {
		t.Errorf("VmRSS = %d, %v; want %d", got, err, 51200*1024)
	}
	if got, err := parseStatusKB(status, "VmHWM"); err != nil || got != 81200*1024 {
		t.Errorf("VmHWM = %d, %v; want %d", got, err, 81200*1024)
	}
	if _, err := parseStatusKB("Name:\tkthreadd\n", "VmRSS"); err == nil {
		t.Error("no VmRSS line gave no error")
	}
}

func TestListenInodes(t *testing.T) {
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0000000000000000 20 4 30 10 -1
   2: 00000000:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 100 0 0 10 0
`
	if got := listenInodes(table, 8080); len(got) != 1 || got[0] != "111" {
		t.Errorf("port 8080 listeners = %v; want [111] (the established socket on it is not one)", got)
	}
	tcp6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444 1 0000000000000000 100 0 0 10 0
`
	if got := listenInodes(tcp6, 9000); len(got) != 1 || got[0] != "444" {
		t.Errorf("IPv6 port 9000 listeners = %v; want [444]", got)
	}
}

func TestClockTickFromAuxv(t *testing.T) {
	var b []byte
	for _, kv := range [][2]uint64{{6, 4096}, {17, 250}, {0, 0}} {
		b = binary.NativeEndian.AppendUint64(b, kv[0])
		b = binary.NativeEndian.AppendUint64(b, kv[1])
	}
	path := filepath.Join(t.TempDir(), "auxv")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := clockTick(path); got != 4*time.Millisecond {
		t.Errorf("clockTick = %v; want 4ms (250 Hz)", got)
	}
	if got := clockTick(filepath.Join(t.TempDir(), "none")); got != 10*time.Millisecond {
		t.Errorf("without auxv clockTick = %v; want the 100 Hz default", got)
	}
}

// The real /proc: this process uses CPU, has memory, and is found as the
// one listening on a port it opened.
func TestProcOfThisProcess(t *testing.T) {
	pfs := newProcFS()
	// Work until the kernel has counted at least a tick (or give up).
	var cpu time.Duration
	x := 0
	for deadline := time.Now().Add(10 * time.Second); cpu == 0 && time.Now().Before(deadline); {
		for i := range 1_000_000 {
			x ^= i * i
		}
		var err error
		if cpu, err = pfs.CPU(os.Getpid()); err != nil {
			t.Fatal(err)
		}
	}
	if cpu <= 0 {
		t.Errorf("CPU of this test = %v after busy work (%d); want > 0", cpu, x)
	}
	if busy, err := pfs.Busy(); err != nil || busy < cpu {
		t.Errorf("machine busy = %v, %v; want at least this process's %v", busy, err, cpu)
	}
	if rss, peak, err := pfs.Memory(os.Getpid()); err != nil || rss <= 0 || peak < rss {
		t.Errorf("RSS = %d, peak %d, %v", rss, peak, err)
	}
	for _, network := range []string{"tcp4", "tcp6"} {
		addr := "127.0.0.1:0"
		if network == "tcp6" {
			addr = "[::1]:0"
		}
		ln, err := net.Listen(network, addr)
		if err != nil {
			t.Logf("%s: %v (no IPv6 here?)", network, err)
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pid, err := pfs.Listening(port)
		ln.Close()
		if err != nil || pid != os.Getpid() {
			t.Errorf("%s port %d: Listening = %d, %v; want this process %d", network, port, pid, err, os.Getpid())
		}
	}
	if _, err := pfs.Listening(1); err == nil {
		t.Error("port 1: found a listener")
	}
}
