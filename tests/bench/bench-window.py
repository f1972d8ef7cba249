#!/usr/bin/python3
# bench-window.py CLI GUI [RUNS]: the main window opened on a large synced
# Inbox, as measured by the GUI's benchmark probe (ui/pf-bench-probe.h).
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run with tests/bench/run-bench-window: it starts Xvfb, a private D-Bus
# session and keyring, and the servers with the corpus in alice's Inbox.
#
# sync:     `postfach-cli sync --no-index` of the Inbox into a private profile
#           (once; not the subject here, printed for scale).
# launches: `postfach` started RUNS times on that profile with
#           PF_BENCH_EXIT_AFTER=first-frame-with-rows: it quits by itself
#           once the message list has painted its first rows. Times are
#           from exec, as the probe reads them from /proc/self/stat.
# scroll:   one more launch with PF_BENCH_SCROLL=1: the probe scrolls the
#           list from top to bottom in PF_BENCH_SCROLL_SECONDS (default 10)
#           and reports the intervals between frames meanwhile.
# A run that never reaches its mark ends after PF_BENCH_TIMEOUT seconds
# (default 60); what it did not reach is printed as not measured.
# PF_BENCH_PARTS=scroll,select,sync picks the parts after the launches;
# PF_BENCH_SCROLL_RUNS=N scrolls N times (default once).

import configparser
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pfbench  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
GUI = os.path.abspath(sys.argv[2])
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
# To compare scrolling with: a plain GTK list of the same size (bench-gtk-list.c)
GTK_LIST = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else None
TIMEOUT = float(os.environ.get("PF_BENCH_TIMEOUT", "60"))
LONG_BLOCK_MS = int(os.environ.get("PF_BENCH_LONG_BLOCK_MS", "50"))
# Scrolling starts this long after the first frame with rows: a person
# reacts to the rows appearing after 200 ms at the soonest, and the window
# finishes starting meanwhile (it gains the keyboard focus, which restyles
# every widget, and contacts the servers). 0 starts at that very frame.
SCROLL_DELAY_MS = int(os.environ.get("PF_BENCH_SCROLL_DELAY_MS", "300"))
SCROLL_SECONDS = float(os.environ.get("PF_BENCH_SCROLL_SECONDS", "10"))
# PF_BENCH_PARTS: which parts after the launches, of "scroll,select,sync"
PARTS = os.environ.get("PF_BENCH_PARTS", "scroll,select,sync").split(",")
# PF_BENCH_KEEP=1 keeps the profile and the probe reports.

servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
ALICE = servers["user:alice"]
SERVICE = servers["imap-plaintext"]
COUNT = int(servers["corpus"]["count"])

home = tempfile.mkdtemp(prefix="pf-bench-window-")
env = dict(os.environ)
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    env[name] = os.path.join(home, name.lower())
    os.makedirs(env[name])
for name in ("G_DEBUG", "G_SLICE", "MALLOC_CHECK_", "MALLOC_PERTURB_"):
    env.pop(name, None)
env["LC_ALL"] = "C.UTF-8"

gui_env = dict(env)
gui_env.update(GSETTINGS_BACKEND="memory", NO_AT_BRIDGE="1", GTK_A11Y="none",
               PF_BENCH_TIMEOUT=str(TIMEOUT))
gui_env.setdefault("GSK_RENDERER", "cairo")
for name in ("PF_BENCH_SCROLL", "PF_BENCH_EXIT_AFTER", "PF_BENCH_PROBE"):
    gui_env.pop(name, None)


def add_account():
    result = subprocess.run([CLI, "account", "add", "--name", "Bench", "--email", ALICE["address"],
                             "--kind", "imap", "--host", SERVICE["host"], "--port", SERVICE["port"],
                             "--security", "none", "--user", ALICE["login"]],
                            input=ALICE["password"] + "\n", capture_output=True, text=True,
                            env=env, check=True)
    return result.stdout.strip()


def launch(name, timeout=None, base_env=None, program=None, **extra):
    """Starts the GUI with the probe writing to a file of its own; waits for
    it to quit (or ends it after the timeout). Returns (the probe's report or
    None, wall seconds, peak RSS in MB from the kernel, whether it was ended)."""
    report_path = os.path.join(home, f"probe-{name}.json")
    run_env = dict(base_env or gui_env, PF_BENCH_PROBE=report_path, **extra)
    log = open(os.path.join(home, f"postfach-{name}.log"), "w")
    start = time.monotonic()
    # PF_BENCH_WRAPPER (e.g. "perf record -g -o FILE --"): what the GUI runs under.
    # PF_BENCH_WRAP_ONLY=NAME: only that run (launch-0, scroll, select, first-sync).
    wrapper = os.environ.get("PF_BENCH_WRAPPER", "").split()
    if os.environ.get("PF_BENCH_WRAP_ONLY", name) != name:
        wrapper = []
    process = subprocess.Popen(wrapper + (program or [GUI]), env=run_env, stdout=log,
                               stderr=subprocess.STDOUT)
    deadline = start + (timeout or TIMEOUT) + 30
    ended = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            break
        if time.monotonic() > deadline and not ended:
            process.send_signal(signal.SIGTERM)
            ended = True
            deadline += 10
        elif time.monotonic() > deadline:
            process.kill()
        time.sleep(0.02)
    elapsed = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    report = None
    if os.path.exists(report_path):
        with open(report_path) as f:
            report = json.load(f)
    return report, elapsed, usage.ru_maxrss / 1024, ended


def mark(report, event):
    for m in (report or {}).get("marks", []):
        if m["event"] == event:
            return m["ms"]
    return None


def median_line(label, values, unit="ms", scale=1.0):
    values = [v for v in values if v is not None]
    if not values:
        return f"  {label:34} not measured (no mark)"
    text = f"{statistics.median(values) * scale:8.0f} {unit}"
    if len(values) > 1:
        text += f"  (min {min(values) * scale:.0f}, max {max(values) * scale:.0f}, n={len(values)})"
    return f"  {label:34}{text}"


SELECT = int(os.environ.get("PF_BENCH_SELECT", "20"))


def select_messages():
    """The newest SELECT messages selected one after the other: until the
    text is on screen (the first frame after the body was built), or until
    an HTML part finished loading in its web view."""
    report, _, _, _ = launch("select", timeout=TIMEOUT + 5 * SELECT,
                             PF_BENCH_SELECT=str(SELECT), PF_BENCH_EXIT_AFTER="select-done",
                             PF_BENCH_TIMEOUT=str(TIMEOUT + 5 * SELECT))
    print(f"Selecting the {SELECT} newest messages one after the other (one run):")
    if report is None or mark(report, "select-done") is None:
        print("  not measured (no mark \"select-done\")")
        return
    plain, html = [], []
    for i in range(1, SELECT + 1):
        start = mark(report, f"select-{i}")
        if mark(report, f"html-{i}") is not None:
            html.append(mark(report, f"html-{i}") - start)
        elif mark(report, f"drawn-{i}") is not None:
            plain.append(mark(report, f"drawn-{i}") - start)
    preloaded = mark(report, "html-preloaded")
    if preloaded is not None:
        print(f"  (the web view had started {preloaded:.0f} ms after exec; selecting began then)")
    print(median_line("plain text, select → text drawn:", plain))
    if plain:
        print(f"  {'':34}max {max(plain):.0f} ms")
    if html:
        print(f"  {'HTML, first one → loaded:':34}{html[0]:8.0f} ms")
        print(median_line("HTML, the others → loaded:", html[1:]))
    else:
        print("  no HTML message among them")


def first_sync():
    """A first sync of the whole Inbox by the window itself, from an empty
    profile: how long the main loop was ever blocked meanwhile."""
    sync_env = dict(gui_env)
    cli_env = dict(env)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        sync_env[name] = cli_env[name] = os.path.join(home, "first-sync", name.lower())
        os.makedirs(sync_env[name])
    subprocess.run([CLI, "account", "add", "--name", "Bench", "--email", ALICE["address"],
                    "--kind", "imap", "--host", SERVICE["host"], "--port", SERVICE["port"],
                    "--security", "none", "--user", ALICE["login"]],
                   input=ALICE["password"] + "\n", capture_output=True, text=True,
                   env=cli_env, check=True)
    report, wall, rss, _ = launch("first-sync", timeout=600, base_env=sync_env,
                                  PF_BENCH_EXIT_AFTER="synced", PF_BENCH_TIMEOUT="600")
    print(f"The window's own first sync of {COUNT} messages (one run):")
    if report is None or mark(report, "synced") is None:
        print("  not measured (no mark \"synced\")")
        return
    loop = report["loop"]
    print(f"  synced after {mark(report, 'synced') / 1000:.1f} s; main loop's longest block "
          f"{loop['max_ms']:.0f} ms, p99 {loop.get('p99_ms', 0):.1f} ms, "
          f"{loop.get('over_16_ms', 0)} blocks over 16 ms; peak RSS {rss:.0f} MB")
    started = mark(report, "services-started")
    if started is not None:
        synced = mark(report, "synced")
        during = [b for b in report.get("long_blocks", [])
                  if b["ended_ms"] - b["ms"] >= started and b["ended_ms"] - b["ms"] < synced]
        print(f"  services started at {started:.0f} ms (after the first frame); blocks over "
              f"{LONG_BLOCK_MS} ms from then until synced: {len(during)}"
              + (f", longest {max(b['ms'] for b in during):.0f} ms" if during else ""))
    print_long(report, "long_blocks", "blocked")


def print_long(report, key, what, limit=int(os.environ.get("PF_BENCH_LIST", "10"))):
    """Lists the probe's long blocks or frames with the mark before each."""
    marks = {m["event"]: m["ms"] for m in report["marks"]}
    items = report.get(key, [])
    for item in items[:limit]:
        before = [e for e, t in marks.items() if t <= item["ended_ms"]]
        print(f"  {what} {item['ms']:.0f} ms, ending at {item['ended_ms']:.0f} ms "
              f"(after {before[-1] if before else 'start'})")
    if len(items) > limit:
        print(f"  … and {len(items) - limit} more")


def main():
    account = add_account()
    seconds, peak, summary = pfbench.run_rss([CLI, "sync", "--no-index", account], env)
    print(f"Inbox of {COUNT} generated messages; postfach-cli sync --no-index took "
          f"{seconds:.1f} s, peak RSS {peak:.0f} MB ({summary.strip()})")

    reports, walls, kernel_rss, ended_runs = [], [], [], 0
    for run in range(RUNS):
        report, wall, rss, ended = launch(f"launch-{run}",
                                          PF_BENCH_EXIT_AFTER="first-frame-with-rows")
        reports.append(report)
        walls.append(wall)
        kernel_rss.append(rss)
        ended_runs += ended

    probed = [r for r in reports if r is not None]
    print(f"postfach, {RUNS} launches (GSK_RENDERER={gui_env['GSK_RENDERER']}), medians:")
    if not probed:
        print("  no probe report: this postfach does not call pf_bench_probe_init()")
    else:
        print(median_line("exec → probe ready:", [r["init_ms"] for r in probed]))
        print(median_line("exec → first frame:", [mark(r, "first-frame") for r in probed]))
        print(median_line("exec → first frame with rows:",
                          [mark(r, "first-frame-with-rows") for r in probed]))
        timeouts = sum(1 for r in probed if mark(r, "timeout") is not None)
        if timeouts:
            print(f"  {timeouts} of {len(probed)} runs showed no rows within {TIMEOUT:.0f} s "
                  "(is the Inbox selected at startup?)")
        print(median_line("main loop, longest block:", [r["loop"]["max_ms"] for r in probed]))
        print(median_line("main loop, blocks over 16 ms:",
                          [r["loop"]["over_16_ms"] for r in probed], unit=""))
        print(median_line("peak RSS (VmHWM):", [r["peak_rss_kb"] for r in probed], "MB",
                          1 / 1024))
    print(median_line("peak RSS (kernel, whole run):", kernel_rss, "MB"))
    print(median_line("wall time of a run:", walls, "ms", 1000))
    if ended_runs:
        print(f"  {ended_runs} runs did not quit by themselves and were ended")

    if "scroll" in PARTS:
        scrolls(int(os.environ.get("PF_BENCH_SCROLL_RUNS", "1")))
    if "select" in PARTS:
        select_messages()
    if "sync" in PARTS:
        first_sync()

    if os.environ.get("PF_BENCH_KEEP") == "1":
        print(f"  kept: {home}")
    else:
        shutil.rmtree(home)


def missed_causes(report):
    """Sorts the scroll frames that came over 32 ms after the one before by
    what held them up: that frame's own work (on the CPU, or waiting with
    the CPU idle: for the X server or the scheduler), or a start after the
    main thread had been idle longer than a frame."""
    causes = {}
    for f in report.get("slow_frames", []):
        if f["interval_ms"] <= 32:
            continue
        before, cpu = f.get("before_work_ms", 0), f.get("before_cpu_ms", 0)
        if before > 16.7 and cpu >= 0.75 * before:
            cause = "app work in the frame before"
        elif before > 16.7:
            cause = "the frame before waited off the CPU"
        elif f["idle_before_ms"] > 16.7:
            begin = f["ended_ms"] - f["layout_ms"] - f["paint_ms"] - f["after_paint_ms"]
            gap_start = begin - f["idle_before_ms"]
            others = [b for b in report.get("long_blocks", [])
                      if gap_start + 1 < b["ended_ms"] <= begin + 1]
            if others:
                cause = "other main-loop work between the frames"
            else:
                cause = "late start after an idle main thread"
        else:
            cause = "other"
        causes[cause] = causes.get(cause, 0) + 1
    return causes


def scroll(label="postfach", program=None, name="scroll"):
    """One run scrolling the list from top to bottom; prints what the probe
    saw and returns the number of frame intervals over 32 ms (None when not
    measured)."""
    report, _, _, _ = launch(name, timeout=TIMEOUT + SCROLL_SECONDS, program=program,
                             PF_BENCH_SCROLL="1",
                             PF_BENCH_SCROLL_DELAY_MS=str(SCROLL_DELAY_MS),
                             PF_BENCH_SCROLL_SECONDS=str(SCROLL_SECONDS),
                             PF_BENCH_EXIT_AFTER="scroll-done",
                             PF_BENCH_TIMEOUT=str(TIMEOUT + SCROLL_SECONDS))
    print(f"Scrolling the list from top to bottom in {SCROLL_SECONDS:.0f} s, from "
          f"{SCROLL_DELAY_MS} ms after the first rows ({label}, one run):")
    if report is None or mark(report, "scroll-done") is None:
        print("  not measured (no mark \"scroll-done\")")
        return None
    frames = report["scroll_frames"]
    print(f"  {frames['count']} frames: interval median {frames['p50_ms']:.1f} ms, "
          f"p95 {frames['p95_ms']:.1f} ms, max {frames['max_ms']:.1f} ms, "
          f"{frames['over_32_ms']} over 32 ms; main loop's longest block "
          f"{report['loop']['max_ms']:.0f} ms")
    work = report.get("scroll_work")
    if work:
        print(f"  work in a frame (before-paint to after-paint): median {work['p50_ms']:.1f} ms, "
              f"p95 {work['p95_ms']:.1f} ms, p99 {work['p99_ms']:.1f} ms, "
              f"max {work['max_ms']:.1f} ms, {work['over_16_ms']} over 16 ms")
    print_long(report, "long_frames", "frame of")
    slow = report.get("slow_frames", [])
    if slow:
        print(f"  frames over 32 ms or with over 16 ms of work: {len(slow)}")
    for parts in slow[:int(os.environ.get("PF_BENCH_LIST", "10"))]:
        print(f"    at {parts['ended_ms']:.0f} ms: interval {parts['interval_ms']:.1f} ms, "
              f"idle before {parts['idle_before_ms']:.1f}, update+layout "
              f"{parts['layout_ms']:.1f}, paint {parts['paint_ms']:.1f}, "
              f"after {parts['after_paint_ms']:.1f}; CPU {parts.get('cpu_ms', 0):.1f}; "
              f"update {parts.get('update_ms', 0):.1f}, "
              f"update → compute-size {parts.get('to_compute_size_ms', 0):.1f}")
    causes = missed_causes(report)
    if causes:
        print("  why the frames over 32 ms were late: "
              + ", ".join(f"{n} {cause}" for cause, n in sorted(causes.items())))
    start, done = mark(report, "scroll-start"), mark(report, "scroll-done")
    during = [b for b in report.get("long_blocks", []) if start <= b["ended_ms"] <= done]
    print(f"  main loop blocks over {LONG_BLOCK_MS} ms while scrolling: {len(during)}"
          + (f", longest {max(b['ms'] for b in during):.0f} ms" if during else ""))
    print_long(dict(report, long_blocks=during), "long_blocks", "blocked")
    return frames["over_32_ms"], frames["count"], causes


def scrolls(runs):
    """RUNS scroll runs of Postfach, each after one of the plain GTK list if
    there is one; totals of the frames over 32 ms."""
    totals = {"postfach": [0, 0, 0, {}], "gtk-list": [0, 0, 0, {}]}  # over, frames, runs, causes
    for _ in range(runs):
        measured = []
        if GTK_LIST:
            measured.append(("gtk-list", scroll("a plain GtkListView of labels, the same size",
                                                [GTK_LIST, str(COUNT)], "scroll-gtk-list")))
        measured.append(("postfach", scroll()))
        for who, result in measured:
            if result is not None:
                totals[who][0] += result[0]
                totals[who][1] += result[1]
                totals[who][2] += 1
                for cause, n in result[2].items():
                    totals[who][3][cause] = totals[who][3].get(cause, 0) + n
    if runs > 1 or GTK_LIST:
        print("Frame intervals over 32 ms, all scroll runs together:")
        for who in ("postfach", "gtk-list") if GTK_LIST else ("postfach",):
            over, count, done, causes = totals[who]
            print(f"  {who:9} {over} of {count} in {done} runs"
                  + (" (" + ", ".join(f"{n} {c}" for c, n in sorted(causes.items())) + ")"
                     if causes else ""))


main()
