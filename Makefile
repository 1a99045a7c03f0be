# zapflow — run `make help` for the targets.

GO ?= go
PKG := ./...

.PHONY: help build run test vet fuzz generate check-generated screenshots bench-intake bench-send bench-flows bench-inbox bench-cleanup clean

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
	rm -rf bin

bench-send: ## send pipeline throughput, per-sender rate precision, queue-to-sent latency and memory
	bash scripts/bench-send.sh

bench-flows: ## inbound message → 3-step flow → sandbox send: flows/s, p99 trigger-to-send latency, peak RSS
	bash scripts/bench-flows.sh

bench-inbox: ## 200 open event streams while bench-flows load runs: event delivery p99 and memory per stream
	bash scripts/bench-inbox.sh

bench-cleanup: ## chat history cleanup of 1,000,000 SQLite messages while the inbox is read: duration, inbox p99
	bash scripts/bench-cleanup.sh
