package deploy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/redis/go-redis/v9"

	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// broker is a real redis-server run with the command of one of the compose
// file's broker services (centrifugo-redis...), on a loopback port, so the
// tests run Centrifugo's broker exactly as deployed, persistence settings
// included.
type broker struct {
	Addr string // 127.0.0.1:port
	t    *testing.T
	bin  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// startBroker starts a broker shard from a compose service and stops it when
// the test ends.
func startBroker(t *testing.T, name string, svc types.ServiceConfig) *broker {
	t.Helper()
	if len(svc.Command) == 0 || svc.Command[0] != "redis-server" {
		t.Fatalf("%s: command %q does not run redis-server", name, svc.Command)
	}
	port := redistest.FreePort(t)
	dir := t.TempDir()
	b := &broker{
		Addr: fmt.Sprintf("127.0.0.1:%d", port),
		t:    t,
		bin:  redistest.Require(t, "redis-server", "apt-get install -y redis-server"),
		// The service's own flags, then where to listen and write (the
		// container's /data is a tmpfs; here a temp dir that must stay empty).
		args: append(append([]string(nil), svc.Command[1:]...),
			"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no"),
		log: filepath.Join(dir, "redis.log"),
	}
	b.start()
	t.Cleanup(b.stop)
	return b
}

func (b *broker) start() {
	b.t.Helper()
	logf, err := os.OpenFile(b.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		b.t.Fatal(err)
	}
	b.cmd = exec.Command(b.bin, b.args...)
	b.cmd.Stdout, b.cmd.Stderr = logf, logf
	if err := b.cmd.Start(); err != nil {
		b.t.Fatalf("start redis-server: %v", err)
	}
	done := make(chan struct{})
	b.done = done
	go func() { _ = b.cmd.Wait(); logf.Close(); close(done) }()
	c := redis.NewClient(&redis.Options{Addr: b.Addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(b.log)
			b.t.Fatalf("broker redis %s did not start: %v\n%s", b.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *broker) stop() {
	if b.cmd != nil && b.cmd.Process != nil {
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

// Restart kills the server (as a crash would) and starts it again on the
// same port with the same settings.
func (b *broker) Restart() {
	b.t.Helper()
	b.stop()
	b.start()
}

// Keys counts the keys the broker holds.
func (b *broker) Keys(t *testing.T) int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: b.Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startBrokers starts every broker shard of a stack, in the order of
// CENTRIFUGO_ENGINE_REDIS_ADDRESS (the order Centrifugo hashes channels by).
func startBrokers(t *testing.T, p *types.Project) []*broker {
	t.Helper()
	var out []*broker
	for _, name := range brokerServices(t, p) {
		out = append(out, startBroker(t, name, p.Services[name]))
	}
	return out
}
