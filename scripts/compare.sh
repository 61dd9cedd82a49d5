#!/usr/bin/env bash
# Times folio against pandoc and markdown2pdf, whole processes side by side in one run.
#
#   scripts/compare.sh            # full run: ~2 MB book, 500 notes, 5 runs each (a few minutes)
#   scripts/compare.sh --quick    # ~250 KB book, 100 notes, 3 runs each (about a minute)
#   scripts/compare.sh --runs 9 --book-bytes 4000000 --notes 500 --out docs/latest.md
#   scripts/compare.sh --no-install   # use only what is already installed
#
# Installs what it needs when missing: pandoc and GNU time (apt-get), markdown2pdf (cargo install
# into .bench-cache/, git-ignored), optionally weasyprint (apt-get) for `pandoc --pdf-engine`.
# Builds folio in release, generates the corpus with examples/gen_corpus.rs into
# .bench-cache/corpus, then runs scripts/compare.py, which alternates the contenders run by run
# and prints a Markdown table (medians, peak RSS, speed-up ratios) with the date and machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="$repo/.bench-cache"
runs=5
batch_runs=3
book_bytes=2000000
notes=500
install=1
out=""
weasyprint=1

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) runs=3; batch_runs=1; book_bytes=250000; notes=100 ;;
        --runs) runs=$2; batch_runs=$2; shift ;;
        --book-bytes) book_bytes=$2; shift ;;
        --notes) notes=$2; shift ;;
        --out) out=$2; shift ;;
        --no-install) install=0 ;;
        --no-weasyprint) weasyprint=0 ;;
        -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '== %s\n' "$*" >&2; }

apt_install() {
    # apt-get needs root; say what is missing instead of failing when it cannot install.
    if [ "$install" = 0 ]; then return 1; fi
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then return 1; fi
    local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$@" >/dev/null 2>&1
    }
}

mkdir -p "$cache"

if ! command -v pandoc >/dev/null; then
    say "installing pandoc (apt-get)"
    apt_install pandoc || say "pandoc is not installed and could not be installed: its rows are skipped"
fi
if [ ! -x /usr/bin/time ]; then
    # compare.py measures with wait4 itself; GNU time is only for running things by hand.
    apt_install time || true
fi

markdown2pdf=""
if [ -x "$cache/bin/markdown2pdf" ]; then
    markdown2pdf="$cache/bin/markdown2pdf"
elif [ "$install" = 1 ]; then
    say "building markdown2pdf into $cache (cargo install, once; several minutes)"
    if cargo install markdown2pdf --locked --root "$cache" >"$cache/markdown2pdf-install.log" 2>&1; then
        markdown2pdf="$cache/bin/markdown2pdf"
    else
        say "markdown2pdf could not be built here (see $cache/markdown2pdf-install.log): its rows are skipped"
    fi
fi

pdf_engine=""
if [ "$weasyprint" = 1 ] && command -v pandoc >/dev/null; then
    if ! command -v weasyprint >/dev/null; then
        say "installing weasyprint (apt-get) for pandoc --pdf-engine=weasyprint"
        apt_install weasyprint || true
    fi
    command -v weasyprint >/dev/null && pdf_engine=weasyprint
fi

say "building folio (release)"
(cd "$repo" && cargo build --release --quiet --bin folio --example gen_corpus)

# The folder name carries the generator's hash, so a changed generator means a fresh corpus.
gen_hash=$(sha1sum "$repo/benches/gen/mod.rs" | cut -c1-10)
corpus="$cache/corpus-$gen_hash-$book_bytes-$notes"
if [ ! -f "$corpus/book.md" ] || [ ! -d "$corpus/notes" ]; then
    say "generating the corpus into $corpus"
    rm -rf "$corpus"
    "$repo/target/release/examples/gen_corpus" "$corpus" --book-bytes "$book_bytes" --notes "$notes"
fi

# A book four times larger, for the memory line: the peak at two sizes gives the cost per input
# byte apart from the fixed cost of the process.
large="$corpus/large"
if [ ! -f "$large/book.md" ]; then
    "$repo/target/release/examples/gen_corpus" "$large" --book-bytes $((book_bytes * 4)) --notes 1
fi

mkdir -p "$cache/work"
work=$(mktemp -d "$cache/work/run.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "timing (alternating runs; progress below, table at the end)"
python3 "$repo/scripts/compare.py" \
    --folio "$repo/target/release/folio" \
    --corpus "$corpus" \
    --large-book "$large/book.md" \
    --work "$work" \
    --runs "$runs" \
    --batch-runs "$batch_runs" \
    --markdown2pdf "$markdown2pdf" \
    --pdf-engine "$pdf_engine" \
    ${out:+--out "$out"}
