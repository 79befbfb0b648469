package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/kelseyhightower/envconfig"

	"github.com/tetatet/tetatet/api"
	"github.com/tetatet/tetatet/bot"
	"github.com/tetatet/tetatet/matchmaker"
	"github.com/tetatet/tetatet/matchmaker/blobstore"
)

// The API and the bot read their settings from the environment with
// envconfig (api.Config, bot.Config). Both embed the store's settings
// (matchmaker.Settings) and the media store's (blobstore.MediaSettings):
// two processes working on one Redis and one bucket must apply one ROOM_TTL,
// one set of spam rules, one bucket and one lifecycle rule. The tests below
// hold the compose files to the Go configuration, so a setting added to a
// Config struct fails here until deploy passes it on.

// appProcess is a process of ours that compose runs, with the configuration
// struct it reads and the Dockerfile whose ENV it starts with.
type appProcess struct {
	service    string
	dockerfile string
	spec       any
}

var appProcesses = []appProcess{
	{"api", "Dockerfile.api", &api.Config{}},
	{"bot", "Dockerfile.bot", &bot.Config{}},
}

// envVars lists the variables a configuration struct reads, as envconfig
// names them: its usage table walks the struct the way Process does
// (embedded structs, envconfig tags, ignored fields), so this list cannot
// disagree with what the process really reads.
func envVars(t *testing.T, spec any) []string {
	t.Helper()
	var b strings.Builder
	if err := envconfig.Usagef("", spec, &b, "{{range .}}{{usage_key .}}\n{{end}}"); err != nil {
		t.Fatalf("envconfig usage of %T: %v", spec, err)
	}
	keys := strings.Fields(b.String())
	if len(keys) == 0 {
		t.Fatalf("%T reads no variables; the reflection found nothing", spec)
	}
	return keys
}

// envDefault is the default envconfig applies to a variable of spec.
func envDefault(t *testing.T, spec any, key string) string {
	t.Helper()
	var b strings.Builder
	if err := envconfig.Usagef("", spec, &b, "{{range .}}{{usage_key .}}={{usage_default .}}\n{{end}}"); err != nil {
		t.Fatalf("envconfig usage of %T: %v", spec, err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			return v
		}
	}
	t.Fatalf("%T does not read %s", spec, key)
	return ""
}

// storeVars are the variables of the settings every process that opens the
// store and the media bucket shares.
func storeVars(t *testing.T) []string {
	t.Helper()
	return append(envVars(t, &matchmaker.Settings{}), envVars(t, &blobstore.MediaSettings{})...)
}

// imageEnv is the ENV of a Dockerfile's final stage: what the container
// sees for a variable compose leaves unset.
func imageEnv(t *testing.T, dockerfile string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, in := range readDockerfile(t, dockerfile) {
		if in.cmd == "FROM" {
			clear(out)
		}
		if in.cmd != "ENV" {
			continue
		}
		for _, a := range in.args {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				t.Fatalf("%s: ENV %v: use the KEY=value form", dockerfile, in.args)
			}
			out[k] = v
		}
	}
	return out
}

// containerEnv is what a process of ours finds in its environment: compose's
// value, else the image's ENV; a variable compose passes through from an
// unset .env entry ("KEY:" with no value) is absent unless the image sets it.
// declared says whether compose or the image names the variable at all.
func containerEnv(t *testing.T, p *types.Project, proc appProcess) (values map[string]*string, declared map[string]bool) {
	t.Helper()
	values, declared = map[string]*string{}, map[string]bool{}
	for k, v := range imageEnv(t, proc.dockerfile) {
		values[k], declared[k] = &v, true
	}
	s, ok := p.Services[proc.service]
	if !ok {
		t.Fatalf("no %s service", proc.service)
	}
	for k, v := range s.Environment {
		declared[k] = true
		if v != nil {
			values[k] = v
		}
	}
	return values, declared
}

func show(v *string) string {
	if v == nil {
		return "(unset)"
	}
	return fmt.Sprintf("%q", *v)
}

// TestComposePassesEverySetting: in every stack (with and without the
// external-S3 override), every variable api.Config and bot.Config read is
// declared for that service (in compose or in its image's ENV), compose
// sets nothing the process does not read (a misspelt name would be silently
// ignored), no variable ends up empty (envconfig fails on an empty duration
// or number), and a variable both processes read has the same value in
// both, with only the required secrets in .env and with every variable set
// there.
func TestComposePassesEverySetting(t *testing.T) {
	reads := map[string][]string{} // variable -> services reading it
	for _, proc := range appProcesses {
		for _, k := range envVars(t, proc.spec) {
			reads[k] = append(reads[k], proc.service)
		}
	}
	for _, k := range storeVars(t) {
		if len(reads[k]) != len(appProcesses) {
			t.Errorf("%s is a store setting but only %v read it: the configs no longer embed matchmaker.Settings and blobstore.MediaSettings", k, reads[k])
		}
	}

	// Every variable set in .env, each to its own value.
	full := maps.Clone(testEnv)
	for k := range reads {
		if _, ok := full[k]; !ok {
			full[k] = "from-env-" + strings.ToLower(k)
		}
	}

	for _, st := range append(slices.Clone(stacks), externalS3Stacks...) {
		t.Run(st.name, func(t *testing.T) {
			var files []types.ConfigFile
			required := testEnv
			for _, f := range st.files {
				files = append(files, configFile(t, f))
				if f == externalS3File { // it requires S3_ENDPOINT
					required = maps.Clone(testEnv)
					required["S3_ENDPOINT"] = full["S3_ENDPOINT"]
				}
			}
			for i, e := range []struct {
				name string
				env  map[string]string
			}{{"only the required secrets in .env", required}, {"every setting in .env", full}} {
				p, err := load(e.env, files...)
				if err != nil {
					t.Fatalf("load with %s: %v", e.name, err)
				}
				seen := map[string]map[string]*string{}
				for _, proc := range appProcesses {
					values, declared := containerEnv(t, p, proc)
					seen[proc.service] = values
					if i == 0 { // what is declared does not depend on .env
						for _, k := range envVars(t, proc.spec) {
							if !declared[k] {
								t.Errorf("%s reads %s, but neither compose nor %s declares it", proc.service, k, proc.dockerfile)
							}
						}
						for k := range p.Services[proc.service].Environment {
							if !slices.Contains(reads[k], proc.service) {
								t.Errorf("compose sets %s for %s, which does not read it (misspelt, or meant for another service?)", k, proc.service)
							}
						}
					}
					for k, v := range values {
						if v != nil && *v == "" {
							t.Errorf("%s (%s): %s is empty; leave it unset so the default applies", proc.service, e.name, k)
						}
					}
				}
				for _, k := range slices.Sorted(maps.Keys(reads)) {
					if len(reads[k]) < 2 {
						continue
					}
					a, b := seen["api"][k], seen["bot"][k]
					if (a == nil) != (b == nil) || (a != nil && *a != *b) {
						t.Errorf("with %s, api and bot see different %s: api %s, bot %s", e.name, k, show(a), show(b))
					}
				}
			}
		})
	}
}
