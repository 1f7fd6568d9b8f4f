//go:build unix

package pgserver

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// clusterOwner is who runs the server: initdb and postgres refuse to run as
// root, so as root the cluster belongs to an unprivileged system user.
type clusterOwner struct{ cred *syscall.Credential }

func ownerForCluster() (clusterOwner, error) {
	if os.Geteuid() != 0 {
		return clusterOwner{}, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return clusterOwner{&syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
	}
	return clusterOwner{}, errors.New("running as root and no unprivileged user (postgres, nobody) to run the server")
}

// configure runs cmd as the owner, in a process group of its own, so a
// Ctrl-C at the terminal reaches the command, which stops the server in
// order, and not the server itself.
func (o clusterOwner) configure(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred, Setpgid: true}
}

func (o clusterOwner) chown(path string) error {
	if o.cred == nil {
		return nil
	}
	return os.Chown(path, int(o.cred.Uid), int(o.cred.Gid))
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func killProcess(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
