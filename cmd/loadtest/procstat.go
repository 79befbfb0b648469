package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// procFS reads what the load tool needs of Linux's /proc: CPU time and
// resident memory of a process, and which process listens on a TCP port.
// Root is "/proc" except in tests.
type procFS struct {
	Root string
	// Tick is the length of one clock tick (USER_HZ) in which /proc
	// reports CPU time.
	Tick time.Duration
}

func newProcFS() procFS {
	return procFS{Root: "/proc", Tick: clockTick("/proc/self/auxv")}
}

// clockTick reads AT_CLKTCK from the auxiliary vector the kernel gave this
// process; 100 Hz (every common Linux build) when it cannot.
func clockTick(auxvPath string) time.Duration {
	const atClkTck = 17
	b, err := os.ReadFile(auxvPath)
	if err == nil {
		for len(b) >= 16 {
			key, val := binary.NativeEndian.Uint64(b[:8]), binary.NativeEndian.Uint64(b[8:16])
			b = b[16:]
			if key == atClkTck && val > 0 && val <= 10000 {
				return time.Second / time.Duration(val)
			}
		}
	}
	return 10 * time.Millisecond
}

// CPU is the user plus system time a process has used so far.
func (p procFS) CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(p.Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b), p.Tick)
}

// parseStatCPU takes utime and stime from a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may itself hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseStatCPU(stat string, tick time.Duration) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(stat[end+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the name, want at least 13", len(f))
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("proc stat: %w", err)
	}
	return time.Duration(utime+stime) * tick, nil
}

// Busy is the CPU time all CPUs of the machine have spent not idle so far
// (user, nice, system, irq, softirq and steal: time this machine's work
// did not get), from the first line of /proc/stat.
func (p procFS) Busy() (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(p.Root, "stat"))
	if err != nil {
		return 0, err
	}
	return parseProcStatBusy(string(b), p.Tick)
}

func parseProcStatBusy(stat string, tick time.Duration) (time.Duration, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("proc stat: first line %q is not the cpu total", line)
	}
	var busy uint64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system [idle iowait] irq softirq steal
		n, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		busy += n
	}
	return time.Duration(busy) * tick, nil
}

// Memory is a process's resident set size now (VmRSS) and at its peak
// (VmHWM), in bytes.
func (p procFS) Memory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(filepath.Join(p.Root, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	if rss, err = parseStatusKB(string(b), "VmRSS"); err != nil {
		return 0, 0, err
	}
	peak, err = parseStatusKB(string(b), "VmHWM")
	return rss, peak, err
}

// parseStatusKB reads a "Key: n kB" line of /proc/<pid>/status, in bytes.
func parseStatusKB(status, key string) (int64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, key+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("proc status: %s %q", key, strings.TrimSpace(rest))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc status: %s: %w", key, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("proc status: no %s (a kernel thread, or the process is gone)", key)
}

// Comm is a process's command name.
func (p procFS) Comm(pid int) string {
	b, _ := os.ReadFile(filepath.Join(p.Root, strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(b))
}

// Listening returns the process that has a TCP socket listening on port
// (any address, IPv4 or IPv6): the socket's inode from /proc/net/tcp{,6},
// then the process whose fd table holds it. Processes whose fds it may not
// read are passed over.
func (p procFS) Listening(port int) (int, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(filepath.Join(p.Root, "net", table))
		if err != nil {
			continue
		}
		for _, ino := range listenInodes(string(b), port) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("nothing listens on port %d", port)
	}
	procs, err := os.ReadDir(p.Root)
	if err != nil {
		return 0, err
	}
	for _, d := range procs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		fdDir := filepath.Join(p.Root, d.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil {
				continue
			}
			if ino, ok := strings.CutPrefix(link, "socket:["); ok && inodes[strings.TrimSuffix(ino, "]")] {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("port %d: its listening socket belongs to no process this user can see", port)
}

// listenInodes returns the inodes of the sockets in a /proc/net/tcp table
// that listen (state 0A) on port.
func listenInodes(table string, port int) []string {
	var out []string
	for line := range strings.Lines(table) {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" {
			continue // the header, or not listening
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(n) == port && f[9] != "0" {
			out = append(out, f[9])
		}
	}
	return out
}
