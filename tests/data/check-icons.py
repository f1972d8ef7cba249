#!/usr/bin/python3
# check-icons.py: every icon name that ui/ uses exists, either in the
# GResource manifest (icons/<dir>/<context>/NAME.svg) or in the Adwaita or
# hicolor theme installed on this system, and every icon we ship is a clean
# 16x16 symbolic SVG.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402

top = sys.argv[1]
THEMES = [os.path.join(d, "icons", theme)
          for d in (os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":")
          for theme in ("Adwaita", "hicolor")]
SVG = "{http://www.w3.org/2000/svg}"

manifest = ET.parse(os.path.join(top, "data", "postfach.gresource.xml"))
shipped = {}
for f in manifest.iter("file"):
    alias = f.get("alias") or f.text
    if alias.startswith("icons/") and alias.endswith(".svg"):
        shipped[os.path.basename(alias)[:-4]] = f.text


def used_names():
    """(name, where) for every icon name in ui/: icon-name properties of the
    templates, and "*-symbolic" string literals of the templates and sources."""
    names = []
    for path in sorted(glob.glob(os.path.join(top, "ui", "*.ui"))):
        for element in ET.parse(path).iter("property"):
            if element.get("name") in ("icon-name", "icon_name") and element.text:
                names.append((element.text.strip(), os.path.basename(path)))
        with open(path, encoding="utf-8") as f:
            names += [(n, os.path.basename(path))
                      for n in re.findall(r">([A-Za-z0-9_.-]+-symbolic)<", f.read())]
    for path in sorted(glob.glob(os.path.join(top, "ui", "*.c"))):
        with open(path, encoding="utf-8") as f:
            names += [(n, os.path.basename(path))
                      for n in re.findall(r'"([A-Za-z0-9_.-]+-symbolic)"', f.read())]
    return names


def in_theme(name):
    for theme in THEMES:
        for ext in (".svg", ".png", ".symbolic.png"):
            if glob.glob(os.path.join(theme, "*", "*", name + ext)):
                return True
    return False


tap = Tap()


@tap.test("ui/ uses icon names at all (the scan finds them)")
def _():
    check(len(used_names()) >= 5, f"only found {used_names()}")


@tap.test("every icon name used in ui/ is shipped or in the Adwaita/hicolor theme")
def _():
    missing = sorted({f"{name} ({where})" for name, where in used_names()
                      if name not in shipped and not in_theme(name)})
    check(not missing, f"no such icon: {missing}")


@tap.test("shipped icons do not shadow theme icons")
def _():
    clash = [name for name in shipped
             if not name.startswith("org.postfach.") and in_theme(name)]
    check(not clash, f"already in the theme, drop or rename: {clash}")


@tap.test("shipped action icons are 16x16 symbolic SVGs: fill only, no strokes")
def _():
    bad = []
    for name, source in shipped.items():
        if not name.startswith("pf-"):
            continue
        root = ET.parse(os.path.join(top, source)).getroot()
        if (root.tag != SVG + "svg" or root.get("viewBox") != "0 0 16 16"
                or not name.endswith("-symbolic")):
            bad.append(f"{name}: not a 16x16 symbolic svg")
        for element in root.iter():
            if element.get("stroke") not in (None, "none") or "stroke" in (element.get("style") or ""):
                bad.append(f"{name}: has a stroke")
            if element.tag in (SVG + "image", SVG + "text"):
                bad.append(f"{name}: has {element.tag}")
        if not [e for e in root.iter(SVG + "path") if e.get("d")]:
            bad.append(f"{name}: has no path")
    check(not bad, "; ".join(bad))


@tap.test("every SVG in data/icons/ is in the manifest")
def _():
    files = {os.path.relpath(p, top)
             for p in glob.glob(os.path.join(top, "data", "icons", "hicolor", "symbolic",
                                             "actions", "*.svg"))}
    check(files <= set(shipped.values()), f"not in the manifest: {sorted(files - set(shipped.values()))}")


sys.exit(tap.run())
