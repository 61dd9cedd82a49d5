#!/usr/bin/env python3
"""Times folio against the tools people use, whole processes side by side in one run.

Driven by scripts/compare.sh (which installs the tools, builds folio and generates the corpus);
it can also be run on its own with the same options. For every task each contender runs once
untimed (a probe: it must succeed, and it warms the file cache), then the contenders alternate
(folio, reference, folio, reference ...) for --runs rounds. Each run is one process started with
posix_spawn and reaped with wait4, which gives its wall time, its CPU time (user + system, to the
microsecond) and its peak resident set size (the same figures `/usr/bin/time -v` reports, at a
resolution fine enough for a 10 ms process).

Prints a Markdown table (medians; peak RSS is the largest seen) with the date and machine.
"""

import argparse
import datetime
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folio", required=True, help="the folio binary (release build)")
    p.add_argument("--corpus", required=True, help="folder written by examples/gen_corpus.rs")
    p.add_argument("--work", required=True, help="scratch folder for outputs")
    p.add_argument("--runs", type=int, default=5, help="timed runs per contender (default 5)")
    p.add_argument("--batch-runs", type=int, default=3, help="timed runs of the many-files task")
    p.add_argument("--markdown2pdf", default="", help="markdown2pdf binary, if installed")
    p.add_argument("--pdf-engine", default="", help="pandoc --pdf-engine to compare on the article (e.g. weasyprint)")
    p.add_argument("--out", default="", help="also write the table to this file")
    p.add_argument("--large-book", default="", help="a larger book (same generator) for the memory slope")
    return p.parse_args()


class Run:
    def __init__(self, wall, cpu, rss_kb, status):
        self.wall, self.cpu, self.rss_kb, self.status = wall, cpu, rss_kb, status


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
RSS_FILE = ""  # set in main(), inside the work folder


def run_once(argv, env=None, log=None):
    """Starts argv, waits for it, returns its wall/CPU time (s), peak RSS (KiB) and exit code.

    Peak RSS comes from GNU time (`%M`) when it is installed: a process spawned straight from
    Python inherits Python's own high-water mark at exec (the kernel carries the old address
    space's maximum over), which would put a floor of ~15 MB under every small tool. GNU time is
    tiny, so what it reports is the child's own figure. Wall and CPU time come from wait4 (CPU
    includes the children of a shell loop, and GNU time's own fraction of a millisecond).
    """
    out = log if log else os.devnull
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    command = [GNU_TIME, "-f", "%M", "-o", RSS_FILE, *argv] if GNU_TIME else argv
    start = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, env or os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    rss = usage.ru_maxrss
    if GNU_TIME:
        try:
            with open(RSS_FILE) as f:
                rss = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return Run(wall, usage.ru_utime + usage.ru_stime, rss, os.waitstatus_to_exitcode(status))


class Contender:
    def __init__(self, tool, argv, env=None, label_note=""):
        self.tool, self.argv, self.env, self.note = tool, argv, env, label_note
        self.runs = []
        self.unavailable = ""


class Task:
    def __init__(self, name, input_bytes, contenders, runs, target=""):
        self.name, self.input_bytes, self.contenders, self.runs, self.target = (
            name, input_bytes, contenders, runs, target)


def shell(command):
    return ["sh", "-c", command]


def probe(contender, work):
    log = os.path.join(work, "probe.log")
    try:
        run = run_once(contender.argv, contender.env, log)
    except OSError as e:
        contender.unavailable = f"cannot start: {e}"
        return
    if run.status != 0:
        with open(log, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
        reason = lines[-1] if lines else "no message"
        contender.unavailable = f"exit {run.status}: {reason[:120]}"


def measure(task, work):
    for c in task.contenders:
        probe(c, work)
        state = "not available (" + c.unavailable + ")" if c.unavailable else "ok"
        print(f"  probe {task.name} / {c.tool}: {state}", file=sys.stderr, flush=True)
    live = [c for c in task.contenders if not c.unavailable]
    if task.contenders[0].unavailable:
        # Nothing to compare against: don't spend minutes timing the reference alone.
        for c in live:
            c.unavailable = "not timed: folio cannot do this task yet"
        return
    for i in range(task.runs):
        for c in live:  # alternate: folio, reference, folio, reference ...
            if c.unavailable:
                continue
            try:
                run = run_once(c.argv, c.env)
            except OSError as e:
                c.unavailable = f"timed run {i + 1} could not start: {e}"
                continue
            if run.status != 0:
                c.unavailable = f"exit {run.status} in timed run {i + 1}"
                continue
            c.runs.append(run)
    for c in live:
        if c.runs:
            ms = statistics.median(r.wall for r in c.runs) * 1000
            print(f"  {task.name} / {c.tool}: median {ms:.1f} ms over {len(c.runs)} runs",
                  file=sys.stderr, flush=True)


def version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        text = (out.stdout or out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def fmt_ratio(value):
    if value >= 100:
        return f"{value:.0f}×"
    if value >= 10:
        return f"{value:.1f}×"
    return f"{value:.2f}×"


def table(tasks):
    rows = ["| task | tool | median wall ms | median CPU ms | peak RSS MB | folio speed-up (wall) | (CPU) | target |",
            "|---|---|---:|---:|---:|---:|---:|---|"]
    for task in tasks:
        folio = next((c for c in task.contenders if c.tool.startswith("folio") and c.runs), None)
        for c in task.contenders:
            if not c.runs:
                why = "not available" if c is task.contenders[0] else "not timed"
                rows.append(f"| {task.name} | {c.tool}{c.note} | — | — | — | {why} | | {task.target if c is task.contenders[0] else ''} |")
                continue
            wall = statistics.median(r.wall for r in c.runs) * 1000
            cpu = statistics.median(r.cpu for r in c.runs) * 1000
            rss = max(r.rss_kb for r in c.runs) * 1024 / 1e6  # MB of 10^6 bytes, as input sizes
            if folio is None or c is folio:
                ratio_wall = ratio_cpu = "1" if c is folio else "—"
            else:
                f_wall = statistics.median(r.wall for r in folio.runs) * 1000
                f_cpu = statistics.median(r.cpu for r in folio.runs) * 1000
                ratio_wall = fmt_ratio(wall / f_wall)
                ratio_cpu = fmt_ratio(cpu / f_cpu) if f_cpu > 0 else "—"
            target = task.target if c is task.contenders[0] else ""
            rows.append(f"| {task.name} | {c.tool}{c.note} | {wall:.1f} | {cpu:.1f} | {rss:.1f} | {ratio_wall} | {ratio_cpu} | {target} |")
    return "\n".join(rows)


def main():
    a = parse_args()
    corpus, work = os.path.abspath(a.corpus), os.path.abspath(a.work)
    folio = os.path.abspath(a.folio)
    os.makedirs(work, exist_ok=True)
    global RSS_FILE
    RSS_FILE = os.path.join(work, "peak-rss")
    out = lambda name: os.path.join(work, name)
    src = lambda name: os.path.join(corpus, name)
    size = lambda name: os.path.getsize(src(name))
    has_pandoc = shutil.which("pandoc") is not None
    load_start = os.getloadavg()
    tasks = []

    # Markdown → HTML and → EPUB on the book, against pandoc (standalone page both sides; pandoc
    # keeps TeX math as text with --mathjax, like folio does, instead of converting it).
    html = [Contender("folio", [folio, src("book.md"), "-o", out("folio-book.html")])]
    epub = [Contender("folio", [folio, src("book.md"), "-o", out("folio-book.epub")])]
    if has_pandoc:
        html.append(Contender("pandoc", ["pandoc", "--quiet", "--mathjax", "-s", src("book.md"), "-o", out("pandoc-book.html")]))
        epub.append(Contender("pandoc", ["pandoc", "--quiet", src("book.md"), "-o", out("pandoc-book.epub")]))
    book_mb = size("book.md") / 1e6
    tasks.append(Task(f"book ({book_mb:.1f} MB) → HTML", size("book.md"), html, a.runs, "≥ 100× pandoc"))
    tasks.append(Task(f"book ({book_mb:.1f} MB) → EPUB", size("book.md"), epub, a.runs, "≥ 50× pandoc"))

    # Markdown → PDF on the book against markdown2pdf; on the article against pandoc + an HTML
    # PDF engine if one is installed.
    pdf = [Contender("folio", [folio, src("book.md"), "-o", out("folio-book.pdf")])]
    if a.markdown2pdf:
        pdf.append(Contender("markdown2pdf", [a.markdown2pdf, "-q", "-p", src("book.md"), "-o", out("m2p-book.pdf")]))
    tasks.append(Task(f"book ({book_mb:.1f} MB) → PDF", size("book.md"), pdf, a.runs, "≥ 3× markdown2pdf"))
    if has_pandoc and a.pdf_engine:
        article = [Contender("folio", [folio, src("article.md"), "-o", out("folio-article.pdf")]),
                   Contender(f"pandoc --pdf-engine={a.pdf_engine}",
                             ["pandoc", "--quiet", f"--pdf-engine={a.pdf_engine}", src("article.md"), "-o", out("pandoc-article.pdf")])]
        # An HTML-to-PDF engine is slow: as few runs as the many-files task.
        tasks.append(Task(f"article ({size('article.md') / 1e3:.0f} KB) → PDF", size("article.md"), article, a.batch_runs))
    one_page = [Contender("folio", [folio, src("note.md"), "-o", out("folio-note.pdf")])]
    if a.markdown2pdf:
        one_page.append(Contender("markdown2pdf", [a.markdown2pdf, "-q", "-p", src("note.md"), "-o", out("m2p-note.pdf")]))
    tasks.append(Task("one page → PDF", size("note.md"), one_page, a.runs, "folio < 20 ms"))

    # Many small files to HTML: folio in one call (if it takes several inputs), else a folio
    # loop, labelled so; against a shell loop of pandoc, the way people script it.
    notes = sorted(f for f in os.listdir(src("notes")) if f.endswith(".md"))
    note_paths = [os.path.join(src("notes"), f) for f in notes]
    batch_dir, loop_dir, pandoc_dir = out("batch"), out("folio-loop"), out("pandoc-loop")
    for d in (batch_dir, loop_dir, pandoc_dir):
        os.makedirs(d, exist_ok=True)
    help_text = subprocess.run([folio, "--help"], capture_output=True, text=True).stdout
    many = []
    if "--output-dir" in help_text:
        quiet = ["--quiet"] if "--quiet" in help_text else []
        batch = [folio, "-t", "html", "--output-dir", batch_dir, *quiet, *note_paths]
        many.append(Contender("folio", batch, label_note=" (one call)"))
        one_thread = dict(os.environ, RAYON_NUM_THREADS="1")
        many.append(Contender("folio", batch, env=one_thread, label_note=" (one call, RAYON_NUM_THREADS=1)"))
    else:
        loop = f'for f in {shlex.quote(src("notes"))}/*.md; do {shlex.quote(folio)} "$f" -o {shlex.quote(loop_dir)}/"$(basename "$f" .md)".html || exit 1; done'
        many.append(Contender("folio", shell(loop), label_note=" (shell loop: no batch mode yet)"))
    if has_pandoc:
        loop = f'for f in {shlex.quote(src("notes"))}/*.md; do pandoc --quiet -s "$f" -o {shlex.quote(pandoc_dir)}/"$(basename "$f" .md)".html || exit 1; done'
        many.append(Contender("pandoc", shell(loop), label_note=" (shell loop)"))
    total = sum(os.path.getsize(p) for p in note_paths)
    tasks.append(Task(f"{len(notes)} notes → HTML", total, many, a.batch_runs, "≥ 100× pandoc loop"))

    started = time.time()
    for task in tasks:
        print(f"{task.name}:", file=sys.stderr, flush=True)
        measure(task, work)
    elapsed = time.time() - started
    load_end = os.getloadavg()

    folio_version = version([folio, "--version"])
    lines = [
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
        f"({cpu_model()}), {platform.system()} {platform.release()}; load average {load_start[0]:.1f} at start, "
        f"{load_end[0]:.1f} at end; {a.runs} runs per contender ({a.batch_runs} for the many-files task), "
        f"alternating; {elapsed:.0f} s in all.",
        f"Versions: {folio_version} (git {git_rev()}), {version(['pandoc', '--version'])}"
        + (f", {version([a.markdown2pdf, '--version'])}" if a.markdown2pdf else ", markdown2pdf not installed") + ".",
        f"Inputs: generated by examples/gen_corpus.rs (book {size('book.md')} bytes, article {size('article.md')} bytes, "
        f"one page {size('note.md')} bytes, {len(notes)} notes of {total // max(len(notes), 1)} bytes on average).",
        "",
        table(tasks),
        "",
    ]
    folio_html = next((c for c in tasks[0].contenders if c.tool == "folio" and c.runs), None)
    if folio_html:
        lines.extend(memory_lines(folio, folio_html, src("book.md"), a.large_book, out))
    if load_start[0] > (os.cpu_count() or 1) or load_end[0] > (os.cpu_count() or 1):
        lines.append("The machine was busy with other work (load above its core count): wall times are "
                     "inflated for every tool alike; CPU times are the steadier comparison.")
    report = "\n".join(lines)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")


def memory_lines(folio, folio_html, book, large_book, out):
    """The memory line under the table: folio's Markdown → HTML peak RSS against the input size.

    The target reads "under 5× the input plus a few MB", a line: a fixed cost (the binary's pages,
    the C library, the thread pool, the writer's buffers) plus a cost per input byte. An empty
    file shows the process image alone; a second, larger book gives the cost per byte as the
    slope between the two books, apart from whatever fixed cost only a real document touches.
    Sizes are in MB of 10^6 bytes on both sides, so ratios are plain byte ratios.
    """
    mb = lambda kib: kib * 1024 / 1e6
    runs = lambda argv: statistics.median(run_once(argv).rss_kb for _ in range(5))
    book_mb = os.path.getsize(book) / 1e6
    peak = mb(statistics.median(r.rss_kb for r in folio_html.runs))
    empty = out("empty.md")
    open(empty, "w").close()
    image = mb(runs([folio, empty, "-o", out("empty.html")]))
    growth = peak - image
    lines = [f"folio Markdown → HTML peak memory (medians): {peak:.1f} MB for the {book_mb:.1f} MB book; "
             f"the same run on an empty file peaks at {image:.1f} MB, so the book costs "
             f"{growth:.1f} MB over it, {growth / book_mb:.1f}× its size."]
    if large_book and os.path.isfile(large_book):
        large_mb = os.path.getsize(large_book) / 1e6
        large_peak = mb(runs([folio, large_book, "-o", out("large.html")]))
        slope = (large_peak - peak) / (large_mb - book_mb)
        fixed = peak - slope * book_mb
        lines.append(f"A {large_mb:.1f} MB book peaks at {large_peak:.1f} MB: each input MB costs "
                     f"{slope:.2f} MB, on a fixed {fixed:.1f} MB "
                     f"(target: under 5× the input plus a few MB).")
    return lines


def git_rev():
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        rev = out.stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                               cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
        return rev + ("+changes" if dirty else "") if rev else "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
