#!/usr/bin/python3
# test-cli-memcheck.py: postfach-cli under valgrind against the real
# servers: a sync, a resync with changes, show, a queued change, sending
# and the watch loop must neither touch invalid memory nor leak.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (see meson.build): run-in-session --keyring -- pf-test-servers run --
#   test-cli-memcheck.py POSTFACH-CLI VALGRIND-SUPPRESSIONS

import configparser
import imaplib
import os
import shutil
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from pftap import Tap, check  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
SUPPRESSIONS = os.path.abspath(sys.argv[2])
servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
ALICE = servers["user:alice"]
IMAPS = servers["imaps"]
CA_FILE = servers["tls"]["ca-file"]
VALGRIND = shutil.which("valgrind")
LEAK_STATUS = 99

home = tempfile.TemporaryDirectory(prefix="pf-cli-memcheck-")
env = dict(os.environ)
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[name] = os.path.join(home.name, name.lower())
    os.makedirs(env[name])
env["LC_ALL"] = "C.UTF-8"
env["G_SLICE"] = "always-malloc"
env["G_DEBUG"] = "gc-friendly"

tap = Tap()
state = {}


def cli(*args, password=None, timeout=300):
    command = [VALGRIND, "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite",
               f"--error-exitcode={LEAK_STATUS}", "--num-callers=30",
               f"--suppressions={SUPPRESSIONS}", CLI, *args]
    result = subprocess.run(command, input=(password + "\n") if password else "",
                            capture_output=True, text=True, env=env, timeout=timeout)
    check(result.returncode != LEAK_STATUS,
          f"valgrind found errors in postfach-cli {' '.join(args)}:\n{result.stderr[-6000:]}")
    check(result.returncode == 0, f"postfach-cli {' '.join(args)} exited "
          f"{result.returncode}: {result.stderr[-2000:]}")
    return result


def imap():
    context = ssl.create_default_context(cafile=CA_FILE)
    connection = imaplib.IMAP4_SSL(IMAPS["host"], int(IMAPS["port"]), ssl_context=context)
    connection.login(ALICE["login"], ALICE["password"])
    return connection


def append(subject, body="Hallo!\r\n", flags=""):
    connection = imap()
    connection.append("INBOX", flags, imaplib.Time2Internaldate(time.time()),
                      (f"From: =?utf-8?q?J=C3=BCrgen?= <j@example.test>\r\n"
                       f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}@x>\r\n"
                       f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                       f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
                       f"--b\r\nContent-Type: application/octet-stream\r\n"
                       f"Content-Disposition: attachment; filename=a.bin\r\n"
                       f"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n").encode())
    connection.logout()


@tap.test("account add, sync, resync, show, flag and undo without memory errors")
def test_commands():
    for i in range(20):
        append(f"Nachricht {i}", flags="(\\Seen)" if i % 2 else "")
    account = cli("account", "add", "--name", "Alice", "--email", ALICE["address"],
                  "--kind", "imap", "--host", IMAPS["host"], "--port", IMAPS["port"],
                  "--security", "tls", "--user", ALICE["login"], "--ca-file", CA_FILE,
                  password=ALICE["password"]).stdout.strip()
    state["account"] = account
    cli("sync", account)
    append("Neu")
    connection = imap()
    connection.select("INBOX")
    connection.uid("STORE", "1", "+FLAGS", "(\\Flagged)")
    connection.uid("STORE", "2", "+FLAGS", "(\\Deleted)")
    connection.expunge()
    connection.logout()
    cli("sync", account)
    out = cli("show", "INBOX", "3").stdout
    check("Nachricht 2" in out and "a.bin" in out, out)
    change = cli("flag", "--offline", "INBOX", "4", "--flagged").stdout.strip()
    cli("undo", change)
    cli("flag", "INBOX", "5", "--seen")
    cli("search", "nachricht")
    cli("move", "INBOX", "6", "--to", "Archive")


@tap.test("drafts and a POP3 download with local changes without memory errors")
def test_drafts_pop3():
    draft = os.path.join(home.name, "draft.eml")
    with open(draft, "w") as f:
        f.write("From: alice@example.test\r\nSubject: Entwurf\r\n\r\nText\r\n")
    draft_id = cli("draft", "save", draft).stdout.strip()
    cli("draft", "save", "--draft", draft_id, draft)
    cli("draft", "delete", draft_id)

    pop = servers["user:pop"]
    with smtplib.LMTP(servers["lmtp"]["socket"]) as lmtp:
        for i in range(5):
            lmtp.sendmail("a@example.test", [pop["address"]],
                          f"Subject: POP {i}\r\nMessage-ID: <memcheck-{i}@x>\r\n\r\nx\r\n"
                          .encode())
    pop3s = servers["pop3s"]
    account = cli("account", "add", "--name", "Pop", "--email", pop["address"], "--kind",
                  "pop3", "--host", pop3s["host"], "--port", pop3s["port"], "--security", "tls",
                  "--user", pop["login"], "--ca-file", CA_FILE, "--pop3-policy",
                  "mirror-local-deletes", password=pop["password"]).stdout.strip()
    cli("sync", account)
    cli("delete", "--account", account, "INBOX", "1")
    cli("delete", "--account", account, "Trash", "1")
    cli("sync", account)


@tap.test("send, the outbox and the copy in Sent without memory errors")
def test_send():
    submissions = servers["submissions"]
    account = cli("account", "add", "--name", "Sender", "--email", ALICE["address"],
                  "--kind", "imap", "--host", IMAPS["host"], "--port", IMAPS["port"],
                  "--security", "tls", "--user", ALICE["login"], "--ca-file", CA_FILE,
                  "--smtp-port", submissions["port"], "--smtp-security", "tls",
                  password=ALICE["password"]).stdout.strip()
    cli("send", "--account", account, "--to", ALICE["address"], "--bcc", "bob@example.test",
        "--subject", "Grüße unter valgrind", password="Hallo,\nwie geht's?")
    path = os.path.join(home.name, "message.eml")
    with open(path, "w") as f:
        f.write(f"To: {ALICE['address']}\nBcc: bob@example.test\nSubject: Datei\n\nText\n")
    cli("send", "--queue-only", "--account", account, path)
    check(cli("outbox", "--account", account).stdout.count("\tqueued\t") == 1, "not queued")
    cli("send", "--account", account)
    check(cli("outbox", "--account", account).stdout == "", "left in the outbox")


@tap.test("the watch loop ends cleanly on SIGTERM without memory errors")
def test_watch():
    command = [VALGRIND, "--quiet", "--leak-check=full", "--errors-for-leak-kinds=definite",
               f"--error-exitcode={LEAK_STATUS}", f"--suppressions={SUPPRESSIONS}",
               CLI, "sync", "--watch", "--poll-interval", "1", state["account"]]
    watcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    first = watcher.stdout.readline()
    check(first.startswith(state["account"]), f"no first run: {first!r}")
    append("Live")
    second = watcher.stdout.readline()
    check(second.startswith(state["account"]), f"no second run: {second!r}")
    watcher.terminate()
    out, err = watcher.communicate(timeout=120)
    check(watcher.returncode != LEAK_STATUS, f"valgrind found errors:\n{err[-6000:]}")
    check(watcher.returncode == 0, f"exit {watcher.returncode}: {err[-2000:]}")


if VALGRIND is None:
    print("1..0 # SKIP valgrind is not installed")
    sys.exit(0)
sys.exit(tap.run())
