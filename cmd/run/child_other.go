//go:build unix && !linux

package main

import "syscall"

// childProcAttr puts a child in its own process group. Without Linux's
// Pdeathsig, children outlive a runner killed with SIGKILL.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
