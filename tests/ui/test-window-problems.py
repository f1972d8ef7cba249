#!/usr/bin/python3
# test-window-problems.py: an account's connection problems in the real
# window: no password stored → a banner whose button opens the password
# dialog, the password typed → synced; an untrusted certificate → a banner
# whose dialog shows the certificate, trusted → synced and pinned in the
# account's file; a server that is down → a banner with Retry.
#
# Run inside `run-in-session --xvfb --keyring -- pf-test-servers run --`.
# Leaves screenshots in $PF_TEST_ARTIFACTS.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import json
import configparser
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402
from pfatspi import AppUnderTest, click, focus_window, press_keys, warnings  # noqa: E402

STRINGS = {
    "en": {"no-password": "Ohne Passwort: no password is stored.",
           "enter": "Enter Password…", "connect": "Connect", "password": "Password",
           "untrusted": "Fremdes Zertifikat: the server’s certificate is not trusted.",
           "show-cert": "Show Certificate…", "trust": "Trust This Certificate",
           "unreachable": "Abgeschaltet: the server cannot be reached", "retry": "Retry",
           "inbox": "Inbox", "dialog": "Untrusted Certificate", "folders": "Folders"},
    "de": {"no-password": "Ohne Passwort: Es ist kein Passwort gespeichert.",
           "enter": "Passwort eingeben …", "connect": "Verbinden", "password": "Passwort",
           "untrusted": "Fremdes Zertifikat: Dem Zertifikat des Servers wird nicht vertraut.",
           "show-cert": "Zertifikat anzeigen …", "trust": "Diesem Zertifikat vertrauen",
           "unreachable": "Abgeschaltet: Der Server ist nicht erreichbar",
           "retry": "Erneut versuchen", "inbox": "Posteingang",
           "dialog": "Nicht vertrauenswürdiges Zertifikat", "folders": "Ordner"},
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
BOB = servers["user:bob"]
IMAPS = servers["imaps"]

profile = tempfile.TemporaryDirectory(prefix="pf-ui-problems-")
env = dict(os.environ)
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[var] = os.path.join(profile.name, var.lower())
    os.makedirs(env[var])

with smtplib.LMTP(servers["lmtp"]["socket"]) as lmtp:
    for user, subject in ((ALICE, "Für Alice"), (BOB, "Für Bob")):
        lmtp.sendmail("juergen@example.test", [user["address"]],
                      b"From: J\xc3\xbcrgen <juergen@example.test>\r\n"
                      b"To: " + user["address"].encode() + b"\r\n"
                      b"Subject: " + subject.encode() + b"\r\n"
                      b"Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
                      b"Message-ID: <" + subject.encode("ascii", "replace") + b"@example.test>\r\n"
                      b"\r\nText\r\n")


def add_account(name, user, ca_file, port=None, password=None):
    command = [args.cli, "account", "add", "--name", name, "--email", user["address"],
               "--kind", "imap", "--host", IMAPS["host"], "--port", str(port or IMAPS["port"]),
               "--security", "tls", "--user", user["login"], "--ca-file", ca_file]
    if password is None:
        command.append("--no-password")
    return subprocess.run(command, input=(password or "") + "\n", capture_output=True,
                          text=True, env=env, check=True).stdout.strip()


# No password stored: the window asks for it.
add_account("Ohne Passwort", ALICE, servers["tls"]["ca-file"])
# A certificate from an authority this computer does not trust.
untrusted = add_account("Fremdes Zertifikat", BOB, servers["tls"]["untrusted-ca-file"],
                        password=BOB["password"])
# A port nobody listens on.
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
add_account("Abgeschaltet", BOB, servers["tls"]["ca-file"], port=closed.getsockname()[1],
            password=BOB["password"])

tap = Tap()
app = AppUnderTest(args.app, lang=args.lang,
                   extra_env={var: env[var] for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                        "XDG_CACHE_HOME")})


def screenshot(name):
    path = os.path.join(artifacts, f"window-{name}-{args.lang}.png")
    subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
    print(f"# screenshot: {path}")


def banner(text_start, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for label in app.app and pyatspi_labels() or []:
            if label.name.startswith(text_start):
                return label
        time.sleep(0.2)
    return None


def pyatspi_labels():
    import pyatspi
    return pyatspi.findAllDescendants(app.app, lambda n: n.getRoleName() == "label" and n.name
                                      and n.getState().contains(pyatspi.STATE_VISIBLE))


def button_near(label, name):
    """The button NAME in the same banner as LABEL."""
    import pyatspi
    box = label.parent
    found = app.find("push button", name, root=box, timeout=0)
    if found is None:
        print("# beside the banner: " + repr([(c.getRoleName(), c.name) for c in box]))
    return found


@tap.test("a missing password shows a banner whose button asks for it; typed, the account syncs")
def _():
    app.wait_for_app()
    check(app.find("frame", "Postfach", timeout=20) is not None, "no window")
    label = banner(strings["no-password"])
    check(label is not None, f"no banner; showing: {app.texts()}")
    screenshot("banners")
    button = button_near(label, strings["enter"])
    check(button is not None, f"no {strings['enter']!r} button beside the banner")
    click(app.process.pid, "Postfach", button)
    import pyatspi
    deadline = time.monotonic() + 10
    entry = None
    while entry is None and time.monotonic() < deadline:
        entry = pyatspi.findDescendant(app.app, lambda n: n.getRoleName() in
                                       ("text", "password text", "entry")
                                       and n.name == strings["password"])
        time.sleep(0.1)
    check(entry is not None, f"no password entry; showing: {app.texts()}")
    # Typed, as a user would (the dialog has the keyboard focus).
    focus_window(app.process.pid, strings["password"])
    click(app.process.pid, strings["password"], entry)
    subprocess.run(["xdotool", "type", "--delay", "10", "--", ALICE["password"]], check=True,
                   timeout=30)
    check(app.find("push button", strings["connect"], timeout=5) is not None,
          f"no {strings['connect']!r} button; showing: {app.texts()}")
    press_keys("Return")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and banner(strings["no-password"], timeout=0.5):
        time.sleep(0.3)
    check(banner(strings["no-password"], timeout=0.5) is None, "the banner stayed")
    # The account synced: its Inbox shows Alice's one unread message.
    check(app.find("label", "1", root=app.find("panel", strings["folders"]), timeout=30)
          is not None, f"no unread count after the password; showing: {app.texts()}")


@tap.test("new mail while the window is in the background: a notification with sender and subject")
def _():
    # The password dialog had the focus while Alice's message arrived.
    log = os.environ.get("PF_TEST_NOTIFICATIONS")
    check(log is not None, "no notification server in this session")
    deadline = time.monotonic() + 20
    shown = []
    while time.monotonic() < deadline and not shown:
        with open(log) as f:
            shown = [json.loads(line) for line in f if line.strip()]
        time.sleep(0.3)
    check(shown, "no notification")
    check(any(n["summary"] == "Jürgen" and n["body"] == "Für Alice" for n in shown),
          f"not Jürgen's message: {shown}")


@tap.test("an untrusted certificate: the dialog shows it; trusted, the account syncs and keeps it")
def _():
    label = banner(strings["untrusted"])
    check(label is not None, f"no certificate banner; showing: {app.texts()}")
    click(app.process.pid, "Postfach", button_near(label, strings["show-cert"]))
    dialog = app.find(None, strings["dialog"], timeout=10)
    check(dialog is not None, f"no certificate dialog; showing: {app.texts()}")
    texts = app.texts()
    check(any(":" in t and len(t) > 60 for t in texts), f"no fingerprint shown: {texts}")
    screenshot("certificate")
    trust = app.find("push button", strings["trust"], timeout=5)
    check(trust is not None, f"no trust button; showing: {texts}")
    trust.queryAction().doAction(0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and banner(strings["untrusted"], timeout=0.5):
        time.sleep(0.3)
    check(banner(strings["untrusted"], timeout=0.5) is None, "the certificate banner stayed")
    path = os.path.join(env["XDG_CONFIG_HOME"], "postfach", "accounts", untrusted + ".ini")
    with open(path) as f:
        check("sha256" in f.read().lower(), f"no pinned certificate in {path}")


@tap.test("a server that cannot be reached shows a banner with Retry")
def _():
    label = banner(strings["unreachable"])
    check(label is not None, f"no unreachable banner; showing: {app.texts()}")
    check(button_near(label, strings["retry"]) is not None, "no Retry button")


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
if app.process.poll() not in (None, 0):
    print(f"# postfach ended with {app.process.returncode}:")
    for line in app.output().splitlines()[-30:]:
        print("#   " + line)
app.close()
sys.exit(status)
