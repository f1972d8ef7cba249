#!/usr/bin/python3
# test-window-mail.py: with an account synced by postfach-cli, the window
# lists the account and its folders (names in the chosen language, unread
# counts), and choosing the Inbox shows its messages, newest first.
#
# Run inside `run-in-session --xvfb --keyring -- pf-test-servers run --`.
# Leaves a screenshot in $PF_TEST_ARTIFACTS.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import configparser
import os
import smtplib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402
from pfatspi import AppUnderTest, click, focus_window, press_keys, warnings  # noqa: E402

STRINGS = {
    "en": {"inbox": "Inbox", "sent": "Sent", "trash": "Trash", "folders": "Folders",
           "messages": "Messages"},
    "de": {"inbox": "Posteingang", "sent": "Gesendet", "trash": "Papierkorb",
           "folders": "Ordner", "messages": "Nachrichten"},
}

parser = argparse.ArgumentParser()
parser.add_argument("--app", required=True)
parser.add_argument("--cli", required=True)
parser.add_argument("--lang", choices=sorted(STRINGS), default="en")
args = parser.parse_args()
strings = STRINGS[args.lang]
artifacts = os.environ.get("PF_TEST_ARTIFACTS", os.getcwd())
os.makedirs(artifacts, exist_ok=True)

servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
ALICE = servers["user:alice"]
IMAPS = servers["imaps"]

# The profile the window will open, prepared with postfach-cli.
profile = tempfile.TemporaryDirectory(prefix="pf-ui-mail-")
env = dict(os.environ)
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[var] = os.path.join(profile.name, var.lower())
    os.makedirs(env[var])

# More than the 200 rows a list view keeps: rows bound off screen after a
# far scroll must still tell screen readers what they show.
SUBJECTS = [f"Nachricht {i:03d}" for i in range(240)] + ["Grüße aus Köln"]
with smtplib.LMTP(servers["lmtp"]["socket"]) as lmtp:
    for i, subject in enumerate(SUBJECTS):
        header = subject.encode("utf-8")
        lmtp.sendmail("juergen@example.test", [ALICE["address"]],
                      b"From: J\xc3\xbcrgen <juergen@example.test>\r\n"
                      b"To: " + ALICE["address"].encode() + b"\r\n"
                      b"Subject: " + header + b"\r\n"
                      + f"Date: Mon, 2 Nov 2026 {8 + i // 60:02d}:{i % 60:02d}:00 +0100\r\n".encode()
                      + f"Message-ID: <ui-{i}@example.test>\r\n\r\nText\r\n".encode())
account = subprocess.run([args.cli, "account", "add", "--name", "Alice Beispiel", "--email",
                          ALICE["address"], "--kind", "imap", "--host", IMAPS["host"],
                          "--port", IMAPS["port"], "--security", "tls", "--user",
                          ALICE["login"], "--ca-file", servers["tls"]["ca-file"]],
                         input=ALICE["password"] + "\n", capture_output=True, text=True,
                         env=env, check=True).stdout.strip()
subprocess.run([args.cli, "sync", "--bodies", "none", account], env=env, check=True,
               capture_output=True)

tap = Tap()
app = AppUnderTest(args.app, lang=args.lang,
                   extra_env={var: env[var] for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                        "XDG_CACHE_HOME")})


@tap.test("the folder pane lists the account and its folders in the user's language")
def _():
    app.wait_for_app()
    check(app.find("frame", "Postfach", timeout=20) is not None, "no window")
    pane = app.find("panel", strings["folders"])
    for name in ("Alice Beispiel", strings["inbox"], strings["sent"], strings["trash"]):
        check(app.find("label", name, root=pane) is not None,
              f"no folder row {name!r}; showing: {app.texts()}")
    unread = app.find("label", str(len(SUBJECTS)), root=pane)
    check(unread is not None, f"no unread count {len(SUBJECTS)}; showing: {app.texts()}")


@tap.test("choosing the Inbox lists its messages, newest first")
def _():
    inbox = app.find("label", strings["inbox"], root=app.find("panel", strings["folders"]))
    click(app.process.pid, "Postfach", inbox)
    pane = app.find("panel", strings["messages"])
    newest = app.find_row("Grüße aus Köln", root=pane, timeout=15)
    check(newest is not None, f"the newest message is not listed; showing: {app.texts()}")
    check("Jürgen" in newest.name.split(", "), f"no decoded sender: {newest.name!r}")
    second = app.find_row("Nachricht 239", root=pane, timeout=5)
    check(second is not None, "the second newest message is not listed")
    check(second.parent.getIndexInParent() > newest.parent.getIndexInParent(),
          "not newest first")


@tap.test("after a far scroll, rows bound off screen tell screen readers their message")
def _():
    pane = app.find("panel", strings["messages"])
    click(app.process.pid, "Postfach", app.find_row("Grüße aus Köln", root=pane))
    press_keys("End")
    check(app.find_row("Nachricht 000", root=pane, timeout=10) is not None,
          "End did not reach the oldest message")
    # Bound for the first time by that scroll, a screenful above the end:
    # never mapped, they read their message once the list is at rest.
    for subject in ("Nachricht 030", "Nachricht 020"):
        check(app.find_row(subject, root=pane, timeout=5) is not None,
              f"no row says {subject!r}; showing: {app.texts()}")


@tap.test("screenshot saved")
def _():
    path = os.path.join(artifacts, f"window-mail-{args.lang}.png")
    subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
    check(os.path.getsize(path) > 10_000, f"{path} is suspiciously small")
    print(f"# screenshot: {path}")


@tap.test("Ctrl+Q quits cleanly (exit 0, no warnings)")
def _():
    focus_window(app.process.pid, "Postfach")
    press_keys("ctrl+q")
    code = app.wait_exit()
    out = app.output()
    check(code == 0, f"exit code {code}:\n{out}")
    bad = warnings(out)
    check(not bad, "warnings on the way out:\n" + "\n".join(bad))


status = tap.run()
app.close()
sys.exit(status)
