#!/usr/bin/env bash
# On the GPU machine (repository root): a sweep of the demo's knowledge recipe. The demo is built
# once (base, collect, corpus), then each experiment copies that run directory and re-runs
# corpus (if its corpus settings differ), train and evaluate of the `original` variant only, with
# its own --set overrides; experiments run side by side (the tiny model leaves the GPU idle).
# Prints one line per experiment: knowledge / probe / held-out QA (contains-answer) and the
# final train loss. Usage: SRC=<src dir> bash benchmarks/sweep_knowledge_demo.sh EXPERIMENTS_FILE
# where each line of EXPERIMENTS_FILE is "name --set k=v --set k=v ...".
set -u
SRC=${SRC:-$PWD/src}
export PYTHONPATH=/tmp/site:$SRC HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/sweep-out}
LOGS=/tmp/sweep/_logs
mkdir -p "$OUT" "$LOGS"
COMMON=(--set evaluate.device=cuda --set evaluate.se_clustering=none --set evaluate.include_base=false
        --set evaluate.generation_prompts=0 --set evaluate.speed_repeats=1
        --set 'variants=[{name: original, kind: original}]')
CONFIG=${CONFIG:-configs/demo.yaml}
t0=$(date +%s)
python3 -m presstune.cli run --config "$CONFIG" --run /tmp/sweep/_base --until corpus "${COMMON[@]}" \
    > "$LOGS/_base.log" 2>&1 || { echo "base build failed"; tail -30 "$LOGS/_base.log"; exit 1; }
echo "base built in $(( $(date +%s) - t0 )) s"
while read -r name args; do
    [ -z "$name" ] && continue
    case "$name" in \#*) continue;; esac
    ( cp -r /tmp/sweep/_base "/tmp/sweep/$name"
      eval "extra=($args)"
      timeout "${EXP_LIMIT:-480}" python3 -m presstune.cli run --config "$CONFIG" --run "/tmp/sweep/$name" \
          --from corpus "${COMMON[@]}" "${extra[@]}" > "$LOGS/$name.log" 2>&1
      echo "rc=$?" >> "$LOGS/$name.log" ) &
done < "$1"
wait
echo "all done in $(( $(date +%s) - t0 )) s"
python3 - "$1" <<'PY'
import json, sys, pathlib
for line in open(sys.argv[1]):
    name = line.split()[0] if line.strip() else ""
    if not name or name.startswith("#"):
        continue
    run = pathlib.Path("/tmp/sweep") / name
    m = run / "metrics" / "original.json"
    tr = run / "checkpoints" / "original" / "train_result.json"
    if not m.exists():
        print(f"{name:14s} no metrics"); continue
    d = json.loads(m.read_text())
    met = d.get("metrics", d)
    def v(k):
        x = met.get(k)
        return f"{x['value']*100:5.1f}%" if isinstance(x, dict) and x.get("value") is not None else "  n/a"
    t = json.loads(tr.read_text()) if tr.exists() else {}
    print(f"{name:14s} train {v('qa_train_contains')} as-trained {v('qa_seen_contains')} probe {v('qa_probe_contains')} held-out {v('qa_contains')} "
          f"rag {v('rag_qa_train_contains')} loss {t.get('final_train_loss', float('nan')):.3f} "
          f"tokens {t.get('tokens_seen')} steps {t.get('global_step')} train_s {t.get('train_seconds')}")
PY
# logs, metrics and train results of every experiment (no weights) in one archive
tar czf "$OUT/sweep.tgz" -C /tmp/sweep --exclude="*.safetensors" --exclude="*.pt" --exclude="*.bin" --exclude=html \
    --exclude=pdfs --exclude="events.out.*" --exclude="checkpoint-*" --exclude=extracted --exclude=cleaned .
