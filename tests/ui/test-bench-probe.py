#!/usr/bin/python3
# test-bench-probe.py HELPER [--display]: the benchmark probe of
# ui/pf-bench-probe.c measures a blocked main loop, orders its marks, quits
# when told, writes JSON that parses, and costs nothing when not enabled.
# With --display (under Xvfb) also: it finds the list named "message-list",
# marks its first rows, scrolls it to the end and records the frames.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402

HELPER = sys.argv[1]
DISPLAY = "--display" in sys.argv
work = tempfile.TemporaryDirectory(prefix="pf-bench-probe-")


def run(mode, timeout=30, **env_vars):
    """Runs the helper with PF_BENCH_PROBE pointing at a fresh file and the
    given PF_BENCH_* variables; returns (report or None, stdout)."""
    path = os.path.join(work.name, f"{mode}.json")
    if os.path.exists(path):
        os.unlink(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PF_BENCH_")}
    env.update(env_vars)
    if "PF_BENCH_PROBE" not in env_vars:
        env["PF_BENCH_PROBE"] = path
    elif not env_vars["PF_BENCH_PROBE"]:
        del env["PF_BENCH_PROBE"]
    result = subprocess.run([HELPER, mode], env=env, capture_output=True, text=True,
                            timeout=timeout)
    check(result.returncode == 0, f"helper {mode} exited {result.returncode}: {result.stderr}")
    if not os.path.exists(path):
        return None, result.stdout
    with open(path) as f:
        return json.load(f), result.stdout


def marks(report):
    return [(m["event"], m["ms"]) for m in report["marks"]]


tap = Tap()
loop_report = {}


@tap.test("a 120 ms block of the main loop is measured as such")
def _():
    report, _ = run("loop", PF_BENCH_EXIT_AFTER="c")
    loop_report.update(report)
    gap = report["loop"]["max_ms"]
    check(100 <= gap < 400, f"max gap {gap} ms")
    check(report["loop"]["count"] >= 5, f"only {report['loop']['count']} samples")
    check(report["loop"]["over_16_ms"] >= 1, "the block is not counted over 16 ms")
    histogram = report["loop"]["histogram"]
    check(sum(b["count"] for b in histogram) == report["loop"]["count"],
          "the histogram does not add up to the samples")
    # The block falls into [64, 128) or [128, 256): in one of the top buckets.
    check(sum(b["count"] for b in histogram if b["below_ms"] in (128, 256)) >= 1,
          f"no sample in the 64-256 ms buckets: {histogram}")
    p = report["loop"]
    check(p["p50_ms"] <= p["p95_ms"] <= p["p99_ms"] <= p["max_ms"], f"percentiles out of order: {p}")


@tap.test("marks come in order, in ms since exec, and the exit mark quits")
def _():
    names = [name for name, _ in marks(loop_report)]
    check(names[:4] == ["probe-init", "a", "b", "c"], f"marks: {names}")
    times = [ms for _, ms in marks(loop_report)]
    check(times == sorted(times), f"times not increasing: {times}")
    check(0 < times[0] < 5000, f"init at {times[0]} ms since exec")
    b, a = times[2], times[1]
    check(b - a >= 120, f"a→b took {b - a} ms, less than the 120 ms block")
    check(loop_report["dump_ms"] >= times[-1], "dumped before the last mark")


@tap.test("peak RSS and RSS are reported")
def _():
    check(loop_report["peak_rss_kb"] >= loop_report["rss_kb"] > 1000,
          f"peak {loop_report['peak_rss_kb']} kB, now {loop_report['rss_kb']} kB")


@tap.test("PF_BENCH_TIMEOUT marks \"timeout\" and quits")
def _():
    report, _ = run("idle", timeout=20, PF_BENCH_TIMEOUT="0.3")
    names = [name for name, _ in marks(report)]
    check("timeout" in names, f"marks: {names}")
    check(report["loop"]["max_ms"] < 100, f"an idle loop blocked {report['loop']['max_ms']} ms")


@tap.test("without PF_BENCH_PROBE nothing is written")
def _():
    before = set(os.listdir(work.name)) - {"idle.json"}
    # The probe's timeout is not armed either: the helper quits on its own.
    report, _ = run("idle", timeout=20, PF_BENCH_PROBE="", PF_BENCH_TIMEOUT="0.3")
    check(report is None and set(os.listdir(work.name)) == before, "a report was written")


if DISPLAY:
    @tap.test("the list named message-list: first rows marked, scrolled to the end, frames")
    def _():
        report, out = run("scroll", timeout=60, PF_BENCH_SCROLL="1",
                          PF_BENCH_SCROLL_SECONDS="1.5", PF_BENCH_SCROLL_DELAY_MS="200",
                          PF_BENCH_EXIT_AFTER="scroll-done",
                          PF_BENCH_TIMEOUT="40")
        names = [name for name, _ in marks(report)]
        wanted = ["first-frame", "first-frame-with-rows", "scroll-start", "scroll-done"]
        check([n for n in names if n in wanted] == wanted, f"marks: {names}")
        check("timeout" not in names, "timed out")
        at = dict(marks(report))
        check(at["scroll-start"] >= at["first-frame-with-rows"] + 200,
              f"scrolling started {at['scroll-start'] - at['first-frame-with-rows']:.0f} ms "
              "after the first rows, not 200")
        check("bottom" in out, "the list was not scrolled to its end")
        frames = report["scroll_frames"]
        check(frames["count"] >= 10, f"{frames['count']} frames while scrolling")
        check(0 < frames["p50_ms"] <= frames["max_ms"], f"frame stats: {frames}")
        check(report["frames"]["count"] >= frames["count"], "frames fewer than scroll frames")
        # Each scroll frame's work; intervals only from the first scroll frame on
        work = report["scroll_work"]
        check(work["count"] == frames["count"] + 1,
              f"{work['count']} frames' work for {frames['count']} intervals")
        check(0 < work["p50_ms"] <= work["max_ms"], f"work stats: {work}")


sys.exit(tap.run())
