#!/usr/bin/python3
# test-cli.py: postfach-cli's command line and its independence from GTK.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
from pftap import Tap, check  # noqa: E402

CLI, GUI = sys.argv[1], sys.argv[2]
tap = Tap()


def run(*args, env=None):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=30,
                          env=env or os.environ)


def linked_libraries(binary):
    """Every shared library the dynamic loader maps for BINARY, transitively."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def needed_libraries(binary):
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


@tap.test("--version prints the version and exits 0")
def _():
    r = run("--version")
    check(r.returncode == 0, f"exit {r.returncode}: {r.stderr}")
    check(re.fullmatch(r"postfach-cli \d+\.\d+\.\d+\n", r.stdout), repr(r.stdout))


@tap.test("--help lists the commands and documents the exit codes")
def _():
    r = run("--help")
    check(r.returncode == 0, f"exit {r.returncode}")
    check("Usage:" in r.stdout and "COMMAND" in r.stdout, r.stdout)
    for code in ("0  success", "1  the command failed", "2  the command line was wrong"):
        check(code in r.stdout, f"exit code line {code!r} missing from --help")


@tap.test("an unknown command is a usage error (exit 2) with a message")
def _():
    r = run("frobnicate")
    check(r.returncode == 2, f"exit {r.returncode}")
    check("frobnicate" in r.stderr and r.stdout == "", r.stderr)


@tap.test("an unknown option is a usage error (exit 2)")
def _():
    r = run("--no-such-option")
    check(r.returncode == 2, f"exit {r.returncode}")


@tap.test("no command prints the usage and exits 2")
def _():
    r = run()
    check(r.returncode == 2 and "Usage:" in r.stderr, f"exit {r.returncode}: {r.stderr}")


@tap.test("--help is translated in German")
def _():
    env = dict(os.environ, LC_ALL="de_DE.UTF-8", LANGUAGE="de")
    r = run("--help", env=env)
    check(r.returncode == 0, f"exit {r.returncode}")
    check("Befehle:" in r.stdout and "Rückgabewert:" in r.stdout, r.stdout)


@tap.test("postfach-cli links no GTK, GDK or libadwaita, not even indirectly")
def _():
    libs = linked_libraries(CLI) | needed_libraries(CLI)
    banned = [lib for lib in libs if re.match(r"lib(gtk|gdk|adwaita|webkit)", lib)]
    check(not banned, f"postfach-cli links {banned}")


@tap.test("the check above would notice GTK: postfach links it")
def _():
    libs = needed_libraries(GUI)
    check(any(lib.startswith("libgtk-4") for lib in libs), f"postfach links {libs}")


sys.exit(tap.run())
