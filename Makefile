# Horizon's front door. `make run` and `make test` work on a fresh machine; see README.md.
SHELL := /bin/bash
PYTHON310 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.10.13/bin/python3.10 \
             $(HOME)/.pyenv/versions/3.10.13/bin/python3.10) $(shell command -v python3.10))
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONWARNINGS ?= ignore

.PHONY: run test check train shell validate bench install system-deps test-unit test-stories test-nlu cross-validate test-e2e test-browser fuzz import deliver purge migrate clean

run: $(INSTALLED)               ## install what is missing, train if the data changed, start everything
	$(PY) -m bot.launcher

test: $(INSTALLED) system-deps check validate train test-unit test-stories test-nlu test-e2e test-browser  ## everything, from nothing

install: $(INSTALLED)

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<24"
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

system-deps:                     ## Debian's Chromium for the widget's browser tests
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

train: $(INSTALLED)              ## train only if the training data or config changed
	$(PY) -m bot.training

check: $(INSTALLED)              ## lint, format, types and the import rules between packages
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

validate: $(INSTALLED)
	$(PY) -m rasa data validate --domain domain --data data

shell: $(INSTALLED) train        ## talk to the bot in the terminal
	$(PY) -m bot.launcher --no-train --shell

test-unit: $(INSTALLED)
	$(PY) -m pytest tests/unit -q

test-stories: $(INSTALLED)
	$(PY) -m rasa test core --model models/horizon.tar.gz --stories tests/stories \
		--fail-on-prediction-errors --out results/stories

test-nlu: $(INSTALLED)          ## the held-out sets: first that they repeat no training sentence, then the gates
	$(PY) -m tests.evaluation_overlap --evaluation tests/nlu tests/answers tests/retrieval tests/language --training data/nlu
	$(PY) -m tests.retrieval_eval
	$(PY) -m tests.language_eval --quiet
	$(PY) -m rasa test nlu --model models/horizon.tar.gz --nlu tests/nlu --out results/nlu
	$(PY) -m tests.nlu_gate results/nlu/intent_report.json --min-accuracy 0.95

cross-validate: $(INSTALLED)    ## 5-fold cross-validation on the training data (12 min on 2 shared cores: not in make test)
	$(PY) -m rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --out results/nlu-cv

test-e2e: $(INSTALLED)
	$(PY) -m pytest tests/e2e -q

fuzz: $(INSTALLED) train         ## 5,000 hypothesis examples per endpoint (REST webhook, action server); make test runs 200
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-5000} $(PY) -m pytest tests/e2e/test_fuzz.py -q -s -p no:randomly

test-browser: $(INSTALLED) system-deps   ## the web widget in Debian's Chromium (Playwright)
	$(PY) -m pytest tests/browser -q

bench: $(INSTALLED) train        ## latency, throughput, memory, start-up and training time vs. the stock bot
	$(PY) -m bench

migrate: $(INSTALLED)            ## upgrade the database schema to the newest migration (make run does it too)
	$(PY) -m horizon.cli migrate

import: $(INSTALLED)             ## load the organisation's CSV export: make import FILE=export.csv
	$(PY) -m horizon.cli import $(FILE)

deliver: $(INSTALLED)            ## send volunteer notifications that are due, retry failed ones (run from a timer)
	$(PY) -m horizon.cli deliver

purge: $(INSTALLED)              ## delete sign-ups, conversations and code requests past their retention (run daily)
	$(PY) -m horizon.cli purge

clean:
	rm -rf results models var
