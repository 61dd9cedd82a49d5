#!/usr/bin/env bash
# Batch benchmark (issue 6): N small Markdown documents to standalone HTML.
#   1. one `folio` call (rayon, default thread count)
#   2. the same call with RAYON_NUM_THREADS=1
#   3. a shell loop running `pandoc` once per file (what people do today)
# All three run in the same invocation on the same files; each is timed RUNS times and the best
# time is kept (the machine is shared, the best run is the least disturbed one).
#
# Usage: scripts/bench-batch.sh [N=500] [RUNS=5] [PANDOC_RUNS=1] [PARAGRAPHS=4]
# The pandoc loop takes about a minute and a half per run on 2 cores, so it runs once by default;
# PANDOC_RUNS=0 skips it. PARAGRAPHS sets the document size (4 ≈ 1.5 KB). Small documents make
# the run bound by file creation on disk, not CPU; `TMPDIR=/dev/shm` takes the disk out, and
# PARAGRAPHS=400 shows the CPU-bound thread scaling.
# Needs: cargo, pandoc (skipped with a note when missing).
set -euo pipefail

count=${1:-500}
runs=${2:-5}
pandoc_runs=${3:-1}
paragraphs=${4:-4}
root=$(cd "$(dirname "$0")/.." && pwd)

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
folio="$root/target/release/folio"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/docs"

# Small but not trivial documents: front matter, headings, lists, a table, code, a footnote.
for ((n = 0; n < count; n++)); do
  {
    printf -- '---\ntitle: Document %d\nauthor: Bench Writer\n---\n\n' "$n"
    printf '# Heading %d\n\nA paragraph with *emphasis*, **strong text**, `code` and a [link](https://example.org/%d).\n\n' "$n" "$n"
    printf -- '- first item\n- second item\n  - nested item\n\n'
    printf '| Column | Value |\n|--------|-------|\n| a | %d |\n| b | %d |\n\n' "$n" "$((n * 2))"
    printf '```python\nprint("hello %d")\n```\n\n' "$n"
    printf '## Section %d.1\n\n> A quotation with a note.[^1]\n\n[^1]: The note text.\n\n' "$n"
    for ((p = 0; p < paragraphs; p++)); do
      printf 'Paragraph %d of document %d. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.\n\n' "$p" "$n"
    done
  } >"$work/docs/doc-$n.md"
done

now() { date +%s.%N; }

# best_of NAME COMMAND…: runs COMMAND $runs times (fresh output folder each time), prints and
# records the best wall time in seconds.
declare -A best
best_of() {
  local name=$1
  shift
  local fastest=""
  for ((r = 0; r < runs; r++)); do
    rm -rf "$work/out"
    mkdir -p "$work/out"
    local start end elapsed
    start=$(now)
    "$@"
    end=$(now)
    elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    if [[ -z $fastest ]] || awk -v a="$elapsed" -v b="$fastest" 'BEGIN { exit !(a < b) }'; then
      fastest=$elapsed
    fi
  done
  best[$name]=$fastest
  printf '%-34s %8.3f s\n' "$name" "$fastest"
}

folio_batch() { (cd "$work" && "$folio" -r docs -t html --output-dir out --quiet); }
folio_single_thread() { (cd "$work" && RAYON_NUM_THREADS=1 "$folio" -r docs -t html --output-dir out --quiet); }
pandoc_loop() {
  (cd "$work" && for f in docs/*.md; do
    name=${f#docs/}
    pandoc --quiet -s -f markdown -t html5 "$f" -o "out/${name%.md}.html"
  done)
}

echo "folio batch benchmark: $count documents of $(du -sh "$work/docs" | cut -f1) to HTML in ${TMPDIR:-/tmp}, best of $runs runs (pandoc: $pandoc_runs), $(nproc) cores"
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (thread scaling means little when it exceeds the cores)"
echo "folio: $("$folio" --version), pandoc: $(pandoc --version 2>/dev/null | head -1 || echo missing)"
best_of "folio (one call, default threads)" folio_batch
produced=$(find "$work/out" -name '*.html' | wc -l)
[[ $produced -eq $count ]] || { echo "folio wrote $produced of $count files" >&2; exit 1; }
best_of "folio (one call, 1 thread)" folio_single_thread
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "speed-up of the batch, default threads vs RAYON_NUM_THREADS=1: $(ratio "${best[folio (one call, 1 thread)]}" "${best[folio (one call, default threads)]}")x"
if [[ $pandoc_runs -eq 0 ]]; then
  echo "pandoc loop skipped (PANDOC_RUNS=0)"
elif command -v pandoc >/dev/null; then
  runs=$pandoc_runs best_of "pandoc (shell loop, one per file)" pandoc_loop
  echo "speed-up of folio (one call) vs a pandoc loop: $(ratio "${best[pandoc (shell loop, one per file)]}" "${best[folio (one call, default threads)]}")x"
else
  echo "pandoc is not installed: the loop comparison was skipped"
fi
