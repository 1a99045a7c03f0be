# zapflow — run `make help` for the targets.

GO ?= go
PKG := ./...

.PHONY: help build run test vet fuzz generate check-generated screenshots bench-intake bench-send bench-flows bench-inbox bench-cleanup bench-multi bench-campaign clean

# The templ compiler that turns the web app's .templ files into Go.
TEMPL := $(GO) run github.com/a-h/templ/cmd/templ@v0.3.1118

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build bin/zapflow
	CGO_ENABLED=0 $(GO) build -o bin/zapflow ./cmd/zapflow

run: ## run the server on SQLite with the sandbox
	$(GO) run ./cmd/zapflow serve

test: vet ## vet and run every test with the race detector (PostgreSQL too when ZAPFLOW_TEST_POSTGRES_URL is set)
	$(GO) test -race -count=1 -timeout 20m $(PKG)

generate: ## regenerate the web app's templates (*_templ.go, committed)
	$(TEMPL) generate -path internal/web

check-generated: generate ## fail when the committed *_templ.go files are not what the .templ files generate (run on a clean tree)
	@test -z "$$(git status --porcelain -- internal/web)" || { git status --porcelain -- internal/web; echo "templates changed: run make generate and commit"; exit 1; }

screenshots: ## run the browser tests and save the web app's screenshots into docs/screenshots (needs chromium)
	ZAPFLOW_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -timeout 10m ./internal/web/browsertest

vet: ## go vet
	$(GO) vet $(PKG)

fuzz: ## fuzz the webhook parser for 30 s
	$(GO) test ./internal/whatsapp -run '^$$' -fuzz FuzzParseWebhook -fuzztime 30s

bench-intake: ## webhook intake throughput, latency and memory on SQLite and PostgreSQL
	bash scripts/bench-intake.sh

clean: ## remove build output
	rm -rf bin dist

bench-send: ## send pipeline throughput, per-sender rate precision, queue-to-sent latency and memory
	bash scripts/bench-send.sh

bench-flows: ## inbound message → 3-step flow → sandbox send: flows/s, p99 trigger-to-send latency, peak RSS
	bash scripts/bench-flows.sh

bench-inbox: ## 200 open event streams while bench-flows load runs: event delivery p99 and memory per stream
	bash scripts/bench-inbox.sh

.PHONY: release image image-test

# Release builds are stamped with the version (git describe) and commit.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X github.com/zapflow/zapflow/internal/app.Version=$(VERSION) -X main.commit=$(COMMIT)

release: ## static binaries for linux/amd64 and linux/arm64 in dist/, with SHA256SUMS
	rm -rf dist && mkdir -p dist
	for arch in amd64 arm64; do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -buildvcs=false -ldflags "$(LDFLAGS)" \
			-o dist/zapflow-$(VERSION)-linux-$$arch ./cmd/zapflow || exit 1; \
	done
	cd dist && sha256sum zapflow-* > SHA256SUMS && cat SHA256SUMS

image: ## build the container image zapflow:$(VERSION) (needs docker)
	docker build -t zapflow:$(VERSION) --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) .

image-test: ## build the image, start it and check /healthz and the container's health (needs docker)
	bash scripts/image-test.sh

bench-multi: ## two and three instances on one PostgreSQL: per-sender rate in total, 130429s, duplicates, losses, failover after SIGKILL
	bash scripts/bench-multi.sh

bench-campaign: ## 100,000-recipient campaign at 80/s and 1,000/s: expansion time, pacing, 130429s, pause latency, exactly once, peak RSS
	bash scripts/bench-campaign.sh

bench-cleanup: ## chat history cleanup of 1,000,000 SQLite messages while the inbox is read: duration, inbox p99
	bash scripts/bench-cleanup.sh
