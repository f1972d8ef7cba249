#!/usr/bin/python3
# test-window.py: Postfach starts, shows its three panes with their empty
# states in the chosen language, and quits cleanly from the keyboard.
#
# Run inside tests/servers/run-in-session --xvfb (its own D-Bus session and
# X server). Leaves a screenshot in $PF_TEST_ARTIFACTS.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402
from pfatspi import AppUnderTest, extents, focus_window, press_keys, warnings  # noqa: E402

import pyatspi  # noqa: E402  (after pfatspi, which sets up its environment)

STRINGS = {
    "en": {
        "panes": ["Folders", "Messages", "Message Preview"],
        "no-account": "No Account Yet",
        "add-account": "Add Account…",
        "no-folder": "No Folder Selected",
        "no-message": "No Message Selected",
        "menu": "Main Menu",
        "about": "About Postfach",
        "about-title": "About",
    },
    "de": {
        "panes": ["Ordner", "Nachrichten", "Nachrichtenvorschau"],
        "no-account": "Noch kein Konto",
        "add-account": "Konto hinzufügen …",
        "no-folder": "Kein Ordner ausgewählt",
        "no-message": "Keine Nachricht ausgewählt",
        "menu": "Hauptmenü",
        "about": "Info zu Postfach",
        "about-title": "Info",
    },
}

parser = argparse.ArgumentParser()
parser.add_argument("--app", required=True)
parser.add_argument("--lang", choices=sorted(STRINGS), default="en")
args = parser.parse_args()
strings = STRINGS[args.lang]
artifacts = os.environ.get("PF_TEST_ARTIFACTS", os.getcwd())
os.makedirs(artifacts, exist_ok=True)

tap = Tap()
app = AppUnderTest(args.app, lang=args.lang)


@tap.test("the main window appears")
def _():
    app.wait_for_app()
    frame = app.find("frame", "Postfach", timeout=20)
    check(frame is not None, "no frame named Postfach")


@tap.test("three panes side by side: folders | messages | preview")
def _():
    panes = []
    for name in strings["panes"]:
        pane = app.find("panel", name)
        check(pane is not None, f"no pane {name!r}; showing: {app.texts()}")
        panes.append(extents(pane))
    xs = [p.x for p in panes]
    check(xs == sorted(xs) and len(set(xs)) == 3, f"panes not left to right: {xs}")
    for p in panes:
        check(p.width >= 150 and p.height >= 300, f"pane too small: {p.width}x{p.height}")


@tap.test("empty states: no account (with Add Account), no folder, no message")
def _():
    for key in ("no-account", "no-folder", "no-message"):
        check(app.find("label", strings[key]) is not None,
              f"no label {strings[key]!r}; showing: {app.texts()}")
    button = app.find("push button", None, root=app.find("panel", strings["panes"][0]))
    check(button is not None and strings["add-account"] in button.name,
          f"no Add Account button in the folder pane: {button and button.name!r}")


@tap.test("the main menu button is labelled for screen readers")
def _():
    check(app.find("push button", strings["menu"]) is not None,
          f"no button {strings['menu']!r}; showing: {app.texts()}")


@tap.test("screenshot saved")
def _():
    path = os.path.join(artifacts, f"window-{args.lang}.png")
    subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
    check(os.path.getsize(path) > 10_000, f"{path} is suspiciously small")
    print(f"# screenshot: {path}")


@tap.test("F10 opens the main menu; the keyboard reaches About, Escape closes it")
def _():
    focus_window(app.process.pid, "Postfach")
    press_keys("F10")
    about = app.find("menu item", strings["about"])
    check(about is not None, f"no menu item {strings['about']!r}; showing: {app.texts()}")
    for _step in range(6):
        if about.getState().contains(pyatspi.STATE_FOCUSED):
            break
        press_keys("Down")
        time.sleep(0.2)
    check(about.getState().contains(pyatspi.STATE_FOCUSED), "About never got the focus")
    press_keys("Return")
    window = app.find("frame", strings["about-title"], timeout=10)
    check(window is not None, f"no About window; showing: {app.texts()}")
    check(app.find("label", "0.1.0", root=window) is not None or
          app.find("push button", "0.1.0", root=window) is not None,
          "the About window shows no version")
    focus_window(app.process.pid, strings["about-title"])
    press_keys("Escape")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
            c is not None and c.name == strings["about-title"] for c in app.app):
        time.sleep(0.1)
    check(not any(c is not None and c.name == strings["about-title"] for c in app.app),
          "Escape did not close the About window")


@tap.test("Ctrl+Q quits cleanly (exit 0, no warnings)")
def _():
    focus_window(app.process.pid, "Postfach")
    press_keys("ctrl+q")
    code = app.wait_exit()
    out = app.output()
    check(code == 0, f"exit code {code}:\n{out}")
    bad = warnings(out)
    check(not bad, "warnings on the way out:\n" + "\n".join(bad))


try:
    status = tap.run()
finally:
    app.close()
sys.exit(status)
