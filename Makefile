# The README's commands. Each target is self-sufficient on a fresh clone: it installs (npm ci) when the
# lockfile is newer than node_modules, builds with tsc, then runs.
.PHONY: install build start test lint format bench clean

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

# Rebuilt only when a source changed, so a restart does not pay for a compile.
SOURCES := $(shell find gateway subgraphs shared db scripts -name '*.ts' 2>/dev/null) tsconfig.json

dist/.built: $(SOURCES) node_modules/.package-lock.json
	npx tsc -p tsconfig.json
	@touch $@

build: dist/.built

# A larger young generation: ingestion allocates many short-lived buffers, and fewer scavenges measured
# about 12% more users/s (6,400 → 7,300 through the gateway). Single-threaded GC: on the 1–2 cores a service
# gets, V8's parallel GC helper threads compete with the work itself (10,100–10,400 → 11,000–11,200 users/s).
NODE_RUN := node --max-semi-space-size=64 --single-threaded-gc

start: build
	$(NODE_RUN) dist/scripts/cli.js start

test: build
	npx vitest run

lint: install
	npx biome check .
	npx tsc -p tsconfig.test.json --noEmit

format: install
	npx biome check --write .

bench: build
	$(NODE_RUN) dist/scripts/cli.js bench

clean:
	rm -rf dist
