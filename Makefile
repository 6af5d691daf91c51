# Set-up is part of every target: `make run` and `make test` work on a fresh clone.
# torch is installed first and pinned; the index configured for pip decides which build comes
# (a CPU wheel here). Elsewhere choose one, e.g. `make TORCH_INDEX=https://download.pytorch.org/whl/cpu`,
# or `make TORCH_SPEC="torch>=2.6"` on a GPU machine; pyproject.toml keeps a range.
PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
STAMP := .make/installed

KENLM_VERSION ?= 0.3.0
LMPLZ := $(HOME)/.cache/vaezoo/bin/lmplz
KENLM_DEBS := cmake libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev \
	zlib1g-dev libbz2-dev liblzma-dev

.PHONY: install run test test-all bench lint kenlm report

$(STAMP): pyproject.toml
	$(PYTHON) -m pip install "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PYTHON) -m pip install -e ".[dev,slurm,graph,text]"
	mkdir -p .make && touch $(STAMP)

install: $(STAMP)

# KenLM's lmplz (builds the n-gram model of the generation metrics; the pip package only queries):
# built from KenLM's source distribution with cmake and Boost from Debian's packages.
kenlm: $(LMPLZ)

$(LMPLZ):
	dpkg -s $(KENLM_DEBS) >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q $(KENLM_DEBS))
	rm -rf .make/kenlm && mkdir -p .make/kenlm
	$(PYTHON) -m pip download --no-deps --no-binary :all: --no-build-isolation "kenlm==$(KENLM_VERSION)" -d .make/kenlm
	tar xzf .make/kenlm/kenlm-$(KENLM_VERSION).tar.gz -C .make/kenlm
	cmake -S .make/kenlm/kenlm-$(KENLM_VERSION) -B .make/kenlm/build -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build .make/kenlm/build --target lmplz -j2 >/dev/null
	install -D .make/kenlm/build/bin/lmplz $(LMPLZ)

run: $(STAMP)
	$(PYTHON) -m vaezoo

test: $(STAMP) kenlm
	$(PYTHON) -m pytest -n 2

test-all: $(STAMP) kenlm
	$(PYTHON) -m pytest -n 2 -m "slow or not slow"

bench: $(STAMP)
	$(PYTHON) -m benchmarks.run

# Every table of experiments/ and its status page experiments/README.md, from the committed records
# (experiments/report.yaml lists them).
report: $(STAMP)
	$(PYTHON) -m vaezoo.report.build experiments

lint: $(STAMP)
	$(PYTHON) -m ruff check vaezoo tests benchmarks scripts
