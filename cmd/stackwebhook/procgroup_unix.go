//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// inOwnGroup starts cmd as the leader of a new process group, so that
// killGroup reaches every process the verifier's shell started.
func inOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group that inOwnGroup made: the shell and
// whatever it started (a pipeline, a sleep, an interpreter's children).
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) != nil {
		_ = cmd.Process.Kill()
	}
}
