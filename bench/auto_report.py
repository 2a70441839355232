"""auto_report.py RESULTS: the table of bench/auto.sh, and where the time of
each flow's median run after a change goes, read from its timestamped log
(bench/timestamp.py; BuildKit's plain progress output):

  go       Go compiles: xbuild's host `go build` group (from its header to
           its `ok`); for the Makefile flow the `RUN ... go build` steps
           (first start to last end: the platforms run concurrently)
  start    from the `docker buildx build` command to BuildKit's first step
  context  sending build contexts (`load build context`, `load from client`)
  export   `exporting to image` until its first `pushing` line
  push     from there to the end of the export, plus `pushing ... with docker`
  other    the rest: xbuild's cross rewrite and engine probe, resolving base
           images, COPY steps, make's sed line, process start and exit

Intervals of one kind are merged (concurrent steps are counted once); kinds
may still overlap a little (a context is sent while Go still compiles), so
the parts are what each kind took on the wall clock, not an exact partition.
"""
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^\s*([0-9.]+) (.*)$")
VERTEX = re.compile(r"^#(\d+) (.*)$")


def parse(path):
    lines = []
    for raw in open(path, encoding="utf-8", errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if m:
            lines.append((float(m.group(1)), m.group(2)))
    return lines


def merge(intervals):
    total, end = 0.0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def breakdown(path):
    lines = parse(path)
    total = lines[-1][0] if lines else 0.0
    first, last, name = {}, {}, {}
    push_start = {}
    build_cmd = None
    first_step = None
    go_host = []
    go_open = None
    for t, text in lines:
        if go_open is None and text.startswith("==> [") and "go build on the host" in text:
            go_open = t
        elif go_open is not None and text.startswith("    ok ("):
            go_host.append((go_open, t))
            go_open = None
        if build_cmd is None and (
            re.match(r"^==> \[\d+/\d+\] build$", text) or "buildx build" in text and not text.startswith("#")
        ):
            build_cmd = t
        m = VERTEX.match(text)
        if not m:
            continue
        v, rest = int(m.group(1)), m.group(2)
        if v > 0 and first_step is None:
            first_step = t
        if v not in first:
            first[v] = t
            name[v] = rest
        last[v] = t
        if rest.startswith("pushing") and v not in push_start and "exporting to image" in name[v]:
            push_start[v] = t
    kinds = defaultdict(list)
    for v, label in name.items():
        span = (first[v], last[v])
        if "go build" in label:
            kinds["go"].append(span)
        elif "load build context" in label or "load from client" in label:
            kinds["context"].append(span)
        elif "exporting to image" in label:
            p = push_start.get(v, last[v])
            kinds["export"].append((first[v], p))
            kinds["push"].append((p, last[v]))
        elif label.startswith("pushing ") and "with docker" in label:
            kinds["push"].append(span)
    kinds["go"].extend(go_host)
    if build_cmd is not None and first_step is not None:
        kinds["start"].append((build_cmd, first_step))
    parts = {k: merge(kinds[k]) for k in ("go", "start", "context", "export", "push")}
    parts["other"] = max(0.0, total - sum(parts.values()))
    return total, parts


def main():
    rows = defaultdict(lambda: {"cold": [], "change": []})
    for line in open(sys.argv[1]):
        n, flow, kind, secs, log = line.rstrip("\n").split("\t")
        rows[(int(n), flow)][kind].append((float(secs), log))
    names = {"makefile": "Makefile flow (make docker-buildx-default)", "xbuild": "xbuild docker-buildx (defaults)"}
    print(f"| {'platforms':>9} | {'flow':<42} | {'cold s':>7} | {'change s (median)':>17} | {'vs Makefile':>11} |")
    print(f"|{'-'*10}:|{'-'*44}|{'-'*8}:|{'-'*18}:|{'-'*12}:|")
    goals = []
    for n in sorted({k[0] for k in rows}):
        base = None
        for flow in ("makefile", "xbuild"):
            r = rows[(n, flow)]
            cold = r["cold"][0][0]
            change = statistics.median(s for s, _ in r["change"])
            if flow == "makefile":
                base = change
            print(f"| {n:>9} | {names[flow]:<42} | {cold:>7.1f} | {change:>17.1f} | {change / base:>11.3f} |")
            if flow == "xbuild":
                goals.append((n, change, base))
    print()
    for n, x, m in goals:
        verdict = "met" if x <= 0.10 * m else "NOT met"
        print(f"goal, {n} platforms: xbuild after a change <= 0.10x the Makefile flow: {x:.1f}s vs {0.10 * m:.1f}s -> {verdict} ({m / x:.1f}x faster)")
    print()
    print("where the time goes (s), the median run after a change; cold runs after it:")
    print(f"| {'platforms':>9} | {'flow':<8} | {'run':<6} | {'total':>6} | {'go':>5} | {'start':>5} | {'context':>7} | {'export':>6} | {'push':>5} | {'other':>5} |")
    print(f"|{'-'*10}:|{'-'*10}|{'-'*8}|{'-'*7}:|{'-'*6}:|{'-'*6}:|{'-'*8}:|{'-'*7}:|{'-'*6}:|{'-'*6}:|")
    for n in sorted({k[0] for k in rows}):
        for kind in ("change", "cold"):
            for flow in ("makefile", "xbuild"):
                runs = sorted(rows[(n, flow)][kind])
                _, log = runs[(len(runs) - 1) // 2]
                total, p = breakdown(log)
                print(
                    f"| {n:>9} | {flow:<8} | {kind:<6} | {total:>6.1f} | {p['go']:>5.1f} | {p['start']:>5.1f} | {p['context']:>7.1f} | {p['export']:>6.1f} | {p['push']:>5.1f} | {p['other']:>5.1f} |"
                )
    print()
    for n in sorted({k[0] for k in rows}):
        for flow in ("makefile", "xbuild"):
            every = ", ".join(f"{s:.2f}" for s, _ in rows[(n, flow)]["change"])
            print(f"every run after a change, {n} platforms, {flow}: {every}")


if __name__ == "__main__":
    main()
