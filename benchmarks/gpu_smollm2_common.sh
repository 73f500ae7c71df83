# Sourced by the SmolLM2 GPU scripts (gpu_smollm2_knowledge.sh, gpu_smollm2_recipe.sh): environment,
# machine facts and the one-time GGUF conversion (runs converting at once would race), and
# `summary` (one line per run and variant: knowledge / probe / held-out / + RAG / retention).
# Wheels the machine lacks are expected in /tmp/site.
set -u
SRC=${SRC:-$PWD/src}
CONF=${CONF:-$PWD/configs}                       # the product recipes
BENCH_CONF=${BENCH_CONF:-$PWD/benchmarks/configs}  # the experiments' configs (they extend ../../configs/)
RUNS=${RUNS:-/tmp/runs}
LOGS=$RUNS/_logs
export PYTHONPATH=/tmp/site:$SRC HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
mkdir -p "$LOGS"
{
    date -u
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU"
    echo "cpus $(nproc --all)"
    python3 -V
} > "$LOGS/machine.txt"
python3 -c "from presstune.models.offline import converted_model as c; print(c('smollm2-135m-instruct'))" \
    >> "$LOGS/machine.txt" 2>&1 || { echo "conversion failed" >> "$LOGS/machine.txt"; exit 1; }

summary() {
    python3 - "$RUNS" <<'PY' | tee "$LOGS/summary.txt"
import json, pathlib, sys
runs = pathlib.Path(sys.argv[1])
keys = [("qa_train_contains", "knowledge"), ("qa_seen_contains", "as-trained"), ("qa_probe_contains", "probe"), ("qa_contains", "held-out"),
        ("rag_qa_train_contains", "+RAG"), ("retention_contains", "retention")]
for run in sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith("_")):
    for path in sorted((run / "metrics").glob("*.json")):
        metrics = json.loads(path.read_text()).get("metrics", {})
        cells = []
        for key, label in keys:
            m = metrics.get(key)
            value = m.get("value") if isinstance(m, dict) else None
            cells.append(f"{label} {value * 100:5.1f}%" if value is not None else f"{label}   n/a")
        print(f"{run.name:9s} {path.stem:18s} " + "  ".join(cells))
PY
}
