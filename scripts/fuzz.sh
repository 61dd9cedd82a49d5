#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each (default 60), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly compiler; on stable, the script
# sets RUSTC_BOOTSTRAP=1, which lets stable rustc accept the sanitizer flags cargo-fuzz passes.
# Corpora grow in fuzz/corpus/<target> (git-ignored), seeded from the test data. A crash or
# timeout stops the run and leaves the input in fuzz/artifacts/<target>/; to keep it as a
# regression test:
#
#   cargo fuzz fmt <target> fuzz/artifacts/<target>/crash-…      # look at the input
#   cp fuzz/artifacts/<target>/crash-… tests/regression/<target>-<short-name>.bin
#   # add a named #[test] calling replay("<target>-<short-name>.bin") to tests/regression.rs
#   cargo test --test regression                                 # fails until fixed
set -euo pipefail

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(markdown_to_model text_to_model json_to_model markdown_to_html model_to_epub model_to_pdf)
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"
export RUSTC_BOOTSTRAP=1

# Seeds: the repository's own Markdown, text and JSON test data, plus fuzz/seeds.
seed() {
    local target="$1"; shift
    mkdir -p "corpus/$target"
    local file
    for file in "$@"; do
        [ -f "$file" ] && cp -n "$file" "corpus/$target/seed-$(basename "$file")"
    done
    return 0
}
shopt -s nullglob
# (The saved regression inputs are left out: they are large and slow every run down.)
markdown_seeds=("$root"/tests/golden/markdown/*.md "$root"/samples/*.md seeds/*.md)
text_seeds=("$root"/samples/*.txt "$root"/tests/golden/text/*.txt seeds/*.txt)
json_seeds=("$root"/tests/golden/markdown/*.json seeds/*.json)

cargo fuzz build -O
mkdir -p artifacts

status=0
for target in "${targets[@]}"; do
    case "$target" in
        text_to_model) seed "$target" "${text_seeds[@]}" "${markdown_seeds[@]}" ;;
        json_to_model) seed "$target" "${json_seeds[@]}" ;;
        *) seed "$target" "${markdown_seeds[@]}" ;;
    esac
    dict=()
    case "$target" in
        json_to_model) dict=(-dict=json.dict) ;;
        *) dict=(-dict=markdown.dict) ;;
    esac
    echo "== $target: ${seconds}s"
    # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: 2 GB is a blow-up.
    # One process, one thread (the default without -jobs/-workers).
    log="artifacts/$target.log"
    if ! cargo fuzz run -O "$target" -- -max_total_time="$seconds" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
        2> "$log"; then
        echo "!! $target found a problem; see fuzz/$log and fuzz/artifacts/$target/"
        status=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$log" || true
done
exit $status
