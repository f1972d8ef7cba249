#!/usr/bin/python3
# test-window-actions.py: the whole window against the real servers, as a
# user works with it: the Inbox opens by itself, a message is shown with
# its decoded header and text, its body fetched on demand, it is marked
# read on the server; an HTML message's remote image does not reach a
# local HTTP server until the user allows it; flag, delete with Undo,
# delete, move by the Move To menu: each reaches the IMAP server; the
# narrow layout. Screenshots of each state are saved.
#
# Run inside `run-in-session --xvfb --keyring -- pf-test-servers run --`.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import configparser
import http.server
import imaplib
import os
import smtplib
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from pftap import Tap, check  # noqa: E402
from pfatspi import AppUnderTest, click, focus_window, press_keys, warnings  # noqa: E402

import pyatspi  # noqa: E402

STRINGS = {
    "en": {"messages": "Messages", "preview": "Message Preview", "delete": "Delete",
           "undo": "Undo", "flag": "Flag", "move": "Move To", "archive": "Archive",
           "show-remote": "Show Remote Content", "back": "Back", "folders": "Folders"},
    "de": {"messages": "Nachrichten", "preview": "Nachrichtenvorschau", "delete": "Löschen",
           "undo": "Rückgängig", "flag": "Markieren", "move": "Verschieben nach",
           "archive": "Archivieren", "show-remote": "Externe Inhalte anzeigen",
           "back": "Zurück", "folders": "Ordner"},
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


# The "remote" host of the HTML mail: it counts what reaches it.
class Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        Counter.hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
                         b"\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D"
                         b"\x01\x00;")

    def log_message(self, *a):
        pass


httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counter)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
REMOTE = f"http://127.0.0.1:{httpd.server_address[1]}/pixel.gif"

profile = tempfile.TemporaryDirectory(prefix="pf-ui-actions-")
env = dict(os.environ)
for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[var] = os.path.join(profile.name, var.lower())
    os.makedirs(env[var])

MESSAGES = [
    # (subject, content-type, body); the last one delivered is the newest
    ("Ältere Nachricht", "text/plain; charset=utf-8", "Nur Text.\r\n"),
    ("Verschieben bitte", "text/plain; charset=utf-8", "Bitte ins Archiv.\r\n"),
    ("Löschen bitte", "text/plain; charset=utf-8", "Bitte löschen.\r\n"),
    ("Newsletter mit Bild", "text/html; charset=utf-8",
     f"<html><body><p>Hallo aus dem Newsletter</p><img src=\"{REMOTE}\" alt=\"Bild\"></body></html>\r\n"),
    ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "text/plain; charset=utf-8",
     "Hallo Alice,\r\n\r\nviele Grüße aus Köln.\r\n\r\n> Zitierte Zeile\r\n"),
]
with smtplib.LMTP(servers["lmtp"]["socket"]) as lmtp:
    for i, (subject, ctype, body) in enumerate(MESSAGES):
        lmtp.sendmail("juergen@example.test", [ALICE["address"]],
                      ("From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.test>\r\n"
                       f"To: Alice <{ALICE['address']}>\r\n"
                       f"Subject: {subject}\r\n"
                       f"Date: Mon, 2 Nov 2026 10:{i:02d}:00 +0100\r\n"
                       f"Message-ID: <actions-{i}@example.test>\r\n"
                       "MIME-Version: 1.0\r\n"
                       f"Content-Type: {ctype}\r\n"
                       "Content-Transfer-Encoding: 8bit\r\n\r\n" + body).encode("utf-8"))

account = subprocess.run([args.cli, "account", "add", "--name", "Alice Beispiel", "--email",
                          ALICE["address"], "--kind", "imap", "--host", IMAPS["host"],
                          "--port", IMAPS["port"], "--security", "tls", "--user",
                          ALICE["login"], "--ca-file", servers["tls"]["ca-file"]],
                         input=ALICE["password"] + "\n", capture_output=True, text=True,
                         env=env, check=True).stdout.strip()
# Summaries only: the bodies come when a message is opened.
subprocess.run([args.cli, "sync", "--bodies", "none", account], env=env, check=True,
               capture_output=True)


def imap():
    ctx = ssl.create_default_context(cafile=servers["tls"]["ca-file"])
    conn = imaplib.IMAP4_SSL(IMAPS["host"], int(IMAPS["port"]), ssl_context=ctx)
    conn.login(ALICE["login"], ALICE["password"])
    return conn


INDEX = {"Köln": 4, "Newsletter": 3, "Löschen": 2, "Verschieben": 1}


def server_flags(subject_word, mailbox="INBOX"):
    """The flags of the message whose subject has SUBJECT_WORD, or None."""
    with imap() as conn:
        conn.select(mailbox, readonly=True)
        typ, data = conn.search(None, "HEADER", "Message-ID",
                                f"<actions-{INDEX[subject_word]}@example.test>")
        if typ != "OK" or not data[0]:
            return None
        num = data[0].split()[0]
        typ, data = conn.fetch(num, "(FLAGS)")
        return data[0].decode()


def wait_server(predicate, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    check(False, f"the server never showed: {what}")


tap = Tap()
app = AppUnderTest(args.app, lang=args.lang,
                   extra_env={var: env[var] for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                        "XDG_CACHE_HOME")})


def screenshot(name):
    path = os.path.join(artifacts, f"window-{name}-{args.lang}.png")
    subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
    print(f"# screenshot: {path}")


def find_containing(role, text, root=None, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        found = pyatspi.findDescendant(root or app.app, lambda n: n.getRoleName() == role
                                       and text in (n.name or "")
                                       and n.getState().contains(pyatspi.STATE_VISIBLE))
        if found is not None or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def select_message(subject):
    pane = app.find("panel", strings["messages"])
    label = app.find_row(subject, root=pane, timeout=15)
    check(label is not None, f"no row {subject!r}; showing: {app.texts()}")
    click(app.process.pid, "Postfach", label)
    return label


def preview_text(timeout=15):
    """Every text the preview shows, labels and text views."""
    pane = app.find("panel", strings["preview"])
    check(pane is not None, f"no preview; showing: {app.texts()}")
    found = pyatspi.findAllDescendants(pane, lambda n: n.getRoleName() in ("label", "text")
                                       and n.getState().contains(pyatspi.STATE_VISIBLE))
    texts = []
    for node in found:
        if node.getRoleName() == "text":
            try:
                texts.append(node.queryText().getText(0, -1))
            except Exception:
                pass
        elif node.name:
            texts.append(node.name)
    return texts


def wait_preview(fragment, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(fragment in t for t in preview_text()):
            return True
        time.sleep(0.3)
    return False


@tap.test("the window opens on the Inbox, newest first, decoded")
def _():
    app.wait_for_app()
    check(app.find("frame", "Postfach", timeout=20) is not None, "no window")
    pane = app.find("panel", strings["messages"])
    check(app.find_row("Grüße aus Köln", root=pane, timeout=20) is not None,
          f"the Inbox did not open by itself; showing: {app.texts()}")
    check(app.find_row("Jürgen Müller", root=pane) is not None, "no decoded sender")
    screenshot("inbox")


@tap.test("a message shows its decoded header and its text, fetched on demand")
def _():
    select_message("Grüße aus Köln")
    check(wait_preview("viele Grüße aus Köln."), f"no body; preview: {preview_text()}")
    texts = preview_text()
    check(any("Jürgen Müller" in t for t in texts), f"no decoded From: {texts}")
    check(any("Grüße aus Köln" == t for t in texts), f"no decoded subject: {texts}")
    screenshot("message")


@tap.test("the shown message is marked read on the server (after two seconds)")
def _():
    wait_server(lambda: "\\Seen" in (server_flags("Köln") or ""), "\\Seen on the message")


@tap.test("HTML mail: its remote image is not loaded until the user allows it")
def _():
    select_message("Newsletter mit Bild")
    button = app.find("push button", strings["show-remote"], timeout=20)
    check(button is not None, f"no {strings['show-remote']!r}; showing: {app.texts()}")
    time.sleep(1.5)
    check(Counter.hits == 0, f"the remote host was contacted {Counter.hits} times")
    screenshot("html-blocked")
    button.queryAction().doAction(0)
    deadline = time.monotonic() + 15
    while Counter.hits == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    check(Counter.hits > 0, "allowed, but the image was not loaded")


@tap.test("flag reaches the server")
def _():
    select_message("Grüße aus Köln")
    wait_preview("viele Grüße aus Köln.")
    button = app.find("push button", strings["flag"])
    check(button is not None, f"no {strings['flag']!r} button; showing: {app.texts()}")
    button.queryAction().doAction(0)
    wait_server(lambda: "\\Flagged" in (server_flags("Köln") or ""), "\\Flagged")


@tap.test("delete, then Undo: the message stays, on the server too")
def _():
    select_message("Löschen bitte")
    app.find("push button", strings["delete"]).queryAction().doAction(0)
    pane = app.find("panel", strings["messages"])
    deadline = time.monotonic() + 5
    while app.find_row("Löschen bitte", root=pane, timeout=0.2) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(app.find_row("Löschen bitte", root=pane, timeout=0.2) is None,
          "the deleted message is still listed")
    undo = app.find("push button", strings["undo"], timeout=5)
    check(undo is not None, f"no Undo; showing: {app.texts()}")
    screenshot("undo")
    # Clicked as a user does: the toast can go while an accessible action is
    # on its way to it.
    click(app.process.pid, "Postfach", undo)
    back = app.find_row("Löschen bitte", root=pane, timeout=10)
    if back is None:
        screenshot("undo-failed")
    check(back is not None, "Undo did not bring the message back; the app said:\n"
          + app.output()[-3000:] + "\nshowing: " + repr(app.texts()))
    time.sleep(7)
    check(server_flags("Löschen") is not None and "\\Deleted" not in server_flags("Löschen"),
          "the undone delete reached the server")


@tap.test("delete reaches the server: the message goes to the Trash")
def _():
    select_message("Löschen bitte")
    app.find("push button", strings["delete"]).queryAction().doAction(0)
    wait_server(lambda: server_flags("Löschen", "Trash") is not None, "the message in Trash",
                timeout=40)


@tap.test("move by the Move To menu reaches the server")
def _():
    select_message("Verschieben bitte")
    menu = app.find("toggle button", strings["move"]) or app.find("push button", strings["move"])
    check(menu is not None, f"no {strings['move']!r} menu; showing: {app.texts()}")
    click(app.process.pid, "Postfach", menu)
    item = find_containing("menu item", "Archiv", timeout=5) or \
        find_containing("push button", "Archiv", timeout=1)
    check(item is not None, f"no Archive in the menu; showing: {app.texts()}")
    screenshot("move-menu")
    # The menu is a surface of its own: activated through its accessible action.
    item.queryAction().doAction(0)
    wait_server(lambda: server_flags("Verschieben", "Archive") is not None,
                "the message in Archive", timeout=40)


@tap.test("a narrow window shows one pane at a time, with Back")
def _():
    r = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(app.process.pid),
                        "--name", "^Postfach$"], capture_output=True, text=True, timeout=20)

    def area(window_id):
        geometry = subprocess.run(["xdotool", "getwindowgeometry", "--shell", window_id],
                                  capture_output=True, text=True, timeout=20).stdout
        values = dict(line.split("=", 1) for line in geometry.split())
        return int(values.get("WIDTH", 0)) * int(values.get("HEIGHT", 0))

    # The main window, not a tooltip or menu of the same name.
    window = max(r.stdout.split(), key=area)
    subprocess.run(["xdotool", "windowsize", "--sync", window, "600", "700"], check=True,
                   timeout=20)
    time.sleep(1)
    screenshot("narrow")
    back = app.find("push button", strings["back"], timeout=10)
    check(back is not None, f"no {strings['back']!r} button; showing: {app.texts()}")
    back.queryAction().doAction(0)
    time.sleep(0.5)
    screenshot("narrow-back")
    subprocess.run(["xdotool", "windowsize", "--sync", window, "1200", "760"], check=True,
                   timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and app.find("push button", strings["back"], timeout=0.2):
        time.sleep(0.2)
    check(app.find("push button", strings["back"], timeout=0.2) is None,
          "wide again, but the Back button stayed")


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
httpd.shutdown()
sys.exit(status)
