# pftap.py: a minimal TAP producer for the Python test scripts.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import sys
import traceback


class Tap:
    """Runs named checks and prints TAP 13, as meson's `protocol: 'tap'` reads it."""

    def __init__(self):
        self.tests = []

    def test(self, name):
        def register(func):
            self.tests.append((name, func))
            return func
        return register

    def run(self):
        print("TAP version 13")
        print(f"1..{len(self.tests)}", flush=True)
        failed = 0
        for number, (name, func) in enumerate(self.tests, 1):
            try:
                func()
            except Exception:  # any failure of a check is reported, not raised
                failed += 1
                print(f"not ok {number} - {name}")
                for line in traceback.format_exc().splitlines():
                    print(f"# {line}")
            else:
                print(f"ok {number} - {name}")
            sys.stdout.flush()
        return 1 if failed else 0


def check(condition, message):
    if not condition:
        raise AssertionError(message)
