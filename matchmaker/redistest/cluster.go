package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker"
)

// Cluster is a running Redis Cluster of real redis-server processes, each a
// master owning a share of the 16,384 slots (no replicas).
type Cluster struct {
	Addrs []string // host:port of every master
	cmds  []*exec.Cmd
}

// StartCluster runs a fresh, non-persistent Redis Cluster of n masters on
// free loopback ports (n >= 3, as redis-cli requires) and returns it once
// every node reports cluster_state:ok. Everything stops when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := Require(t, "redis-server", "apt-get install -y redis-server")
	cli := Require(t, "redis-cli", "apt-get install -y redis-tools")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c, err := startCluster(t, bin, cli, n)
		if err == nil {
			return c
		}
		lastErr = err
	}
	t.Fatalf("redis cluster did not start: %v", lastErr)
	return nil
}

func startCluster(t testing.TB, bin, cli string, n int) (*Cluster, error) {
	c := &Cluster{}
	stop := func() {
		for _, cmd := range c.cmds {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	for i := 0; i < n; i++ {
		addr, cmd, err := startNode(t, bin)
		if err != nil {
			stop()
			return nil, err
		}
		c.cmds = append(c.cmds, cmd)
		c.Addrs = append(c.Addrs, addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		stop()
		return nil, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, addr := range c.Addrs {
		cl := redis.NewClient(&redis.Options{Addr: addr})
		for {
			info, err := cl.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				cl.Close()
				stop()
				return nil, fmt.Errorf("node %s: cluster not ok: %v %s", addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cl.Close()
	}
	t.Cleanup(stop)
	return c, nil
}

// startNode starts one cluster-enabled redis-server on a free port, trying
// others when the one chosen is taken before it binds.
func startNode(t testing.TB, bin string) (string, *exec.Cmd, error) {
	for attempt := 1; ; attempt++ {
		dir := t.TempDir()
		port := freePort(t)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no", "--dir", dir,
			"--daemonize", "no", "--loglevel", "warning")
		logf, err := os.Create(filepath.Join(dir, "redis.log"))
		if err != nil {
			return "", nil, err
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			logf.Close()
			return "", nil, fmt.Errorf("start redis-server: %w", err)
		}
		err = waitReady(addr, cmd.Process.Pid, logf.Name(), 5*time.Second)
		if err == nil {
			return addr, cmd, nil // the log file stays open for the node's life
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			return "", nil, fmt.Errorf("node %s: %w; log: %s", addr, err, tail(logf.Name()))
		}
	}
}

// Client returns a cluster client, closed at test end. It speaks the
// store's protocol (matchmaker.RedisProtocol).
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, PoolSize: 64, Protocol: matchmaker.RedisProtocol})
	t.Cleanup(func() { cl.Close() })
	return cl
}
