package centrifugo

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
)

// ServerVersion is the pinned Centrifugo server version (centrifugo/server/go.mod).
const ServerVersion = "5.4.9"

// Dir is the centrifugo/ folder of this source tree; it holds config.json and
// the tools module in server/.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// EnsureBinary returns the path of the Centrifugo server binary, building it
// from the pinned tools module into centrifugo/server/bin/ the first time
// (about 75 s on 2 cores; seconds afterwards). Concurrent callers, in one
// process or many, wait for a single build.
func EnsureBinary() (string, error) {
	serverDir := filepath.Join(Dir(), "server")
	bin := filepath.Join(serverDir, "bin", "centrifugo")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(serverDir, "bin", ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp := bin + ".tmp"
	cmd := exec.Command("go", "build",
		"-ldflags", "-X github.com/centrifugal/centrifugo/v5/internal/build.Version="+ServerVersion,
		"-o", tmp, "github.com/centrifugal/centrifugo/v5")
	cmd.Dir = serverDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("centrifugo: build server: %v\n%s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}
