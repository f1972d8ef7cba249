#!/usr/bin/python3
# check-resources.py: every .ui template and stylesheet of ui/ is in the
# GResource manifest, and every file the manifest names exists.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402

top = sys.argv[1]
manifest = ET.parse(os.path.join(top, "data", "postfach.gresource.xml"))
listed = {f.text for f in manifest.iter("file")}
tap = Tap()


@tap.test("every file in the manifest exists")
def _():
    missing = [f for f in listed if not os.path.isfile(os.path.join(top, f))]
    check(not missing, f"missing: {missing}")


@tap.test("every .ui and .css in ui/ is in the manifest")
def _():
    present = {f"ui/{name}" for name in os.listdir(os.path.join(top, "ui"))
               if name.endswith((".ui", ".css"))}
    check(present <= listed, f"not in the manifest: {sorted(present - listed)}")


@tap.test("every template is stripped of blanks")
def _():
    bad = [f.text for f in manifest.iter("file")
           if f.text.endswith(".ui") and f.get("preprocess") != "xml-stripblanks"]
    check(not bad, f"without xml-stripblanks: {bad}")


sys.exit(tap.run())
