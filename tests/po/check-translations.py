#!/usr/bin/python3
# check-translations.py: the German translation is complete.
#
# Extracts the strings of every file in po/POTFILES.in (the way the build's
# update-po does), merges them into po/de.po in a temporary copy, and fails
# when msgfmt counts a string as untranslated or fuzzy. It also fails when a
# source file with translatable strings is missing from POTFILES.in, since
# its strings would silently stay English.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402

top = sys.argv[1]
po_dir = os.path.join(top, "po")
tap = Tap()

TRANSLATABLE = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"|'
                          r'translatable="yes"|<_?summary|<_?description|^(?:Name|GenericName|Comment|Keywords)=',
                          re.MULTILINE)
SOURCE_DIRS = ("app", "ui", "data", "protocols")
SOURCE_EXT = (".c", ".h", ".ui", ".xml", ".in")


def potfiles():
    with open(os.path.join(po_dir, "POTFILES.in"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def msgfmt_statistics(po_file):
    r = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po_file],
                       capture_output=True, text=True)
    return r.returncode, r.stderr.strip()


@tap.test("POTFILES.in names every source with translatable strings")
def _():
    listed = set(potfiles())
    missing = []
    for d in SOURCE_DIRS:
        for root, _dirs, files in os.walk(os.path.join(top, d)):
            for name in files:
                if not name.endswith(SOURCE_EXT) or name.endswith(".gresource.xml"):
                    continue
                path = os.path.relpath(os.path.join(root, name), top)
                with open(os.path.join(top, path), encoding="utf-8", errors="replace") as f:
                    if TRANSLATABLE.search(f.read()) and path not in listed:
                        missing.append(path)
    check(not missing, f"not in po/POTFILES.in: {sorted(missing)}")


@tap.test("POTFILES.in is sorted and names only existing files")
def _():
    files = potfiles()
    check(files == sorted(files), "po/POTFILES.in is not sorted")
    gone = [f for f in files if not os.path.isfile(os.path.join(top, f))]
    check(not gone, f"listed but missing: {gone}")


@tap.test("po/de.po is well-formed (msgfmt --check)")
def _():
    code, stats = msgfmt_statistics(os.path.join(po_dir, "de.po"))
    check(code == 0, stats)


@tap.test("po/de.po translates every string of the sources, none fuzzy")
def _():
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "postfach.pot")
        cmd = ["xgettext", "--package-name=postfach", "--from-code=UTF-8", "--add-comments",
               "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
               "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
               "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format",
               "--flag=NC_:2:pass-c-format", "--flag=g_dngettext:2:pass-c-format",
               "--flag=g_strdup_printf:1:c-format", "--flag=g_string_printf:2:c-format",
               "--flag=g_string_append_printf:2:c-format", "--flag=g_error_new:3:c-format",
               "--flag=g_set_error:4:c-format", "--flag=g_markup_printf_escaped:1:c-format",
               "--flag=g_log:3:c-format", "--flag=g_print:1:c-format", "--flag=g_printerr:1:c-format",
               "--flag=g_printf:1:c-format", "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format",
               "--flag=g_snprintf:3:c-format",
               f"--directory={top}", f"--files-from={os.path.join(po_dir, 'POTFILES.in')}",
               "-o", pot]
        r = subprocess.run(cmd, capture_output=True, text=True)
        check(r.returncode == 0, f"xgettext failed: {r.stderr}")
        merged = os.path.join(tmp, "de.po")
        r = subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", merged,
                            os.path.join(po_dir, "de.po"), pot], capture_output=True, text=True)
        check(r.returncode == 0, f"msgmerge failed: {r.stderr}")
        code, stats = msgfmt_statistics(merged)
        check(code == 0, stats)
        if "untranslated" in stats or "fuzzy" in stats:
            # Name the strings, for whoever completes the translation.
            r = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete",
                                "--no-wrap", merged], capture_output=True, text=True)
            r2 = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", "--no-wrap",
                                 merged], capture_output=True, text=True)
            check(False, f"po/de.po is incomplete: {stats}\n{r2.stdout}{r.stdout}")


sys.exit(tap.run())
