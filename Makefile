# The README's commands. Each target is self-sufficient on a fresh clone: it installs (npm ci) when the
# lockfile is newer than node_modules, builds with tsc, then runs.
.PHONY: install build start test lint format bench clean

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

build: install
	npx tsc -p tsconfig.json

start: build
	npm run --silent trustid -- start

test: build
	npx vitest run

lint: install
	npx biome check .
	npx tsc -p tsconfig.test.json --noEmit

format: install
	npx biome check --write .

bench: build
	npm run --silent trustid -- bench

clean:
	rm -rf dist
