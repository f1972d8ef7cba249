#!/usr/bin/python3
# test-window-wizard.py: the first minute of a new user in the real window.
# No account: "Add Account…" opens the wizard; name, address and password
# typed; the servers set by hand (the test servers on 127.0.0.2); the
# connection test finds a certificate this computer does not trust, whose
# dialog trusts it (IMAP, then SMTP); the account is saved, its first sync
# starts and the window shows its Inbox with the message waiting there.
#
# Run inside `run-in-session --xvfb --keyring -- pf-test-servers run --`.
# Leaves screenshots in $PF_TEST_ARTIFACTS.
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
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402
from pfatspi import AppUnderTest, click, focus_window, press_keys, warnings  # noqa: E402

STRINGS = {
    "en": {"add": "Add Account…", "wizard": "Add Mail Account", "name": "Your Name",
           "address": "Email Address", "password": "Password", "manual": "Set Up Manually…",
           "server": "Server", "in-port": "Incoming server port",
           "out-port": "Outgoing server port", "next": "Next",
           "show-cert": "Show Certificate…", "trust": "Trust This Certificate",
           "dialog": "Untrusted Certificate", "inbox": "Inbox", "messages": "Messages",
           "menu": "Main Menu", "settings": "Account Settings…",
           "settings-title": "{} — Account Settings", "remove": "Remove…",
           "remove-dialog": "Remove Account?", "remove-confirm": "Remove",
           "no-account": "No Account Yet"},
    "de": {"add": "Konto hinzufügen …", "wizard": "E-Mail-Konto hinzufügen",
           "name": "Ihr Name", "address": "E-Mail-Adresse", "password": "Passwort",
           "manual": "Manuell einrichten …", "server": "Server",
           "in-port": "Port des Posteingangsservers", "out-port": "Port des Postausgangsservers",
           "next": "Weiter", "show-cert": "Zertifikat anzeigen …",
           "trust": "Diesem Zertifikat vertrauen",
           "dialog": "Nicht vertrauenswürdiges Zertifikat", "inbox": "Posteingang",
           "messages": "Nachrichten", "menu": "Hauptmenü", "settings": "Kontoeinstellungen …",
           "settings-title": "{} – Kontoeinstellungen", "remove": "Entfernen …",
           "remove-dialog": "Konto entfernen?", "remove-confirm": "Entfernen",
           "no-account": "Noch kein Konto"},
}

parser = argparse.ArgumentParser()
parser.add_argument("--app", required=True)
parser.add_argument("--lang", choices=sorted(STRINGS), default="en")
args = parser.parse_args()
strings = STRINGS[args.lang]
artifacts = os.environ.get("PF_TEST_ARTIFACTS", os.getcwd())
os.makedirs(artifacts, exist_ok=True)

servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
ALICE = servers["user:alice"]
IMAPS = servers["imaps"]
SUBMISSIONS = servers["submissions"]
SUBJECT = "Willkommen in Postfach"

with smtplib.LMTP(servers["lmtp"]["socket"]) as lmtp:
    lmtp.sendmail("juergen@example.test", [ALICE["address"]],
                  b"From: J\xc3\xbcrgen <juergen@example.test>\r\n"
                  b"To: " + ALICE["address"].encode() + b"\r\n"
                  b"Subject: " + SUBJECT.encode() + b"\r\n"
                  b"Date: Mon, 30 Nov 2026 10:00:00 +0100\r\n"
                  b"Message-ID: <wizard@example.test>\r\n"
                  b"\r\nHallo\r\n")

profile = tempfile.TemporaryDirectory(prefix="pf-ui-wizard-")
env = {}
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[var] = os.path.join(profile.name, var.lower())
    os.makedirs(env[var])
env["GIO_USE_PROXY_RESOLVER"] = "dummy"

tap = Tap()
app = AppUnderTest(args.app, lang=args.lang, extra_env=env)


T0 = time.monotonic()


def mark(what):
    print(f"# {time.monotonic() - T0:6.1f} s: {what}", flush=True)


def screenshot(name):
    path = os.path.join(artifacts, f"window-wizard-{name}-{args.lang}.png")
    subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
    print(f"# screenshot: {path}")


def matches(node, text):
    """Whether NODE is called TEXT, mnemonic underscores aside."""
    name = (node.name or "").replace("_", "")
    # (a spin button in a row is called by its own label and the row's title)
    return name == text or name == f"{text} {text}" or name.startswith(f"{text} ")


def entries(name):
    """The visible text entries called NAME, top to bottom."""
    import pyatspi
    found = pyatspi.findAllDescendants(wizard(timeout=5) or app.app, lambda n: n.getRoleName() in
                                       ("text", "password text", "entry", "spin button")
                                       and matches(n, name)
                                       and n.getState().contains(pyatspi.STATE_VISIBLE))
    return found


def entry(name, index=0, timeout=10):
    mark(f"entry {name}")
    deadline = time.monotonic() + timeout
    while True:
        found = entries(name)
        if len(found) > index or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check(len(found) > index, f"no entry {name!r} #{index}; showing: {app.texts()}")
    return found[index]


focused = []


def type_into(node, text):
    """Clicks NODE, selects what it holds and types TEXT, as a user would."""
    if not focused:
        focus_window(app.process.pid, strings["wizard"])
        focused.append(True)
    click(app.process.pid, strings["wizard"], node)
    press_keys("ctrl+a")
    subprocess.run(["xdotool", "type", "--delay", "5", "--", text], check=True, timeout=30)


def texts():
    """The window's texts for a message (the tree may change meanwhile)."""
    try:
        return app.texts()
    except Exception as e:  # noqa: BLE001
        return f"(unreadable: {e})"


def press(name, timeout=10, root=None):
    mark(f"press {name}")
    button = app.find("push button", name, root=root or wizard(timeout=0), timeout=timeout)
    check(button is not None, f"no button {name!r}; showing: {texts()}")
    button.queryAction().doAction(0)


def wizard(timeout):
    """The wizard's window (GTK 4.8 gives a modal window the role "filler")."""
    return window(strings["wizard"], timeout)


def window(title, timeout):
    """The visible top-level window called TITLE."""
    import pyatspi
    deadline = time.monotonic() + timeout
    while True:
        for node in app.app:
            if node is not None and node.name == title and \
               node.getState().contains(pyatspi.STATE_VISIBLE):
                return node
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


def trust_certificate():
    press(strings["show-cert"], timeout=30)
    dialog = window(strings["dialog"], timeout=10)
    check(dialog is not None, f"no certificate dialog; showing: {app.texts()}")
    press(strings["trust"], root=dialog)


@tap.test("no account: Add Account… opens the wizard")
def _():
    app.wait_for_app()
    check(app.find("frame", "Postfach", timeout=20) is not None, "no window")
    press(strings["add"])
    check(wizard(timeout=10) is not None, f"no wizard; showing: {app.texts()}")
    screenshot("identity")


@tap.test("name, address and password typed, the servers set by hand")
def _():
    type_into(entry(strings["name"]), "Alice Beispiel")
    type_into(entry(strings["address"]), ALICE["address"])
    type_into(entry(strings["password"]), ALICE["password"])
    press(strings["manual"])
    type_into(entry(strings["server"], 0), IMAPS["host"])
    type_into(entry(strings["in-port"]), IMAPS["port"])
    type_into(entry(strings["server"], 1), SUBMISSIONS["host"])
    type_into(entry(strings["out-port"]), SUBMISSIONS["port"])
    press_keys("Tab")
    screenshot("manual")
    press(strings["next"])
    press(strings["next"])


@tap.test("both servers' certificate trusted through its dialog: the account is added")
def _():
    trust_certificate()
    # The SMTP server (another port) shows the same certificate
    trust_certificate()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and wizard(timeout=0):
        time.sleep(0.2)
    check(wizard(timeout=0) is None, f"the wizard stayed; showing: {app.texts()}")
    accounts = os.path.join(env["XDG_CONFIG_HOME"], "postfach", "accounts")
    files = os.listdir(accounts) if os.path.isdir(accounts) else []
    check(len(files) == 1, f"not one account file: {files}")
    with open(os.path.join(accounts, files[0])) as f:
        text = f.read()
    check(IMAPS["port"] in text and "sha256" in text.lower(),
          f"the account file lacks the port or the exception:\n{text}")


@tap.test("the first sync runs and the window shows the Inbox with the waiting message")
def _():
    # (the message list only: a row search asks every node over D-Bus)
    messages = app.find("panel", strings["messages"], timeout=10)
    row = app.find_row(SUBJECT, root=messages, timeout=30)
    check(row is not None, f"no row {SUBJECT!r}; showing: {app.texts()}\n" + app.output()[-3000:])
    screenshot("inbox")


@tap.test("its settings remove it: the files, the passwords and the mail go, the window is empty")
def _():
    import pyatspi
    menu = app.find("toggle button", strings["menu"]) or app.find("push button", strings["menu"])
    check(menu is not None, f"no main menu; showing: {app.texts()}")
    click(app.process.pid, "Postfach", menu)
    item = app.find(None, strings["settings"], timeout=10)
    check(item is not None, f"no {strings['settings']!r} item; showing: {app.texts()}")
    item.queryAction().doAction(0)
    settings = window(strings["settings-title"].format(ALICE["address"]), timeout=10)
    check(settings is not None, f"no settings window; showing: {app.texts()}")
    press(strings["remove"], root=settings)
    dialog = window(strings["remove-dialog"], timeout=10)
    check(dialog is not None, f"no confirmation; showing: {texts()}")
    # (a dialog that has just appeared may not take the first click yet)
    deadline = time.monotonic() + 10
    while window(strings["remove-dialog"], timeout=0) is not None:
        check(time.monotonic() < deadline, f"the confirmation stayed; showing: {texts()}")
        press(strings["remove-confirm"], root=dialog)
        time.sleep(0.5)
    check(app.find("label", strings["no-account"], timeout=20) is not None,
          f"the window still shows the account; showing: {texts()}")
    accounts = os.path.join(env["XDG_CONFIG_HOME"], "postfach", "accounts")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (os.listdir(accounts) or
                                           os.listdir(os.path.join(env["XDG_DATA_HOME"], "postfach"))):
        time.sleep(0.2)
    check(not os.listdir(accounts), f"account files left: {os.listdir(accounts)}")
    left = os.listdir(os.path.join(env["XDG_DATA_HOME"], "postfach"))
    check(not left, f"mail left behind: {left}")
    found = subprocess.run(["secret-tool", "search", "--all", "xdg:schema", "org.postfach.Password"],
                           capture_output=True, text=True, timeout=30)
    check("secret" not in found.stdout.lower() and ALICE["password"] not in found.stdout,
          f"passwords left in the keyring: {found.stdout}")


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
    for line in app.output().splitlines()[-40:]:
        print(f"# {line}")
app.close()
profile.cleanup()
sys.exit(status)
