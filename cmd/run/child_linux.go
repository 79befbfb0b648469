package main

import "syscall"

// childProcAttr puts a child in its own process group and has the kernel
// kill it if the runner dies without cleaning up (SIGKILL, a crash).
// Pdeathsig fires when the thread that started the child exits; the Go
// runtime keeps its threads for the life of the process unless a goroutine
// exits while locked to one, which the runner never does.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
