package centrifugo

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// ServerVersion is the pinned Centrifugo server version (centrifugo/server/go.mod).
const ServerVersion = "6.9.1"

// ServerGOGC is the Go garbage collector target every Centrifugo of this
// product runs with (GOGC; the Docker image sets the same, a deploy test
// checks). Much of what a connection holds is short-lived: the garbage of its
// connect and subscribe commands, and goroutine stacks grown while handling
// them, which only a collection shrinks. With Go's default of 100 the heap
// runs up to twice what is live between collections; at 20 a connected user
// costs a bit under 30 KB instead of 45-60 KB, for about 10% more server CPU
// per publication (BenchmarkMemoryPerConnection, -memgogc 100 against 20).
const ServerGOGC = "20"

// ServerEnv is the environment the server process needs besides PATH.
func ServerEnv() []string { return []string{"GOGC=" + ServerGOGC} }

// serverModule is the Go package the tools module builds.
const serverModule = "github.com/centrifugal/centrifugo/v6"

// Dir is the centrifugo/ folder of this source tree; it holds config.json and
// the tools module in server/.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// BinaryPath is where EnsureBinary keeps the server binary:
// centrifugo/server/bin/v<version>/centrifugo. The version is part of the
// path, so a binary cached for another version (an older checkout, v5's
// bin/centrifugo) is never picked up and a version bump means a fresh build;
// the file itself stays "centrifugo", the process name operators look for.
func BinaryPath() string {
	return filepath.Join(Dir(), "server", "bin", "v"+ServerVersion, "centrifugo")
}

// EnsureBinary returns the path of the Centrifugo server binary, building it
// from the pinned tools module into centrifugo/server/bin/ the first time
// (about 3 minutes on 2 cores; seconds afterwards). Concurrent callers, in one
// process or many, wait for a single build.
func EnsureBinary() (string, error) {
	serverDir := filepath.Join(Dir(), "server")
	bin := BinaryPath()
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
		"-ldflags", "-X "+serverModule+"/internal/build.Version="+ServerVersion,
		"-o", tmp, serverModule)
	cmd.Dir = serverDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("centrifugo: build server: %v\n%s", err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// ServerConfig returns the committed config.json with settings applied on
// top, as indented JSON for `centrifugo --config`. Keys are dotted paths of
// Centrifugo's nested (v6) config, e.g. "http_server.port" or
// "client.token.hmac_secret_key"; missing objects on the way are created.
// Tests and `make run` use it to add ports and secrets that never belong in
// the committed file.
func ServerConfig(settings map[string]any) ([]byte, error) {
	base, err := os.ReadFile(filepath.Join(Dir(), "config.json"))
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(base, &cfg); err != nil {
		return nil, fmt.Errorf("centrifugo/config.json: %w", err)
	}
	for key, value := range settings {
		parts := strings.Split(key, ".")
		node := cfg
		for _, p := range parts[:len(parts)-1] {
			child, ok := node[p].(map[string]any)
			if !ok {
				if _, exists := node[p]; exists {
					return nil, fmt.Errorf("centrifugo config: %s: %q is not an object", key, p)
				}
				child = map[string]any{}
				node[p] = child
			}
			node = child
		}
		node[parts[len(parts)-1]] = value
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// CheckConfig validates a config file with the pinned server: `centrifugo
// checkconfig` must accept it, and every key in it must be one the server
// knows. checkconfig alone lets a misspelt key through (the server only logs
// "unknown key" at start and runs without the setting), so the keys are
// compared with the server's own `defaultconfig`.
func CheckConfig(path string) error {
	bin, err := EnsureBinary()
	if err != nil {
		return err
	}
	if out, err := exec.Command(bin, "checkconfig", "-c", path).CombinedOutput(); err != nil {
		return fmt.Errorf("centrifugo checkconfig %s: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	dir, err := os.MkdirTemp("", "centrifugo-defaultconfig-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defaults := filepath.Join(dir, "defaults.json")
	if out, err := exec.Command(bin, "defaultconfig", "-c", defaults).CombinedOutput(); err != nil {
		return fmt.Errorf("centrifugo defaultconfig: %v: %s", err, out)
	}
	var known, ours map[string]any
	if err := readJSON(defaults, &known); err != nil {
		return err
	}
	if err := readJSON(path, &ours); err != nil {
		return err
	}
	// A namespace takes the options of channels without one, plus its name.
	namespace := map[string]any{"name": ""}
	if channel, ok := known["channel"].(map[string]any); ok {
		if wn, ok := channel["without_namespace"].(map[string]any); ok {
			for k, v := range wn {
				namespace[k] = v
			}
		}
	}
	if unknown := unknownKeys("", ours, known, namespace); len(unknown) > 0 {
		return fmt.Errorf("centrifugo config %s: keys Centrifugo %s does not know: %s", path, ServerVersion, strings.Join(unknown, ", "))
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// unknownKeys lists the dotted paths in ours that known does not have. An
// empty object in known is a free-form map (headers, metadata): anything goes.
func unknownKeys(prefix string, ours, known, namespace map[string]any) []string {
	var out []string
	for k, v := range ours {
		path := prefix + k
		kv, ok := known[k]
		if !ok {
			out = append(out, path)
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			if km, ok := kv.(map[string]any); ok && len(km) > 0 {
				out = append(out, unknownKeys(path+".", v, km, namespace)...)
			}
		case []any:
			if path != "channel.namespaces" {
				continue
			}
			for i, ns := range v {
				if m, ok := ns.(map[string]any); ok {
					out = append(out, unknownKeys(fmt.Sprintf("%s[%d].", path, i), m, namespace, namespace)...)
				}
			}
		}
	}
	return out
}
