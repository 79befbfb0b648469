# The two commands a newcomer needs: `make test` and `make run`.
# Fuzz budgets are counts of executions, not seconds: a duration-based
# -fuzztime races Go's fuzzing coordinator on a starved machine and fails
# with "context deadline exceeded" and no failing input (golang/go#75804).
# Each is about 15 s of fuzzing on the 2-core CI machine. FUZZTIME=30s (or
# 1000x) sets one budget for all.
FUZZ_INITDATA ?= 150000x
FUZZ_DECODE ?= 60000x
FUZZ_VOICE ?= 300000x
FUZZ_ORIENTATION ?= 800000x
ifdef FUZZTIME
FUZZ_INITDATA := $(FUZZTIME)
FUZZ_DECODE := $(FUZZTIME)
FUZZ_VOICE := $(FUZZTIME)
FUZZ_ORIENTATION := $(FUZZTIME)
endif
GO_TEST_FLAGS ?= -count=1 -timeout 20m

.PHONY: test deps vet centrifugo seaweedfs miniapp miniapp-test go-test fuzz bench run build load

test: deps vet centrifugo seaweedfs miniapp miniapp-test go-test fuzz

deps:
	bash .ci/deps.sh

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }

# Centrifugo from the pinned tools module, cached in centrifugo/server/bin under
# a versioned path (bin/v<version>/centrifugo), so a binary of another version
# is never reused. The build takes the lock centrifugo.EnsureBinary takes, so
# `make` and tests never build it twice at once. Keep the version in step with
# centrifugo/build.go (a test checks).
CENTRIFUGO_VERSION := 6.9.1
centrifugo:
	@mkdir -p centrifugo/server/bin/v$(CENTRIFUGO_VERSION) && cd centrifugo/server && flock bin/.lock sh -c '\
	  test -x bin/v$(CENTRIFUGO_VERSION)/centrifugo && exit 0; \
	  echo "building Centrifugo v$(CENTRIFUGO_VERSION) (about 3 minutes the first time)"; \
	  go build -ldflags "-X github.com/centrifugal/centrifugo/v6/internal/build.Version=$(CENTRIFUGO_VERSION)" \
	    -o bin/v$(CENTRIFUGO_VERSION)/centrifugo.tmp github.com/centrifugal/centrifugo/v6 && \
	  mv bin/v$(CENTRIFUGO_VERSION)/centrifugo.tmp bin/v$(CENTRIFUGO_VERSION)/centrifugo'

# SeaweedFS (`weed`, the S3 server of the media tests) from the pinned tools
# module, built once into matchmaker/blobstore/seaweedfs/bin by its build.sh
# (about six minutes on two cores the first time; rebuilt when the pin changes).
seaweedfs:
	@bash matchmaker/blobstore/seaweedfs/build.sh >/dev/null

miniapp:
	cd miniapp && npm run build

miniapp-test:
	cd miniapp && npm test

go-test:
	go test $(GO_TEST_FLAGS) ./...

fuzz:
	go test -run '^$$' -fuzz '^FuzzParseInitData$$' -fuzztime $(FUZZ_INITDATA) ./api/
	go test -run '^$$' -fuzz '^FuzzDecodeRequests$$' -fuzztime $(FUZZ_DECODE) ./api/
	go test -run '^$$' -fuzz '^FuzzVoice$$' -fuzztime $(FUZZ_VOICE) ./api/media/
	go test -run '^$$' -fuzz '^FuzzOrientation$$' -fuzztime $(FUZZ_ORIENTATION) ./api/media/

bench:
	go test -run '^$$' -bench Search -benchtime 500x -timeout 60m ./matchmaker/

build:
	go build -o bin/ ./cmd/...

# Load test of the message path (cmd/loadtest) against the stack `make run`
# started: run `make run` in one terminal, then `make load` in another. It
# reads the dev stack's bot token, Centrifugo API and pids from
# $(RUN_STATE_DIR)/stack.json (default .run/), sets up 2,000 users in 1,000
# rooms, and runs the ladder 250..4,000 msg/s, 10 s a step, on the API path
# and straight to Centrifugo (a few minutes on 2 cores). Other settings:
# make load LOAD_FLAGS='-users 200 -ladder 100,400 -duration 5s' (-h lists them).
load:
	@mkdir -p .run/bin && go build -o .run/bin/loadtest ./cmd/loadtest
	.run/bin/loadtest $(LOAD_FLAGS)

# The whole stack on this machine (cmd/run): Redis, Centrifugo, the API with
# the Mini App, the bot with TELEGRAM_BOT_TOKEN; dev logins at /dev without
# one. The Mini App is (re)built first when Node is there and its sources
# changed. Ctrl-C stops everything. (The runner is exec'd rather than `go run`
# so that a clean Ctrl-C leaves make with status 0.) GODEBUG: the API's
# runtime setting, api.SysmonGODEBUG; yours goes after it.
run:
	@if command -v npm >/dev/null; then \
	  if [ ! -d miniapp/node_modules ] || [ miniapp/package-lock.json -nt miniapp/node_modules/.package-lock.json ]; then \
	    (cd miniapp && npm ci --no-audit --no-fund --loglevel=error) || exit 1; fi; \
	  if [ ! -f miniapp/dist/index.html ] || [ -n "$$(find miniapp/src miniapp/index.html miniapp/package-lock.json miniapp/vite.config.ts miniapp/tsconfig.json -newer miniapp/dist/index.html 2>/dev/null | head -n 1)" ]; then \
	    echo 'run: building the Mini App'; (cd miniapp && npm run build) || exit 1; fi; \
	else echo 'run: npm not found, so the Mini App is not built (a placeholder page is served)'; fi
	@mkdir -p .run/bin && go build -o .run/bin/run ./cmd/run
	exec env GODEBUG="schedtrace=2147483647$${GODEBUG:+,$$GODEBUG}" .run/bin/run
