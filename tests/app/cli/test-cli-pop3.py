#!/usr/bin/python3
# test-cli-pop3.py: `postfach-cli sync` of POP3 accounts against the test
# Dovecot: what is downloaded, what the policies leave on the server, and
# a process killed or a connection dropped at every step of a download.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run by meson inside `run-in-session --keyring -- pf-test-servers run
# --variants`. Faults come from a TCP proxy between postfach-cli and the
# real Dovecot (the "plaintext" variant, so the proxy can read the
# commands): it follows the POP3 dialogue and, at a chosen point, kills
# the process or drops the connection. Dovecot always offers UIDL; a
# server without it is a small scripted server here.

import configparser
import email.header
import os
import poplib
import signal
import smtplib
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from pfcli import isolated_env, runner  # noqa: E402
from pftap import Tap, check  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
POP = servers["user:pop"]
POP3S = servers["pop3s"]
PLAIN = servers["pop3-plaintext"]
CA_FILE = servers["tls"]["ca-file"]
LMTP = servers["lmtp"]["socket"]

home, env = isolated_env("pf-cli-pop3-")
cli = runner(CLI, env)
tap = Tap()
serial = [0]


def add_account(name, policy, host=POP3S["host"], port=POP3S["port"], security="tls"):
    extra = ["--ca-file", CA_FILE] if security == "tls" else []
    result = cli("account", "add", "--name", name, "--email", POP["address"], "--kind", "pop3",
                 "--host", host, "--port", str(port), "--security", security,
                 "--user", POP["login"], "--pop3-policy", policy, *extra,
                 password=POP["password"])
    return result.stdout.strip()


def pop3():
    context = ssl.create_default_context(cafile=CA_FILE)
    connection = poplib.POP3_SSL(POP3S["host"], int(POP3S["port"]), context=context)
    connection.user(POP["login"])
    connection.pass_(POP["password"])
    return connection


def server_subjects():
    """Subject of every message in the maildrop (TOP n 0)."""
    connection = pop3()
    subjects = []
    for line in connection.list()[1]:
        number = int(line.split()[0])
        for header in connection.top(number, 0)[1]:
            if header.lower().startswith(b"subject: "):
                raw = header[9:].decode()
                subjects.append(str(email.header.make_header(email.header.decode_header(raw))))
    connection.quit()
    return subjects


def empty_maildrop():
    connection = pop3()
    for line in connection.list()[1]:
        connection.dele(int(line.split()[0]))
    connection.quit()


def deliver(count, label):
    """Delivers count messages over LMTP; returns their subjects."""
    subjects = []
    with smtplib.LMTP(LMTP) as lmtp:
        for i in range(count):
            serial[0] += 1
            subject = f"{label} {serial[0]} Grüße"
            message = (f"From: Jürgen Größmann <juergen@example.test>\r\n"
                       f"To: {POP['address']}\r\n"
                       f"Subject: =?utf-8?q?{label}_{serial[0]}_Gr=C3=BC=C3=9Fe?=\r\n"
                       f"Message-ID: <pop-{serial[0]}-{time.time()}@example.test>\r\n"
                       f"Date: Mon, 30 Nov 2026 10:{i % 60:02d}:00 +0100\r\n\r\n"
                       + ("Zeile mit Inhalt für den Test.\r\n" * 200)
                       + ".Punkt am Zeilenanfang\r\n")
            lmtp.sendmail("juergen@example.test", [POP["address"]], message.encode())
            subjects.append(subject)
    return subjects


def local_subjects(account):
    result = cli("ls", "--account", account, "INBOX")
    return [line.split("\t")[4] for line in result.stdout.splitlines()]


def summary(result):
    """The numbers of the one-line summary of a POP3 sync."""
    words = result.stdout.replace(",", "").split()
    return {"on_server": int(words[1]), "new": int(words[5]), "deleted": int(words[7])}


def index_path(account):
    return os.path.join(env["XDG_DATA_HOME"], "postfach", account, "index.sqlite")


def maildir_files(account):
    """Message files in the Inbox's Maildir (cur/ and new/), and the index's count."""
    with sqlite3.connect(f"file:{index_path(account)}?mode=ro", uri=True) as db:
        dir_name, = db.execute("SELECT dir_name FROM folders WHERE name = 'INBOX'").fetchone()
        indexed, = db.execute("SELECT count(*) FROM messages m JOIN folders f"
                              " ON f.id = m.folder_id WHERE f.name = 'INBOX'").fetchone()
    base = os.path.join(env["XDG_DATA_HOME"], "postfach", account, "mail", dir_name)
    files = sum(len(os.listdir(os.path.join(base, sub))) for sub in ("cur", "new")
                if os.path.isdir(os.path.join(base, sub)))
    return files, indexed


# The fault-injecting proxy

MULTILINE = {"CAPA", "UIDL", "LIST", "RETR", "TOP"}


class Proxy:
    """Forwards one POP3 session to Dovecot's plaintext port and faults at
    the `nth` occurrence of `point`:
      mid-retr     half of a RETR reply forwarded
      after-retr   a whole RETR reply forwarded
      before-dele  the client's DELE arrives (not forwarded)
      before-quit  the client's QUIT arrives (not forwarded)
    The fault is `kill` (SIGKILL to the client process) or `drop` (both
    connections closed)."""

    def __init__(self, point, nth, fault):
        self.point, self.nth, self.fault = point, nth, fault
        self.pid = None
        self.fired = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def trigger(self, client, upstream):
        self.fired.set()
        if self.fault == "kill":
            os.kill(self.pid, signal.SIGKILL)
        for sock in (client, upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def serve(self):
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        upstream = socket.create_connection((PLAIN["host"], int(PLAIN["port"])))
        pending = []          # commands sent, replies not complete
        seen = {}             # point → count
        lock = threading.Lock()
        done = threading.Event()

        def count(point):
            seen[point] = seen.get(point, 0) + 1
            return point == self.point and seen[point] == self.nth

        def client_to_server():
            buffer = b""
            try:
                while not done.is_set():
                    data = client.recv(65536)
                    if not data:
                        break
                    buffer += data
                    while b"\r\n" in buffer:
                        line, buffer = buffer.split(b"\r\n", 1)
                        verb = line.split(b" ", 1)[0].decode(errors="replace").upper()
                        with lock:
                            if (verb == "DELE" and count("before-dele")) or \
                               (verb == "QUIT" and count("before-quit")):
                                self.trigger(client, upstream)
                                done.set()
                                return
                            pending.append(verb)
                        upstream.sendall(line + b"\r\n")
            except OSError:
                pass
            done.set()

        reader = threading.Thread(target=client_to_server, daemon=True)
        reader.start()
        greeting = True
        buffer = b""
        state = None          # (verb, multiline, bytes of the reply so far)
        try:
            while not done.is_set():
                data = upstream.recv(65536)
                if not data:
                    break
                buffer += data
                out = b""
                while b"\r\n" in buffer:
                    line, buffer = buffer.split(b"\r\n", 1)
                    out += line + b"\r\n"
                    if greeting:
                        greeting = False
                        continue
                    with lock:
                        if state is None:
                            verb = pending.pop(0) if pending else ""
                            multiline = verb in MULTILINE and line.startswith(b"+OK")
                            if verb in ("USER", "PASS", "AUTH", "STLS"):
                                multiline = False
                            state = [verb, multiline, 0]
                            if not multiline:
                                state = None
                                continue
                        else:
                            state[2] += len(line) + 2
                            if state[0] == "RETR" and state[2] > 3000 and \
                               state[1] is True and count("mid-retr"):
                                client.sendall(out)
                                self.trigger(client, upstream)
                                done.set()
                                return
                            if state[0] == "RETR" and state[2] > 3000:
                                state[1] = "counted"
                            if line == b".":
                                finished = state[0]
                                state = None
                                if finished == "RETR" and count("after-retr"):
                                    client.sendall(out)
                                    self.trigger(client, upstream)
                                    done.set()
                                    return
                if out:
                    client.sendall(out)
        except OSError:
            pass
        done.set()
        for sock in (client, upstream):
            try:
                sock.close()
            except OSError:
                pass

    def close(self):
        self.listener.close()


# Tests

state = {}


@tap.test("a POP3 download stores every message once and deletes it on the server")
def test_download_delete():
    empty_maildrop()
    account = add_account("POP delete", "delete")
    state["delete"] = account
    sent = deliver(6, "Erste")
    result = cli("sync", account)
    numbers = summary(result)
    check(numbers == {"on_server": 6, "new": 6, "deleted": 6}, result.stdout)
    check(sorted(local_subjects(account)) == sorted(sent), local_subjects(account))
    check(server_subjects() == [], "left on the server")
    files, indexed = maildir_files(account)
    check(files == indexed == 6, f"{files} files, {indexed} indexed")
    show = cli("show", "--account", account, "INBOX", "1").stdout
    check("Jürgen Größmann" in show and ".Punkt am Zeilenanfang" in show, show[:400])
    again = summary(cli("sync", account))
    check(again == {"on_server": 0, "new": 0, "deleted": 0}, again)
    found = cli("search", "--account", account, "grusse", "erste").stdout.splitlines()
    check(len(found) == 6, found)


def ls_uids(account, folder):
    result = cli("ls", "--account", account, folder)
    return {int(line.split("\t")[0]): line.split("\t") for line in result.stdout.splitlines()}


@tap.test("local folders: flags, moves, Trash and deleting for good, at once and without a server")
def test_local_folders():
    account = state["delete"]
    inbox = ls_uids(account, "INBOX")
    first, second, third = sorted(inbox)[:3]
    cli("flag", "--account", account, "INBOX", str(first), "--flagged")
    check("F" in ls_uids(account, "INBOX")[first][1], "flag")
    cli("folder", "create", "--account", account, "Projekte")
    cli("move", "--account", account, "INBOX", str(second), "--to", "Projekte")
    moved = ls_uids(account, "Projekte")
    check(len(moved) == 1 and list(moved.values())[0][4] == inbox[second][4], moved)
    check(second not in ls_uids(account, "INBOX"), "still in the Inbox")
    cli("delete", "--account", account, "INBOX", str(third))
    trash = ls_uids(account, "Trash")
    check(len(trash) == 1, trash)
    cli("delete", "--account", account, "Trash", str(list(trash)[0]))
    check(ls_uids(account, "Trash") == {}, "not deleted from the Trash")
    check(len(ls_uids(account, "INBOX")) == len(inbox) - 2, "Inbox count")
    show = cli("show", "--account", account, "Projekte", str(list(moved)[0])).stdout
    check("Zeile mit Inhalt" in show, "the moved message's file")
    check(cli("queue", "--account", account).stdout.strip() == "", "local changes left queued")
    folders = cli("folders", account).stdout
    check("Projekte" in folders and "Trash" in folders and "Sent" in folders, folders)


@tap.test("delete on the server what is deleted here, and only then")
def test_mirror_local_deletes():
    empty_maildrop()
    account = add_account("POP mirror", "mirror-local-deletes")
    sent = deliver(3, "Spiegel")
    check(summary(cli("sync", account))["new"] == 3, "first")
    uid = sorted(ls_uids(account, "INBOX"))[0]
    cli("delete", "--account", account, "INBOX", str(uid))
    # In the Trash it is still here: the server keeps it.
    check(summary(cli("sync", account))["deleted"] == 0, "deleted while in the Trash")
    cli("delete", "--account", account, "Trash", str(sorted(ls_uids(account, "Trash"))[0]))
    numbers = summary(cli("sync", account))
    check(numbers == {"on_server": 3, "new": 0, "deleted": 1}, numbers)
    check(len(server_subjects()) == 2 and len(ls_uids(account, "INBOX")) == 2,
          f"{server_subjects()} / {sent}")
    empty_maildrop()


@tap.test("leave on the server: downloaded once, never deleted")
def test_keep():
    empty_maildrop()
    account = add_account("POP keep", "keep")
    sent = deliver(3, "Bleibt")
    check(summary(cli("sync", account)) == {"on_server": 3, "new": 3, "deleted": 0}, "first")
    check(summary(cli("sync", account)) == {"on_server": 3, "new": 0, "deleted": 0}, "second")
    check(sorted(server_subjects()) == sorted(sent), "not on the server any more")
    check(sorted(local_subjects(account)) == sorted(sent), "local copies")
    # Another client deletes one there: it is forgotten, the copy here stays.
    connection = pop3()
    connection.dele(1)
    connection.quit()
    check(summary(cli("sync", account)) == {"on_server": 2, "new": 0, "deleted": 0}, "third")
    with sqlite3.connect(f"file:{index_path(account)}?mode=ro", uri=True) as db:
        remembered, = db.execute("SELECT count(*) FROM pop3_seen").fetchone()
    check(remembered == 2, f"{remembered} UIDLs remembered")
    check(len(local_subjects(account)) == 3, "a local copy went with the server's")
    empty_maildrop()


@tap.test("killed or disconnected at every step of a download: each message once, none lost")
def test_faults():
    points = ("mid-retr", "after-retr", "before-dele", "before-quit")
    for fault in ("kill", "drop"):
        for point in points:
            empty_maildrop()
            proxy = Proxy(point, 1 if point == "before-quit" else 2, fault)
            account = add_account(f"POP {fault} {point}", "delete", host="127.0.0.1",
                                  port=proxy.port, security="none")
            path = os.path.join(env["XDG_CONFIG_HOME"], "postfach", "accounts", account + ".ini")
            with open(path) as f:
                text = f.read()
            check(f"Host=127.0.0.1\nPort={proxy.port}\n" in text, text)

            sent = deliver(5, f"{fault}-{point}")
            process = subprocess.Popen([CLI, "sync", account], env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)
            proxy.pid = process.pid
            out, err = process.communicate(timeout=120)
            proxy.close()
            check(proxy.fired.is_set(), f"{fault} {point}: the fault never came: {out} {err}")

            # Right after the fault: whatever the server lost is stored here,
            # and nothing is stored twice.
            on_server = server_subjects()
            here = local_subjects(account)
            check(len(here) == len(set(here)), f"{fault} {point}: stored twice: {here}")
            missing = set(sent) - set(on_server) - set(here)
            check(not missing, f"{fault} {point}: lost {missing}")

            # Pointed at the real server again, the next run completes.
            with open(path, "w") as f:
                f.write(text.replace(f"Host=127.0.0.1\nPort={proxy.port}\n",
                                     f"Host={PLAIN['host']}\nPort={PLAIN['port']}\n", 1))
            # (The keyring holds the password for the proxy's address.)
            cli("sync", "--password-stdin", account, password=POP["password"])
            here = local_subjects(account)
            check(sorted(here) == sorted(sent), f"{fault} {point}: {here} vs {sent}")
            check(server_subjects() == [], f"{fault} {point}: left on the server")
            files, indexed = maildir_files(account)
            check(files == indexed == len(sent), f"{fault} {point}: {files} files, {indexed} indexed")
            print(f"# {fault} {point}: {err.strip().splitlines()[-1] if err.strip() else 'ok'}")


# A server without UIDL

class NoUidlServer:
    """RFC 1939 without the optional UIDL: USER/PASS, STAT, LIST, TOP,
    RETR, DELE, NOOP, RSET, QUIT over plaintext."""

    def __init__(self, messages):
        self.messages = list(messages)
        self.uidl_asked = False
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.session(connection)

    def session(self, connection):
        f = connection.makefile("rwb")
        deleted = set()

        def send(text):
            f.write(text.encode() if isinstance(text, str) else text)
            f.flush()

        def multiline(data):
            lines = data.split(b"\r\n")
            body = b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n"
                            for line in lines)
            send(b"+OK\r\n" + body + b".\r\n")

        send("+OK ready\r\n")
        while True:
            line = f.readline()
            if not line:
                break
            words = line.decode().strip().split()
            verb = words[0].upper() if words else ""
            live = [(i + 1, m) for i, m in enumerate(self.messages) if i + 1 not in deleted]
            if verb in ("USER", "PASS", "NOOP", "RSET"):
                send("+OK\r\n")
            elif verb == "CAPA":
                send("+OK\r\nUSER\r\nTOP\r\n.\r\n")
            elif verb == "UIDL":
                self.uidl_asked = True
                send("-ERR no such command\r\n")
            elif verb == "STAT":
                send(f"+OK {len(live)} {sum(len(m) for _, m in live)}\r\n")
            elif verb == "LIST":
                send("+OK\r\n" + "".join(f"{n} {len(m)}\r\n" for n, m in live) + ".\r\n")
            elif verb in ("RETR", "TOP"):
                message = self.messages[int(words[1]) - 1]
                if verb == "TOP":
                    message = message.split(b"\r\n\r\n", 1)[0] + b"\r\n"
                multiline(message.rstrip(b"\r\n"))
            elif verb == "DELE":
                deleted.add(int(words[1]))
                send("+OK\r\n")
            elif verb == "QUIT":
                self.messages = [m for i, m in enumerate(self.messages) if i + 1 not in deleted]
                send("+OK bye\r\n")
                break
            else:
                send("-ERR unknown\r\n")
        connection.close()


@tap.test("a server without UIDL: messages recognised by their header")
def test_no_uidl():
    messages = [(f"From: a@example.test\r\nSubject: Ohne UIDL {i}\r\n"
                 f"Message-ID: <no-uidl-{i}@example.test>\r\n\r\nText {i}\r\n").encode()
                for i in range(4)]
    server = NoUidlServer(messages)
    account = add_account("POP no UIDL", "keep", host="127.0.0.1", port=server.port,
                          security="none")
    first = summary(cli("sync", account))
    check(server.uidl_asked and first == {"on_server": 4, "new": 4, "deleted": 0}, first)
    second = summary(cli("sync", account))
    check(second == {"on_server": 4, "new": 0, "deleted": 0}, f"downloaded again: {second}")
    server.messages.append(b"From: a@example.test\r\nSubject: Ohne UIDL neu\r\n\r\nneu\r\n")
    third = summary(cli("sync", account))
    check(third == {"on_server": 5, "new": 1, "deleted": 0}, third)
    check(sorted(local_subjects(account)) ==
          sorted([f"Ohne UIDL {i}" for i in range(4)] + ["Ohne UIDL neu"]),
          local_subjects(account))


@tap.test("an account without a stored password: each sync is given one")
def test_no_password():
    empty_maildrop()
    deliver(2, "Ohne")
    result = cli("account", "add", "--no-password", "--name", "POP without", "--email",
                 POP["address"], "--kind", "pop3", "--host", POP3S["host"], "--port",
                 POP3S["port"], "--security", "tls", "--user", POP["login"], "--pop3-policy",
                 "keep", "--ca-file", CA_FILE)
    account = result.stdout.strip()
    cli("sync", account, expect=7)
    numbers = summary(cli("sync", "--password-stdin", account, password=POP["password"]))
    check(numbers["new"] == 2, numbers)
    empty_maildrop()


@tap.test("wrong password and unreachable server: documented exit codes")
def test_errors():
    account = add_account("POP wrong", "keep")
    result = cli("sync", "--password-stdin", account, password="falsch", expect=4)
    check("postfach-cli:" in result.stderr, result.stderr)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    account = add_account("POP down", "keep", host="127.0.0.1", port=port, security="none")
    cli("sync", account, expect=6)


sys.exit(tap.run())
