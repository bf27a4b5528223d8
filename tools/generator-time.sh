#!/usr/bin/env bash
# Times the generator at an earlier commit against the working tree's, in one BenchmarkDotNet run
# (tests/DenseGen.Benchmarks/GeneratorBenchmarks.cs: 100 layers and a network, cold and after an unrelated edit).
#
#   tools/generator-time.sh [BEFORE_COMMIT] [benchmark options, e.g. --quick]
#
# BEFORE_COMMIT defaults to 524907f, main just before the kind-neutral layer contract.
set -euo pipefail

before=524907f
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  before=$1
  shift
fi

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
generator=generator/DenseGen.Generator
dll=bin/Release/netstandard2.0/DenseGen.Generator.dll

# The earlier commit is built in a worktree of its own, so the working tree (and its uncommitted changes) stays as it is.
scratch=$(mktemp -d)
cleanup() {
  git worktree remove --force "$scratch/before" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
git worktree add --detach "$scratch/before" "$before"
dotnet build -c Release "$scratch/before/$generator"
dotnet build -c Release "$generator"

# Tiered compilation off: both generators run on the one Roslyn in this process, and with tiering on its code is still
# being recompiled while the first generator is measured, which favours whichever runs second (by about 2x on the edit).
DOTNET_TieredCompilation=0 DENSEGEN_BENCH_GENERATORS="before=$scratch/before/$generator/$dll;after=$root/$generator/$dll" \
  dotnet run -c Release --project tests/DenseGen.Benchmarks -- --filter '*GeneratorBenchmarks*' "$@"
