# Set-up is part of every target: `make run` and `make test` work on a fresh clone.
# torch is installed first and pinned; the index configured for pip decides which build comes
# (a CPU wheel here). Elsewhere choose one, e.g. `make TORCH_INDEX=https://download.pytorch.org/whl/cpu`,
# or `make TORCH_SPEC="torch>=2.2"` on a GPU machine; pyproject.toml keeps a range.
PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := .make/installed

.PHONY: install run test test-all bench lint

$(STAMP): pyproject.toml
	$(PYTHON) -m pip install "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PYTHON) -m pip install -e ".[dev,slurm,graph]"
	mkdir -p .make && touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PYTHON) -m vaezoo

test: $(STAMP)
	$(PYTHON) -m pytest -n 2

test-all: $(STAMP)
	$(PYTHON) -m pytest -n 2 -m "slow or not slow"

bench: $(STAMP)
	$(PYTHON) -m benchmarks.run

lint: $(STAMP)
	$(PYTHON) -m ruff check vaezoo tests benchmarks scripts
