//go:build !unix

package main

import "os/exec"

// inOwnGroup does nothing where there are no process groups.
func inOwnGroup(*exec.Cmd) {}

// killGroup kills the verifier's shell alone: without process groups its
// children are left to end with their pipes.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
