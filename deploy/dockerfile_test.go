package deploy

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	tetatetapi "github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/centrifugo"
)

// There is no Docker engine in CI, so the Dockerfiles are checked by
// reading them: every file they COPY from the build context exists and is
// not dropped by the Dockerfile's own .dockerignore, the ignore files keep
// secrets and Node trees out, and the values that must agree (Centrifugo
// version, Mini App directory, config path) do.

type instruction struct {
	cmd  string   // upper case: FROM, COPY, ENV, ...
	args []string // whitespace-split, continuation lines joined
}

func readDockerfile(t *testing.T, name string) []instruction {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out  []instruction
		line string
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(text, "\\"); ok {
			line += cont + " "
			continue
		}
		line += text
		if fields := strings.Fields(line); len(fields) > 0 {
			out = append(out, instruction{cmd: strings.ToUpper(fields[0]), args: fields[1:]})
		}
		line = ""
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// copySources returns the build-context sources of a COPY (not COPY --from)
// and its destination.
func copySources(in instruction) (sources []string, dest string, fromStage bool) {
	var rest []string
	for _, a := range in.args {
		if strings.HasPrefix(a, "--from=") {
			fromStage = true
		}
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
		}
	}
	if len(rest) < 2 {
		return nil, "", fromStage
	}
	return rest[:len(rest)-1], rest[len(rest)-1], fromStage
}

// dockerignore is a small implementation of .dockerignore matching: patterns
// with *, ? and **, "!" exceptions, the last matching pattern wins, and a
// pattern that matches a directory matches everything under it.
type dockerignore []struct {
	re     *regexp.Regexp
	negate bool
}

func readDockerignore(t *testing.T, name string) dockerignore {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var d dockerignore
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		negate := strings.HasPrefix(line, "!")
		pattern := filepath.ToSlash(filepath.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/")))
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(pattern); i++ {
			switch c := pattern[i]; {
			case strings.HasPrefix(pattern[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(pattern[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("(/.*)?$")
		d = append(d, struct {
			re     *regexp.Regexp
			negate bool
		}{regexp.MustCompile(re.String()), negate})
	}
	return d
}

// excluded reports whether the context path (slash-separated, relative to
// the repository root) is left out of the build context.
func (d dockerignore) excluded(path string) bool {
	out := false
	for _, p := range d {
		if p.re.MatchString(path) {
			out = !p.negate
		}
	}
	return out
}

func TestDockerfilesCopyWhatTheContextHas(t *testing.T) {
	p := loadStack(t, []string{baseFile})
	repoRoot, _ := filepath.Abs("..")

	// Every .go and go:embed'ed .lua file outside deploy/ must reach the Go
	// builds, or `go build` fails in the image only.
	var goSources []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || rel == "deploy" || d.Name() == "node_modules" || d.Name() == "dist" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, ".lua") {
			goSources = append(goSources, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Tools builds compile a pinned tools module only, none of our sources.
	toolsBuilds := []string{"centrifugo", "seaweedfs"}
	for _, name := range []string{"api", "bot", "centrifugo", "seaweedfs"} {
		t.Run(name, func(t *testing.T) {
			b := p.Services[name].Build
			dockerfile := filepath.Join(b.Context, b.Dockerfile)
			ignore := readDockerignore(t, dockerfile+".dockerignore")
			steps := readDockerfile(t, dockerfile)

			for _, in := range steps {
				if in.cmd != "COPY" {
					continue
				}
				sources, _, fromStage := copySources(in)
				if fromStage {
					continue
				}
				for _, src := range sources {
					rel := filepath.ToSlash(filepath.Clean(src))
					if _, err := os.Stat(filepath.Join(repoRoot, rel)); err != nil {
						t.Errorf("COPY %s: not in the repository: %v", src, err)
					}
					if rel != "." && ignore.excluded(rel) {
						t.Errorf("COPY %s: excluded by %s.dockerignore", src, b.Dockerfile)
					}
				}
			}

			for _, secret := range []string{".env", ".env.production", ".git/config", "miniapp/node_modules/vue/package.json", "miniapp/dist/index.html"} {
				if !ignore.excluded(secret) {
					t.Errorf("%s is sent to the builder; add it to %s.dockerignore", secret, b.Dockerfile)
				}
			}
			if !slices.Contains(toolsBuilds, name) {
				for _, src := range goSources {
					if ignore.excluded(src) && !strings.HasPrefix(src, "centrifugo/server/") {
						t.Errorf("%s is excluded from the %s build context", src, name)
					}
				}
			}
		})
	}
}

func TestDockerfileSettingsAgree(t *testing.T) {
	arg := func(steps []instruction, key string) string {
		for _, in := range steps {
			for _, a := range in.args {
				if v, ok := strings.CutPrefix(a, key+"="); ok && (in.cmd == "ARG" || in.cmd == "ENV") {
					return v
				}
			}
		}
		return ""
	}

	// Centrifugo: the version stamped into the binary is the one the tools
	// module pins, and the server reads the config file the image ships.
	cfSteps := readDockerfile(t, "Dockerfile.centrifugo")
	gomod, err := os.ReadFile(filepath.Join("..", "centrifugo", "server", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	pinned := regexp.MustCompile(`github\.com/centrifugal/centrifugo/v6 v(\S+)`).FindSubmatch(gomod)
	if pinned == nil {
		t.Fatal("centrifugo/server/go.mod does not require github.com/centrifugal/centrifugo/v6")
	}
	var builds string
	for _, in := range cfSteps {
		if in.cmd == "RUN" && slices.Contains(in.args, "build") {
			builds = strings.Join(in.args, " ")
		}
	}
	if !strings.Contains(builds, "github.com/centrifugal/centrifugo/v6/internal/build.Version=${CENTRIFUGO_VERSION}") ||
		!strings.HasSuffix(builds, " github.com/centrifugal/centrifugo/v6") {
		t.Errorf("Dockerfile.centrifugo does not build and stamp github.com/centrifugal/centrifugo/v6: %s", builds)
	}
	if got := arg(cfSteps, "CENTRIFUGO_VERSION"); got != string(pinned[1]) {
		t.Errorf("Dockerfile.centrifugo stamps version %q, go.mod pins %q", got, pinned[1])
	}
	if got := arg(cfSteps, "GOGC"); got != centrifugo.ServerGOGC {
		t.Errorf("Dockerfile.centrifugo sets GOGC=%q; tests and make run use centrifugo.ServerGOGC=%s", got, centrifugo.ServerGOGC)
	}
	var configDest string
	var cmd []string
	for _, in := range cfSteps {
		if src, dest, _ := copySources(in); in.cmd == "COPY" && slices.Contains(src, "centrifugo/config.json") {
			configDest = dest
		}
		if in.cmd == "CMD" {
			cmd = in.args
		}
	}
	if configDest == "" || !strings.Contains(strings.Join(cmd, " "), `"--config", "`+configDest+`"`) {
		t.Errorf("Dockerfile.centrifugo copies config.json to %q but runs %v", configDest, cmd)
	}

	// API: MINIAPP_DIR points at the directory the built Mini App is copied to.
	api := readDockerfile(t, "Dockerfile.api")
	miniappDir := arg(api, "MINIAPP_DIR")
	found := false
	for _, in := range api {
		if src, dest, fromStage := copySources(in); in.cmd == "COPY" && fromStage &&
			slices.Contains(src, "/src/miniapp/dist") && dest == miniappDir {
			found = true
		}
	}
	if miniappDir == "" || !found {
		t.Errorf("Dockerfile.api: MINIAPP_DIR=%q is not where the built Mini App is copied", miniappDir)
	}
	if got := arg(api, "GODEBUG"); got != tetatetapi.SysmonGODEBUG {
		t.Errorf("Dockerfile.api sets GODEBUG=%q; make run gives the API api.SysmonGODEBUG=%s", got, tetatetapi.SysmonGODEBUG)
	}

	// SeaweedFS: weed is built from the tools module the tests build theirs
	// from (go.mod and go.sum copied, the pinned package), with build.sh's
	// flags, and its data directory is the compose volume's.
	swSteps := readDockerfile(t, "Dockerfile.seaweedfs")
	swMod, err := os.ReadFile(filepath.Join("..", "matchmaker", "blobstore", "seaweedfs", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^tool github\.com/seaweedfs/seaweedfs/weed$`).Match(swMod) {
		t.Error("matchmaker/blobstore/seaweedfs/go.mod does not pin the weed tool")
	}
	buildScript, err := os.ReadFile(filepath.Join("..", "matchmaker", "blobstore", "seaweedfs", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var swCopies []string
	var swBuild string
	for _, in := range swSteps {
		if src, _, fromStage := copySources(in); in.cmd == "COPY" && !fromStage {
			swCopies = append(swCopies, src...)
		}
		if in.cmd == "RUN" && slices.Contains(in.args, "build") {
			swBuild = strings.Join(in.args, " ")
		}
	}
	slices.Sort(swCopies)
	if want := []string{"matchmaker/blobstore/seaweedfs/go.mod", "matchmaker/blobstore/seaweedfs/go.sum"}; !slices.Equal(swCopies, want) {
		t.Errorf("Dockerfile.seaweedfs copies %v, want exactly %v", swCopies, want)
	}
	if !strings.HasSuffix(swBuild, " github.com/seaweedfs/seaweedfs/weed") {
		t.Errorf("Dockerfile.seaweedfs does not build github.com/seaweedfs/seaweedfs/weed: %s", swBuild)
	}
	for _, flag := range []string{"-trimpath", `-ldflags="-s -w"`} {
		if !strings.Contains(swBuild, flag) || !strings.Contains(string(buildScript), strings.ReplaceAll(flag, `"`, "'")) {
			t.Errorf("build flag %s: Dockerfile.seaweedfs (%s) and build.sh must both use it", flag, swBuild)
		}
	}
	sw := loadStack(t, []string{baseFile}).Services["seaweedfs"]
	dir, _ := weedFlag(sw.Command, "dir")
	var volumes, workdir string
	for _, in := range swSteps {
		switch in.cmd {
		case "VOLUME":
			volumes = strings.Join(in.args, " ")
		case "WORKDIR":
			workdir = strings.Join(in.args, " ")
		}
	}
	if dir == "" || volumes != dir || workdir != dir {
		t.Errorf("Dockerfile.seaweedfs: VOLUME %q, WORKDIR %q; compose runs weed with -dir=%q", volumes, workdir, dir)
	}

	// Every runtime image runs as a non-root user.
	for _, name := range []string{"Dockerfile.api", "Dockerfile.bot", "Dockerfile.centrifugo", "Dockerfile.seaweedfs"} {
		steps := readDockerfile(t, name)
		var user string
		for _, in := range steps {
			if in.cmd == "USER" && len(in.args) > 0 {
				user = in.args[0]
			}
		}
		if user == "" || user == "root" || strings.HasPrefix(user, "0") {
			t.Errorf("%s: final stage runs as %q, want a non-root user", name, user)
		}
	}
}

func TestDockerignoreMatching(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.dockerignore")
	if err := os.WriteFile(name, []byte("*\n!keep/me.txt\n**/node_modules\nbuild\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := readDockerignore(t, name)
	for path, want := range map[string]bool{
		"go.mod":                true,
		"keep/me.txt":           false,
		"keep/other.txt":        true,
		"a/b/node_modules/x.js": true,
		"build/out":             true,
		"src/build.go":          true, // by "*"
	} {
		if got := d.excluded(filepath.ToSlash(filepath.Clean(path))); got != want {
			t.Errorf("excluded(%q) = %v, want %v", path, got, want)
		}
	}
}
