package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// child is a process the runner started. It runs in a process group of its
// own, so Ctrl-C in the terminal reaches only the runner, which then stops
// the children itself, in order, and waits for them. Its output goes to a
// log file in the state dir.
type child struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // how it exited; read after done is closed
}

// startChild starts argv with exactly env (nothing leaks in from the
// developer's shell unless the caller passes it).
func startChild(name, logPath string, env []string, argv ...string) (*child, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: log: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{}, env...) // never nil: nil would mean "inherit"
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: start: %w", name, err)
	}
	c := &child{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		logf.Close()
		close(c.done)
	}()
	return c, nil
}

// PID is the child's process id (and its process group id).
func (c *child) PID() int { return c.cmd.Process.Pid }

// Done is closed when the child has exited.
func (c *child) Done() <-chan struct{} { return c.done }

// exited describes an exit nobody asked for, with the end of the log.
func (c *child) exited() error {
	return fmt.Errorf("%s exited: %v; last lines of %s:\n%s", c.name, c.err, c.log, tail(c.log, 15))
}

// stop sends SIGTERM to the child's group, waits up to grace, then kills the
// group. It returns when the child is gone.
func (c *child) stop(grace time.Duration) {
	pgid := c.PID()
	select {
	case <-c.done:
		return
	default:
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.done
	}
	// Whatever the leader forked into its group (a Redis save) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// waitReady polls check until it succeeds, the child exits, ctx ends or the
// timeout passes.
func waitReady(ctx context.Context, c *child, timeout time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-c.Done():
			if strings.Contains(strings.ToLower(tail(c.log, 15)), "address already in use") {
				return fmt.Errorf("%w: %v", errPortTaken, c.exited())
			}
			return c.exited()
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v; last lines of %s:\n%s", c.name, timeout, err, c.log, tail(c.log, 15))
		}
	}
}

// errPortTaken is a child that exited at start because a port freePort
// chose for it was bound by another process before the child bound it.
var errPortTaken = errors.New("a port it was given is taken")

// retryOnTakenPort runs start (which chooses its ports) up to three times
// while it fails with errPortTaken.
func retryOnTakenPort[T any](start func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		v, err := start()
		if err == nil || !errors.Is(err, errPortTaken) || attempt == 3 {
			return v, err
		}
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
