package centrifugotest

import (
	"net"
	"net/url"
	"strconv"
	"testing"

	"github.com/tetatet/tetatet/matchmaker/redistest"
)

// A port bound by someone else between choosing it and Centrifugo's bind
// (another test package running alongside did this in CI) makes Start try
// other ports instead of failing the test.
func TestStartWhenAChosenPortIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	calls := 0
	freePort = func(t testing.TB) int {
		calls++
		if calls == 1 {
			return takenPort
		}
		return redistest.FreePort(t)
	}
	t.Cleanup(func() { freePort = redistest.FreePort })

	s := Start(t, Options{})
	u, err := url.Parse(s.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() == strconv.Itoa(takenPort) {
		t.Fatalf("the server claims the taken port %d", takenPort)
	}
	if calls < 4 {
		t.Fatalf("ports chosen %d times; want a second pair after the taken one", calls)
	}
	conn, err := net.Dial("tcp", u.Host) // it listens where it says
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// Another test's Centrifugo on the internal port chosen for a new one must
// not pass for it: Start returns a server of its own, on other ports.
func TestStartWhenAnotherCentrifugoTookThePort(t *testing.T) {
	other := Start(t, Options{})
	u, err := url.Parse(other.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	otherInternal, _ := strconv.Atoi(u.Port())
	calls := 0
	freePort = func(t testing.TB) int {
		calls++
		if calls == 2 { // the internal port (API, health)
			return otherInternal
		}
		return redistest.FreePort(t)
	}
	t.Cleanup(func() { freePort = redistest.FreePort })

	s := Start(t, Options{})
	if s.AdminURL == other.AdminURL {
		t.Fatalf("Start returned a server on the other test's internal port %s", s.AdminURL)
	}
	if err := s.ping(); err != nil {
		t.Fatalf("the new server does not answer its own API key: %v", err)
	}
}
