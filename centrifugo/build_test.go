package centrifugo_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tetatet/tetatet/centrifugo"
)

// One version, four places: the tools module's pin, ServerVersion (the
// cached binary's name and the stamped version), the Makefile target and the
// binary itself. (deploy/dockerfile_test.go checks the image's.)
func TestPinnedVersionAgrees(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join(centrifugo.Dir(), "server", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^tool github\.com/centrifugal/centrifugo/v6$`).Match(gomod) {
		t.Error("centrifugo/server/go.mod has no `tool github.com/centrifugal/centrifugo/v6`")
	}
	pinned := regexp.MustCompile(`github\.com/centrifugal/centrifugo/v6 v(\S+)`).FindSubmatch(gomod)
	if pinned == nil || string(pinned[1]) != centrifugo.ServerVersion {
		t.Errorf("go.mod pins %q, ServerVersion is %s", pinned, centrifugo.ServerVersion)
	}
	makefile, err := os.ReadFile(filepath.Join(centrifugo.Dir(), "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^CENTRIFUGO_VERSION := (\S+)$`).FindSubmatch(makefile); m == nil || string(m[1]) != centrifugo.ServerVersion {
		t.Errorf("Makefile CENTRIFUGO_VERSION %q, ServerVersion is %s", m, centrifugo.ServerVersion)
	}
	if !strings.Contains(centrifugo.BinaryPath(), "/v"+centrifugo.ServerVersion+"/") {
		t.Errorf("BinaryPath %s does not name the version", centrifugo.BinaryPath())
	}
	bin, err := centrifugo.EnsureBinary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "v"+centrifugo.ServerVersion+" ") {
		t.Errorf("%s version: %s (%v), want v%s", bin, out, err, centrifugo.ServerVersion)
	}
}
