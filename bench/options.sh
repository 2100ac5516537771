#!/bin/bash
# Issue 21's option measurements: gold-token UPOS accuracy on the seven multilingual treebanks,
# one seed, the defaults and each option (docs/benchmarks.md, "Options measured on the
# multilingual suite"). Needs the train/dev files that `make bench-rawtext` writes to
# out/bench-rawtext. Usage: [SEED=N] [CONFIGS="base crf ..."] [TREEBANKS="fr fi ..."]
# bench/options.sh [MULTI_DIR]; results: out/options/seedN/*.json.
# (--embed-size and --aux-weight have been removed since: their rows cannot be rerun.)
set -u
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
D=${1:-../shared/data/ud-multilingual}
B=out/bench-rawtext
SEED=${SEED:-1}
O=out/options/seed$SEED
mkdir -p $O
declare -A TR DV EV
TR[fr]=$B/fr/train-90.conllu; DV[fr]=$B/fr/dev-10.conllu; EV[fr]=$D/UD_French-GSD/fr_gsd-ud-test.conllu
TR[de]=$B/de/train-90.conllu; DV[de]=$B/de/dev-10.conllu; EV[de]=$D/UD_German-GSD/de_gsd-ud-dev.conllu
TR[zh]=$B/zh/train-90.conllu; DV[zh]=$B/zh/dev-10.conllu; EV[zh]=$D/UD_Chinese-GSDSimp/zh_gsdsimp-ud-test.conllu
TR[ja]=$B/ja/train-90.conllu; DV[ja]=$B/ja/dev-10.conllu; EV[ja]=$D/UD_Japanese-GSD/ja_gsd-ud-dev.conllu
TR[vi]=$D/UD_Vietnamese-VTB/vi_vtb-ud-train.conllu; DV[vi]=$D/UD_Vietnamese-VTB/vi_vtb-ud-dev.conllu; EV[vi]=$D/UD_Vietnamese-VTB/vi_vtb-ud-test.conllu
TR[ga]=$B/ga/train-90.conllu; DV[ga]=$B/ga/dev-10.conllu; EV[ga]=$D/UD_Irish-IDT/ga_idt-ud-dev.conllu
TR[fi]=$B/fi/train-90.conllu; DV[fi]=$B/fi/dev-10.conllu; EV[fi]=$D/UD_Finnish-TDT/fi_tdt-ud-dev.conllu
declare -A CF
CF[base]=""
CF[crf]="--crf"
CF[indrop]="--input-dropout 0.1"
CF[stride2]="--adversarial-stride 2"
CF[lean]="--features lean"
CF[cased]="--features cased"
for cfg in ${CONFIGS:-base crf indrop stride2 lean cased}; do
  for tb in ${TREEBANKS:-fr de zh ja vi ga fi}; do
    out=$O/$tb-$cfg
    [ -f $out.json ] && continue
    t0=$(date +%s.%N)
    .venv/bin/postag train ${TR[$tb]} --dev ${DV[$tb]} -o $out.npz --no-tokenizer --force -q --skip-gradcheck --seed $SEED ${CF[$cfg]} || { echo "$tb $cfg train failed"; continue; }
    t1=$(date +%s.%N)
    .venv/bin/postag evaluate ${EV[$tb]} -m $out.npz --json > $out.eval.json
    python3 -c "import json,sys; d=json.load(open('$out.eval.json')); print(json.dumps({'tb':'$tb','cfg':'$cfg','seed':$SEED,'acc':d.get('accuracy'),'train_s':round($t1-$t0,1)}))" > $out.json
    cat $out.json
    rm -f $out.npz
  done
done
