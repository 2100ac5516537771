# postag: `make demo` sets up and runs the sample job, `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EWT    ?= ../shared/data/ud-english-ewt
MULTI  ?= ../shared/data/ud-multilingual
OUT    := out

.PHONY: setup demo test lint docs bench-accuracy bench-speed bench-tokenizer bench-rawtext bench-cluster clean

$(BIN)/postag: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(BIN)/postag

demo: setup
	@mkdir -p $(OUT)
	$(BIN)/postag gradcheck --checks 10
	$(BIN)/postag train data/sample-train.conllu --dev data/sample-dev.conllu -o $(OUT)/demo-model.npz --epochs 20 --hidden 64 --force
	$(BIN)/postag tag data/sample.txt -m $(OUT)/demo-model.npz
	$(BIN)/postag evaluate data/sample-dev.conllu -m $(OUT)/demo-model.npz

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -m "not slow"

lint: setup
	$(BIN)/ruff check src tests bench

# docs/options.md, the option reference, from the commands' declarations (a test checks it)
docs: setup
	$(BIN)/python -m postag_cli.optiondoc > docs/options.md

# Long benchmarks (need UD English EWT in $(EWT)); never part of `make test`.
bench-accuracy: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check nltk
	$(BIN)/python bench/accuracy.py --ewt $(EWT) $(ARGS)

bench-speed: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check nltk
	$(BIN)/python bench/speed.py --ewt $(EWT) $(ARGS)

bench-tokenizer: setup
	$(BIN)/python bench/tokenizer_eval.py --treebank $(EWT)/en_ewt-ud-dev.conllu

# postag vs UDPipe 1 from raw text on EWT and the seven treebanks of $(MULTI); UDPipe's models and
# scores are cached in out/bench-rawtext/ (ARGS="--treebanks ga --systems postag", ...).
bench-rawtext: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ufal.udpipe
	$(BIN)/python bench/rawtext.py --ewt $(EWT) --data $(MULTI) $(ARGS)

# --jobs 1/2 vs --cluster local:2 vs a running Dask cluster on loopback, ~3M tokens of EWT text
# (needs the model of bench-rawtext, or ARGS="--model M.npz"; ARGS="--lock FILE" serialises runs).
bench-cluster: setup
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dask]'
	$(BIN)/python bench/cluster.py --ewt $(EWT) $(ARGS)

clean:
	rm -rf $(OUT) .pytest_cache build *.egg-info src/*.egg-info
