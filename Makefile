# The README's two commands: `make run` and `make test`. Everything installs itself into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test install install-dev ingest serve bench eval lint browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# torch first and pinned: a looser requirement would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e .
	touch $@

# llama.cpp built for a portable CPU, from source and never from pip's wheel cache: a -march=native
# build emits AMX instructions on CPUs whose VM does not enable them, and crashes on its first batch.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --no-cache-dir --no-binary llama-cpp-python \
		"$$(sed -n 's/^ *"\(llama-cpp-python[^"]*\)",*$$/\1/p' pyproject.toml)"
	$(PY) -m pip install -e '.[dev,local-llm]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian's Chromium for the real-browser test (playwright drives it through executable_path),
# with CJK fonts so Chinese pages render as text in screenshots.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || \
		{ apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

ingest: install
	$(BIN)/rag-ingest data/guides

run: install
	$(BIN)/rag-ingest --if-empty data/guides
	$(BIN)/streamlit run streamlit_app.py --server.port 8501 --server.headless true

serve: install
	$(BIN)/rag-serve

test: install-dev browser
	$(PY) -m pytest

eval: install
	$(BIN)/rag-eval --docs ../shared/eval/emanual-s10 --qa ../shared/eval/emanual-s10/qa.jsonl
	$(BIN)/rag-eval --docs data/guides --qa data/eval/qa.jsonl --answers

bench: install
	$(PY) -m pip install -e '.[bench]'
	$(BIN)/rag-bench --chunks 10000,100000 --plot docs/bench.png

lint: install-dev
	$(BIN)/ruff check rag_app ingest tests streamlit_app.py

clean:
	rm -rf $(VENV) .rag
