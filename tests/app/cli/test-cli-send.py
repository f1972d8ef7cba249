#!/usr/bin/python3
# test-cli-send.py: postfach-cli send and outbox against the real servers:
# the mail arrives (envelope, Bcc only in the envelope), exactly one copy
# lands in Sent whether the server files sent mail itself or not, a POP3
# account's copy goes into its local Sent folder, failures keep the message
# with the server's reason until a retry sends it once, and a crash between
# the server's 250 and the end of the run sends nothing twice.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (see meson.build): run-in-session --keyring -- pf-test-servers run
#   --smtp-files-sent bob --smtp-size-limit 200000 -- test-cli-send.py POSTFACH-CLI
#
# alice's server does not file sent mail, bob's does (as Gmail does); pop
# is a POP3 account.

import configparser
import email
import email.policy
import imaplib
import os
import re
import secrets
import signal
import socket
import sqlite3
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from pftap import Tap, check  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
USERS = {name: servers["user:" + name] for name in ("alice", "bob", "pop")}
IMAPS = servers["imaps"]
POP3S = servers["pop3s"]
SUBMISSION = servers["submission"]
SUBMISSIONS = servers["submissions"]
CA_FILE = servers["tls"]["ca-file"]
SMTP_LOG = servers["smtp"]["log"]
SIZE_LIMIT = int(servers["smtp"]["size-limit"])
check("bob" in servers["smtp"]["files-sent"].split(","),
      "start the servers with --smtp-files-sent bob")

home = tempfile.TemporaryDirectory(prefix="pf-cli-send-")
env = dict(os.environ)
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[name] = os.path.join(home.name, name.lower())
    os.makedirs(env[name])
env["LC_ALL"] = "C.UTF-8"

tap = Tap()
accounts = {}


def cli(*args, stdin="", expect=0, timeout=120):
    result = subprocess.run([CLI, *args], input=stdin, capture_output=True, text=True, env=env,
                            timeout=timeout)
    if expect is not None and result.returncode != expect:
        raise AssertionError(f"postfach-cli {' '.join(args)} exited {result.returncode}, "
                             f"expected {expect}\nstdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def add_account(user, name=None, kind="imap", imap_port=None, smtp_port=None, smtp=SUBMISSIONS,
                password=None):
    u = USERS[user]
    incoming = IMAPS if kind == "imap" else POP3S
    result = cli("account", "add", "--name", name or user, "--email", u["address"],
                 "--kind", kind, "--host", incoming["host"],
                 "--port", str(imap_port or incoming["port"]), "--security", "tls",
                 "--user", u["login"], "--smtp-host", smtp["host"],
                 "--smtp-port", str(smtp_port or smtp["port"]),
                 "--smtp-security", smtp["security"], "--ca-file", CA_FILE,
                 stdin=(password or u["password"]) + "\n")
    return result.stdout.strip()


def imap(user):
    context = ssl.create_default_context(cafile=CA_FILE)
    connection = imaplib.IMAP4_SSL(IMAPS["host"], int(IMAPS["port"]), ssl_context=context)
    connection.login(USERS[user]["login"], USERS[user]["password"])
    return connection


def copies(user, folder, message_id):
    """(flags, header bytes) of each message in FOLDER with MESSAGE-ID."""
    connection = imap(user)
    typ, data = connection.select(folder, readonly=True)
    check(typ == "OK", f"SELECT {folder}: {data}")
    typ, data = connection.uid("SEARCH", "HEADER", "Message-ID", f'"<{message_id}>"')
    result = []
    for uid in data[0].split():
        typ, fetched = connection.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
        result.append((re.search(rb"FLAGS \(([^)]*)\)", fetched[0][0]).group(1).decode(),
                       fetched[0][1]))
    connection.logout()
    return result


def smtp_accepted(message_id):
    """The log lines of the SMTP server for each time it accepted MESSAGE-ID."""
    with open(SMTP_LOG, errors="replace") as f:
        return [line for line in f if f"message-id=<{message_id}>" in line and "delivered" in line]


def outbox(account):
    rows = {}
    for line in cli("outbox", "--account", account).stdout.splitlines():
        fields = line.split("\t")
        check(len(fields) == 7, f"odd outbox line {line!r}")
        rows[int(fields[0])] = dict(zip(("state", "attempts", "next", "error", "subject",
                                         "recipients"), fields[1:]))
    return rows


def outbox_state(account, item):
    """The state in the index, read without opening the store."""
    path = os.path.join(env["XDG_DATA_HOME"], "postfach", account, "index.sqlite")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        row = db.execute("SELECT state FROM outbox WHERE id = ?", (item,)).fetchone()
    return row[0] if row else None


def new_message(sender, to, subject=None, cc=(), bcc=(), body="Hallo,\ngrüße!\n", extra=""):
    message_id = f"{secrets.token_hex(8)}@test.example"
    subject = subject or f"Test {secrets.token_hex(4)}"
    text = (f"From: {USERS[sender]['address']}\n"
            f"To: {', '.join(USERS[u]['address'] for u in to)}\n"
            + (f"Cc: {', '.join(USERS[u]['address'] for u in cc)}\n" if cc else "")
            + (f"Bcc: {', '.join(USERS[u]['address'] if u in USERS else u for u in bcc)}\n"
               if bcc else "")
            + f"Subject: {subject}\nMessage-ID: <{message_id}>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            f"Content-Transfer-Encoding: 8bit\n{extra}\n{body}")
    path = os.path.join(home.name, f"{message_id}.eml")
    with open(path, "w") as f:
        f.write(text)
    return path, message_id, subject


def summary(stdout):
    line = stdout.strip().splitlines()[-1]
    numbers = [int(n) for n in re.findall(r"(\d+) ", line.split(":", 1)[1])]
    return dict(zip(("sent", "copied", "filed", "later", "failed"), numbers))


class Proxy:
    """A TCP port in front of a server that the test switches between
    forwarding, forwarding the client's bytes slowly, holding connections
    without a word, and closing them; cut() ends the forwarded ones at once."""

    def __init__(self, host, port, listen_port=0):
        self.target = (host, int(port))
        self.mode = "forward"
        self.held = []
        self.upstreams = []
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind((host, listen_port))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.mode == "hold":
                self.held.append(client)
            elif self.mode == "close":
                client.close()
            else:
                upstream = socket.create_connection(self.target)
                self.upstreams.append(upstream)
                slow = self.mode == "slow"
                threading.Thread(target=self.pump, args=(client, upstream, slow),
                                 daemon=True).start()
                threading.Thread(target=self.pump, args=(upstream, client, False),
                                 daemon=True).start()

    def pump(self, source, sink, slow):
        try:
            while True:
                data = source.recv(512 if slow else 65536)
                if not data:
                    break
                sink.sendall(data)
                if slow:
                    time.sleep(0.005)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        for upstream in self.upstreams:
            upstream.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            upstream.close()
        self.upstreams = []

    def release(self):
        for client in self.held:
            client.close()
        self.held = []

    def close(self):
        self.server.close()
        self.cut()
        self.release()


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_state(account, item, state, process):
    """Waits until the running PROCESS has stored STATE for ITEM."""
    deadline = time.monotonic() + 20
    while outbox_state(account, item) != state and time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"postfach-cli ended: {process.communicate()}")
        time.sleep(0.01)
    check(outbox_state(account, item) == state, f"never reached state {state}")


@tap.test("a message file reaches To and Bcc, Bcc only in the envelope; one copy in Sent")
def test_file_to_imap_sent():
    accounts["alice"] = add_account("alice")
    path, message_id, subject = new_message("alice", ["bob"], bcc=["pop"])
    result = cli("send", "--account", accounts["alice"], path)
    lines = result.stdout.splitlines()
    check(lines[0].isdigit(), result.stdout)
    check(summary(result.stdout) == dict(sent=1, copied=1, filed=0, later=0, failed=0),
          result.stdout)

    accepted = smtp_accepted(message_id)
    check(len(accepted) == 1, f"accepted {len(accepted)} times: {accepted}")
    check(f"from=<{USERS['alice']['address']}> "
          f"to={USERS['bob']['address']},{USERS['pop']['address']} " in accepted[0], accepted[0])
    for user in ("bob", "pop"):
        got = copies(user, "INBOX", message_id)
        check(len(got) == 1, f"{user} got {len(got)} copies")
        message = email.message_from_bytes(got[0][1], policy=email.policy.default)
        check(message["Bcc"] is None, f"{user} sees the Bcc: {message['Bcc']}")
        check(message["Subject"] == subject and "grüße" in message.get_content(), got[0][1])

    sent = copies("alice", "Sent", message_id)
    check(len(sent) == 1, f"{len(sent)} copies in Sent")
    check("\\Seen" in sent[0][0], f"flags {sent[0][0]}")
    check(b"\nBcc:" not in sent[0][1] and b"\r\n" in sent[0][1], sent[0][1][:400])
    check(outbox(accounts["alice"]) == {}, "the outbox is not empty")

    # A later sync shows the copy in the local Sent folder.
    cli("sync", accounts["alice"])
    listed = cli("ls", "--account", accounts["alice"], "Sent").stdout
    check(listed.count(subject) == 1, listed)


@tap.test("a composed message (--to, --cc, --bcc, --attach, text on stdin) sent by a server "
          "that files sent mail itself: still one copy in Sent")
def test_compose_server_files_sent():
    accounts["bob"] = add_account("bob")
    attachment = os.path.join(home.name, "Bericht März.txt")
    with open(attachment, "w") as f:
        f.write("Zahlen\n")
    subject = f"Grüße mit Anhang {secrets.token_hex(4)}"
    result = cli("send", "--account", accounts["bob"], "--to", USERS["alice"]["address"],
                 "--cc", f"Pop Drei <{USERS['pop']['address']}>", "--bcc", "pop@example.test",
                 "--subject", subject, "--attach", attachment, stdin="Hallo Alice,\nanbei.\n")
    check(summary(result.stdout) == dict(sent=1, copied=0, filed=1, later=0, failed=0),
          result.stdout)

    connection = imap("alice")
    connection.select("INBOX", readonly=True)
    typ, data = connection.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT",
                               subject.split()[-1])
    uids = data[0].split()
    check(len(uids) == 1, f"alice got {len(uids)}")
    typ, fetched = connection.uid("FETCH", uids[0], "(BODY.PEEK[])")
    connection.logout()
    message = email.message_from_bytes(fetched[0][1], policy=email.policy.default)
    message_id = message["Message-ID"].strip("<>")
    check(message["Subject"] == subject, message["Subject"])
    check(message["From"].addresses[0].addr_spec == USERS["bob"]["address"], message["From"])
    check(message["Bcc"] is None, "Bcc visible")
    names = [part.get_filename() for part in message.iter_attachments()]
    check(names == ["Bericht März.txt"], names)
    check("anbei" in message.get_body(("plain",)).get_content(), "text missing")

    accepted = smtp_accepted(message_id)
    check(len(accepted) == 1, accepted)
    # pop is in Cc and Bcc: one RCPT
    check(accepted[0].count(USERS["pop"]["address"]) == 1, accepted[0])
    check(len(copies("pop", "INBOX", message_id)) == 1, "pop did not get it once")
    sent = copies("bob", "Sent", message_id)
    check(len(sent) == 1, f"{len(sent)} copies in bob's Sent")


@tap.test("a POP3 account keeps its copy in the local Sent folder, once")
def test_pop3_local_sent():
    accounts["pop"] = add_account("pop", kind="pop3", smtp=SUBMISSION)
    path, message_id, subject = new_message("pop", ["alice"])
    result = cli("send", "--account", accounts["pop"], path)
    check(summary(result.stdout) == dict(sent=1, copied=1, filed=0, later=0, failed=0),
          result.stdout)
    check(len(smtp_accepted(message_id)) == 1, "not accepted once")
    check(len(copies("alice", "INBOX", message_id)) == 1, "alice did not get it")
    check(copies("pop", "Sent", message_id) == [], "appended to the server's Sent")
    folders = [line.split("\t") for line in
               cli("folders", accounts["pop"]).stdout.splitlines()]
    check(["Sent", "sent", "0", "1"] in folders, folders)
    listed = cli("ls", "--account", accounts["pop"], "Sent").stdout
    check(listed.count(subject) == 1 and "\tS\t" in listed, listed)
    check(cli("search", "--account", accounts["pop"], subject.split()[-1]).stdout.count(subject)
          == 1, "not found by search")
    again = cli("send", "--account", accounts["pop"])
    check(summary(again.stdout)["sent"] == 0, again.stdout)
    check(cli("ls", "--account", accounts["pop"], "Sent").stdout.count(subject) == 1, "twice")


@tap.test("--queue-only waits in the outbox until the next send")
def test_queue_only():
    account = accounts["alice"]
    path, message_id, subject = new_message("alice", ["bob"])
    item = cli("send", "--queue-only", "--account", account, path).stdout.strip()
    rows = outbox(account)
    check(list(rows) == [int(item)], rows)
    row = rows[int(item)]
    check(row["state"] == "queued" and row["attempts"] == "0" and row["subject"] == subject,
          row)
    check(row["recipients"] == USERS["bob"]["address"], row)
    check(smtp_accepted(message_id) == [], "sent although only queued")
    result = cli("send", "--account", account)
    check(summary(result.stdout)["sent"] == 1, result.stdout)
    check(len(smtp_accepted(message_id)) == 1 and len(copies("alice", "Sent", message_id)) == 1,
          "not sent and copied once")
    check(outbox(account) == {}, "left in the outbox")


@tap.test("refused recipients and a message too large fail for good with the server's reason")
def test_refused():
    account = accounts["alice"]
    # All recipients refused: nothing is sent.
    path, message_id, _ = new_message("alice", [], bcc=["nobody@example.test"])
    result = cli("send", "--account", account, path, expect=1)
    item = int(result.stdout.splitlines()[0])
    row = outbox(account)[item]
    check(row["state"] == "failed" and row["attempts"] == "1", row)
    check("550" in row["error"] and "User unknown" in row["error"], row)
    check("User unknown" in result.stderr, result.stderr)
    check(smtp_accepted(message_id) == [], "sent")
    cli("outbox", "--account", account, "remove", str(item))
    check(outbox(account) == {}, "not removed")
    cli("outbox", "--account", account, "remove", str(item), expect=3)

    # One of two refused: bob gets it, the refused one waits for the user.
    path, message_id, _ = new_message("alice", ["bob"], bcc=["nobody@example.test"])
    result = cli("send", "--account", account, path, expect=1)
    check(len(smtp_accepted(message_id)) == 1 and len(copies("bob", "INBOX", message_id)) == 1,
          "bob did not get it once")
    check(len(copies("alice", "Sent", message_id)) == 1, "no copy in Sent")
    rows = outbox(account)
    check(len(rows) == 1, rows)
    row = list(rows.values())[0]
    check(row["state"] == "failed" and row["recipients"] == "nobody@example.test", row)
    check("550" in row["error"], row)
    cli("outbox", "--account", account, "remove", str(list(rows)[0]))

    # Larger than the server's SIZE
    path, message_id, _ = new_message("alice", ["bob"],
                                      body=("y" * 76 + "\n") * (SIZE_LIMIT // 77 + 10))
    result = cli("send", "--account", account, path, expect=1)
    item = int(result.stdout.splitlines()[0])
    row = outbox(account)[item]
    check(row["state"] == "failed", row)
    check(str(SIZE_LIMIT) in row["error"] or "552" in row["error"] or "large" in row["error"],
          row)
    cli("outbox", "--account", account, "remove", str(item))


def store_password(account, user, service, host, password):
    subprocess.run(["secret-tool", "store", "--label", "test", "xdg:schema",
                    "org.postfach.Password", "account", account, "service", service,
                    "host", host, "user", USERS[user]["login"]],
                   input=password, text=True, check=True, env=env)


@tap.test("a wrong password keeps the message (exit 4); a retry sends it once")
def test_wrong_password():
    account = add_account("alice", name="Wrong", password="not-the-password")
    path, message_id, _ = new_message("alice", ["bob"])
    result = cli("send", "--account", account, path, expect=4)
    item = int(result.stdout.splitlines()[0])
    row = outbox(account)[item]
    check(row["state"] == "failed" and "535" in row["error"], row)
    cli("send", "--account", account, expect=0)
    check(outbox(account)[item]["state"] == "failed", "a failed message was sent again")
    check(smtp_accepted(message_id) == [], "sent")

    store_password(account, "alice", "smtp", SUBMISSIONS["host"], USERS["alice"]["password"])
    store_password(account, "alice", "imap", IMAPS["host"], USERS["alice"]["password"])
    result = cli("outbox", "--account", account, "retry", str(item))
    check(summary(result.stdout)["sent"] == 1, result.stdout)
    check(len(smtp_accepted(message_id)) == 1, "not sent once")
    check(len(copies("alice", "Sent", message_id)) == 1, "not in Sent once")
    check(outbox(account) == {}, "left in the outbox")
    cli("account", "remove", account)


@tap.test("an unreachable server: queued with a growing wait (exit 6); a retry sends it once")
def test_server_down():
    port = free_port(SUBMISSIONS["host"])
    account = add_account("alice", name="Down", smtp_port=port)
    path, message_id, _ = new_message("alice", ["bob"])
    start = time.time()
    result = cli("send", "--account", account, path, expect=6)
    item = int(result.stdout.splitlines()[0])
    row = outbox(account)[item]
    check(row["state"] == "queued" and row["attempts"] == "1" and row["error"] != "-", row)
    wait = time.mktime(time.strptime(row["next"][:19], "%Y-%m-%dT%H:%M:%S")) - start
    check(55 <= wait <= 65, f"next attempt in {wait:.0f} s: {row}")
    # Not due yet: the next run leaves it alone.
    result = cli("send", "--account", account)
    check(summary(result.stdout)["later"] == 1 and outbox(account)[item]["attempts"] == "1",
          result.stdout)
    # Due again (retry): down again, the wait doubles.
    cli("outbox", "--account", account, "retry", "--queue-only", str(item))
    check(outbox(account)[item]["attempts"] == "0", "retry did not reset")
    cli("send", "--account", account, expect=6)
    cli("outbox", "--account", account, "retry", "--queue-only", str(item))

    proxy = Proxy(SUBMISSIONS["host"], SUBMISSIONS["port"], listen_port=port)
    try:
        result = cli("outbox", "--account", account, "retry", str(item))
    finally:
        proxy.close()
    check(summary(result.stdout)["sent"] == 1, result.stdout)
    check(len(smtp_accepted(message_id)) == 1, "not sent once")
    check(len(copies("alice", "Sent", message_id)) == 1, "not in Sent once")
    cli("account", "remove", account)


@tap.test("killed between the server's 250 and the copy in Sent: never sent twice, one copy")
def test_killed_after_acceptance():
    proxy = Proxy(IMAPS["host"], IMAPS["port"])
    account = add_account("alice", name="Crash", imap_port=proxy.port)
    path, message_id, _ = new_message("alice", ["bob"])
    item = int(cli("send", "--queue-only", "--account", account, path).stdout)

    # The copy in Sent hangs: the process sits between SENT and removal.
    proxy.mode = "hold"
    process = subprocess.Popen([CLI, "send", "--account", account], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    wait_state(account, item, 2, process)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    proxy.release()
    check(len(smtp_accepted(message_id)) == 1, "not accepted once")
    check(copies("alice", "Sent", message_id) == [], "copied before the kill")
    check(outbox(account)[item]["state"] == "sent", outbox(account))

    # The copy fails: shown, kept, not sent again.
    proxy.mode = "close"
    result = cli("send", "--account", account, expect=None)
    check(result.returncode != 0, "a failed copy in Sent passed silently")
    row = outbox(account)[item]
    check(row["state"] == "sent" and "Sent" in row["error"], row)
    check(summary(result.stdout)["sent"] == 0 and summary(result.stdout)["failed"] == 1,
          result.stdout)

    proxy.mode = "forward"
    result = cli("send", "--account", account)
    check(summary(result.stdout) == dict(sent=0, copied=1, filed=0, later=0, failed=0),
          result.stdout)
    check(len(smtp_accepted(message_id)) == 1, "sent twice")
    check(len(copies("alice", "Sent", message_id)) == 1, "not one copy in Sent")
    check(outbox(account) == {}, "left in the outbox")

    # Killed after the copy, before the entry left: the next run finds the copy.
    path, message_id, _ = new_message("alice", ["bob"])
    item = int(cli("send", "--queue-only", "--account", account, path).stdout)
    proxy.mode = "hold"
    process = subprocess.Popen([CLI, "send", "--account", account], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    wait_state(account, item, 2, process)
    process.kill()
    process.wait()
    proxy.release()
    with open(path, "rb") as f:
        connection = imap("alice")
        connection.append("Sent", "(\\Seen)", imaplib.Time2Internaldate(time.time()),
                          f.read().replace(b"\n", b"\r\n"))
        connection.logout()
    proxy.mode = "forward"
    result = cli("send", "--account", account)
    check(summary(result.stdout) == dict(sent=0, copied=0, filed=1, later=0, failed=0),
          result.stdout)
    check(len(smtp_accepted(message_id)) == 1, "sent twice")
    check(len(copies("alice", "Sent", message_id)) == 1, "two copies in Sent")
    proxy.close()
    cli("account", "remove", account)


@tap.test("killed while the server takes the message: sent again, once; one run at a time")
def test_killed_while_sending():
    proxy = Proxy(SUBMISSIONS["host"], SUBMISSIONS["port"])
    account = add_account("alice", name="Crash while sending", smtp_port=proxy.port)
    path, message_id, _ = new_message("alice", ["bob"],
                                      body=("z" * 76 + "\n") * (SIZE_LIMIT // 2 // 77))
    item = int(cli("send", "--queue-only", "--account", account, path).stdout)

    proxy.mode = "slow"
    process = subprocess.Popen([CLI, "send", "--account", account], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_state(account, item, 1, process)
        # One run at a time: another process keeps its hands off.
        busy = cli("send", "--account", account, expect=1)
        check("being sent" in busy.stderr, busy.stderr)
        cli("outbox", "--account", account, "remove", str(item), expect=1)
        check(outbox_state(account, item) == 1, "changed by the second process")
    finally:
        proxy.cut()
        process.kill()
        process.wait()
    check(smtp_accepted(message_id) == [], "the server got the whole message")
    check(outbox(account)[item]["state"] == "sending", outbox(account))

    proxy.mode = "forward"
    result = cli("send", "--account", account)
    check(summary(result.stdout) == dict(sent=1, copied=1, filed=0, later=0, failed=0),
          result.stdout)
    check(len(smtp_accepted(message_id)) == 1, "not accepted once")
    check(len(copies("alice", "Sent", message_id)) == 1, "not one copy in Sent")
    check(len(copies("bob", "INBOX", message_id)) == 1, "bob did not get it once")
    proxy.close()
    cli("account", "remove", account)


@tap.test("wrong command lines and unknown entries have their exit status")
def test_usage():
    account = accounts["alice"]
    path, _, _ = new_message("alice", ["bob"])
    cli("send", "--account", account, path, "--to", "bob@example.test", "--subject", "x",
        expect=2)
    cli("send", "--account", account, "--to", "bob@example.test", expect=2)
    cli("send", "--account", account, "--queue-only", expect=2)
    cli("send", "--account", account, "--to", "not an address", "--subject", "x", stdin="x",
        expect=2)
    cli("outbox", "--account", account, "retry", "x", expect=2)
    cli("outbox", "--account", account, "frob", "1", expect=2)
    cli("outbox", "--account", account, "retry", "99999", expect=3)
    cli("send", "--account", "no-such-account", path, expect=3)
    not_mail = os.path.join(home.name, "not-mail.txt")
    with open(not_mail, "w") as f:
        f.write("just text\n\nno headers\n")
    result = cli("send", "--account", account, not_mail, expect=1)
    check("header" in result.stderr, result.stderr)
    no_rcpt = os.path.join(home.name, "no-rcpt.eml")
    with open(no_rcpt, "w") as f:
        f.write("Subject: nobody\n\ntext\n")
    cli("send", "--account", account, no_rcpt, expect=1)
    check(outbox(account) == {}, "a refused message was queued")


sys.exit(tap.run())
