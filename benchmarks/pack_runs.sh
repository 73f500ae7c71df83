#!/usr/bin/env bash
# Packs the small files of every run under $RUNS (logs, run.json, metrics, reports, train results,
# dataset cards) into one $OUT/<name>.tgz: the device returns at most 8 files per call, and a run
# left on the machine is lost when the machine goes back (30 s idle). Call it in *every* polling
# call of a long background run, so each call brings back whatever is finished so far.
# Usage: RUNS=/tmp/runs OUT=$OUT bash benchmarks/pack_runs.sh [name]
set -u
RUNS=${RUNS:-/tmp/runs}
name=${1:-runs}
[ -n "${OUT:-}" ] || { echo "pack_runs: OUT is not set" >&2; exit 1; }
cd "$RUNS" || exit 1
# Globs that match nothing yet are skipped (a run still training has no metrics).
files=$(ls -d _logs */run.json */metrics */report/README.md */checkpoints/*/train_result.json \
    */checkpoints/*/loss_curve.csv */checkpoints/*/README.md */dataset/README.md */dataset/stats.json \
    */logs/run.log 2>/dev/null)
# shellcheck disable=SC2086
tar czf "$OUT/$name.tgz" $files && echo "packed $(echo "$files" | wc -l) paths into $name.tgz"
