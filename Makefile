# The two commands a newcomer needs: `make test` and `make run`.
FUZZTIME ?= 15s
GO_TEST_FLAGS ?= -count=1 -timeout 20m

.PHONY: test deps vet centrifugo miniapp miniapp-test go-test fuzz bench run build

test: deps vet centrifugo miniapp miniapp-test go-test fuzz

deps:
	bash .ci/deps.sh

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }

# Centrifugo v5.4.9 from the pinned tools module (cached in centrifugo/server/bin).
centrifugo:
	@test -x centrifugo/server/bin/centrifugo || { echo 'building Centrifugo v5.4.9 (about 75 s the first time)'; \
	  cd centrifugo/server && go build -ldflags '-X github.com/centrifugal/centrifugo/v5/internal/build.Version=5.4.9' \
	  -o bin/centrifugo github.com/centrifugal/centrifugo/v5; }

miniapp:
	cd miniapp && npm run build

miniapp-test:
	cd miniapp && npm test

go-test:
	go test $(GO_TEST_FLAGS) ./...

fuzz:
	go test -run '^$$' -fuzz '^FuzzParseInitData$$' -fuzztime $(FUZZTIME) ./api/
	go test -run '^$$' -fuzz '^FuzzDecodeRequests$$' -fuzztime $(FUZZTIME) ./api/

bench:
	go test -run '^$$' -bench Search -benchtime 2000x ./matchmaker/

build:
	go build -o bin/ ./cmd/...
