# Set-up is part of every target: `make run` and `make test` work on a fresh clone.
# torch comes first, pinned to the CPU wheel here; pyproject.toml keeps a range for GPU machines
# (override with `make TORCH_SPEC="torch>=2.2" ...`).
PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
STAMP := .make/installed

.PHONY: install run test test-all bench lint

$(STAMP): pyproject.toml
	$(PYTHON) -m pip install "$(TORCH_SPEC)"
	$(PYTHON) -m pip install -e ".[dev,slurm]"
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
