# The two commands in the README:
#   make run    install what is missing, build, and run the main example study on the embedded SQLite store
#   make test   install what is missing, start a throwaway PostgreSQL, and run the whole test suite
SWIFT ?= swift
RUN_SPEC ?= Experiments/mlp-digits.yaml
RUN_DATABASE ?= augur-runs/augur.sqlite

.PHONY: run test build deps test-deps clean

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

build: deps
	$(SWIFT) build -c release --product augur

run: build
	@mkdir -p $(dir $(RUN_DATABASE))
	.build/release/augur run $(RUN_SPEC) --database $(RUN_DATABASE)

test: test-deps
	scripts/with-postgres.sh $(SWIFT) test

clean:
	rm -rf .build augur-runs
