# Horizon's front door. `make run` and `make test` work on a fresh machine; see README.md.
SHELL := /bin/bash
PYTHON310 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.10.13/bin/python3.10 \
             $(HOME)/.pyenv/versions/3.10.13/bin/python3.10) $(shell command -v python3.10))
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# `python -m MODULE` without the dependencies' known deprecation warnings (bot/quiet.py)
QUIET := $(PY) -m bot.quiet
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export RASA_TELEMETRY_ENABLED ?= false
# Rasa ships the moodbot's example story tests inside the venv; plain `rasa test` looks for test stories under
# `.` (following .venv) and would test them too. Removed so that it finds tests/stories only (DEVELOPERS.md).
RASA_EXAMPLE_STORIES := $(VENV)/lib/python3*/site-packages/rasa/cli/initial_project/tests/test_stories.yml
WEBCHAT := tests/browser/webchat/node_modules/.installed

.PHONY: run cluster load test check train shell validate bench install system-deps rasa-cli webchat test-unit test-stories test-nlu cross-validate test-e2e test-browser fuzz import deliver purge migrate report clean

run: $(INSTALLED) rasa-cli      ## install what is missing, train if the data changed, start everything
	$(PY) -m bot.launcher

cluster: $(INSTALLED) rasa-cli system-deps  ## CLUSTER_REPLICAS (default 2) replicas behind nginx on 5005: PostgreSQL, Redis, RabbitMQ (docs/deploy.md)
	$(PY) -m bot.cluster

load: $(INSTALLED) system-deps   ## messages/s, p50/p95, CPU and memory per replica through nginx, 1 and 2 replicas (docs/deploy.md)
	$(PY) -m bench.cluster_load

test: $(INSTALLED) rasa-cli system-deps webchat check validate train test-unit test-stories test-nlu test-e2e test-browser  ## everything, from nothing

install: $(INSTALLED)

rasa-cli: $(INSTALLED)           ## what plain `rasa test` in the root needs (see RASA_EXAMPLE_STORIES)
	@rm -f $(RASA_EXAMPLE_STORIES)

webchat: $(WEBCHAT)              ## rasa-webchat from npm (pinned in tests/browser/webchat), for the browser tests

$(WEBCHAT): tests/browser/webchat/package.json tests/browser/webchat/package-lock.json
	cd tests/browser/webchat && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<24"
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

system-deps:                     ## Debian's Chromium (browser tests) and nginx (make cluster, the cluster tests)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update -qq && apt-get install -y -qq nginx >/dev/null)

train: $(INSTALLED)              ## train only if the training data or config changed
	$(PY) -m bot.training

check: $(INSTALLED)              ## lint, format, types and the import rules between packages
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

validate: $(INSTALLED)
	$(QUIET) rasa data validate --domain domain --data data

shell: $(INSTALLED) rasa-cli     ## talk to the bot in the terminal: to the running `make run` if there is one
	$(PY) -m bot.launcher --shell

test-unit: $(INSTALLED)
	$(PY) -m pytest tests/unit -q

test-stories: $(INSTALLED)
	$(QUIET) rasa test core --model models/horizon.tar.gz --stories tests/stories \
		--fail-on-prediction-errors --out results/stories

test-nlu: $(INSTALLED)          ## the held-out sets: first that they repeat no training sentence, then the gates
	$(PY) -m tests.evaluation_overlap --evaluation tests/nlu tests/answers tests/retrieval tests/language --training data/nlu
	$(PY) -m tests.retrieval_eval
	$(PY) -m tests.language_eval --quiet
	$(QUIET) rasa test nlu --model models/horizon.tar.gz --nlu tests/nlu --out results/nlu
	$(PY) -m tests.nlu_gate results/nlu/intent_report.json --min-accuracy 0.95

cross-validate: $(INSTALLED)    ## 5-fold cross-validation on the training data (12 min on 2 shared cores: not in make test)
	$(PY) -m rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --out results/nlu-cv

test-e2e: $(INSTALLED)
	$(PY) -m pytest tests/e2e -q

fuzz: $(INSTALLED) train         ## 5,000 hypothesis examples per endpoint (REST webhook, action server); make test runs 200
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-5000} $(PY) -m pytest tests/e2e/test_fuzz.py -q -s -p no:randomly

test-browser: $(INSTALLED) system-deps webchat  ## the web widget and rasa-webchat in Debian's Chromium (Playwright)
	$(PY) -m pytest tests/browser -q

bench: $(INSTALLED) train        ## load table (embedded, 1 and 2 replicas, stock bot; 1-200 at once), memory, training time (~10 min; QUICK=1 ~5)
	$(PY) -m bench $(if $(QUICK),--quick)

migrate: $(INSTALLED)            ## upgrade the database schema to the newest migration (make run does it too)
	$(PY) -m horizon.cli migrate

import: $(INSTALLED)             ## load the organisation's CSV export: make import FILE=export.csv
	$(PY) -m horizon.cli import $(FILE)

deliver: $(INSTALLED)            ## send volunteer notifications that are due, retry failed ones (run from a timer)
	$(PY) -m horizon.cli deliver

purge: $(INSTALLED)              ## delete sign-ups, conversations and code requests past their retention (run daily)
	$(PY) -m horizon.cli purge

report: $(INSTALLED)             ## insights without personal data: make report [FROM=2026-11-01] [TO=2026-11-30] [OUT=var/insights/report.html]
	$(PY) -m horizon.cli report $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(OUT),--out $(OUT))

clean:
	rm -rf results models var
