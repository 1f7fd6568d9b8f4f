//go:build !unix

package pgserver

import (
	"os"
	"os/exec"
)

// clusterOwner is the current user: outside Unix there is no root to step
// down from.
type clusterOwner struct{}

func ownerForCluster() (clusterOwner, error) { return clusterOwner{}, nil }

func (clusterOwner) configure(*exec.Cmd) {}

func (clusterOwner) chown(string) error { return nil }

func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	// On Windows FindProcess opens the process: it fails once it is gone.
	p.Release()
	return true
}

func killProcess(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
