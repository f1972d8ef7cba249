#!/usr/bin/python3
# test-cli-sync.py: postfach-cli against the real Dovecot with a generated
# mailbox: accounts, the first sync compared message for message with the
# corpus, another client's changes, UIDVALIDITY, errors and exit codes.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (see meson.build): run-in-session --keyring -- pf-test-servers run
#   --corpus 5000 [--variants] -- test-cli-sync.py POSTFACH-CLI [SERVICE]
#
# SERVICE is the servers.ini section of the IMAP server the account uses:
# imaps (the default), or imap-basic, the Dovecot that hides IDLE, CONDSTORE,
# QRESYNC, MOVE, UIDPLUS, LIST-STATUS and the rest, so every fallback runs.

import configparser
import email
import email.policy
import email.utils
import imaplib
import os
import re
import socket
import sqlite3
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from pfcli import isolated_env, runner  # noqa: E402
from pftap import Tap, check  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
ALICE = servers["user:alice"]
IMAPS = servers["imaps"]
SERVICE_NAME = sys.argv[2] if len(sys.argv) > 2 else "imaps"
SERVICE = servers[SERVICE_NAME]
BASIC = SERVICE_NAME == "imap-basic"
CA_FILE = servers["tls"]["ca-file"]

home, env = isolated_env("pf-cli-sync-")
cli = runner(CLI, env)
tap = Tap()
state = {}


def add_account(name, *extra, password=ALICE["password"], expect=0):
    result = cli("account", "add", "--name", name, "--email", ALICE["address"],
                 "--kind", "imap", "--host", SERVICE["host"], "--port", SERVICE["port"],
                 "--security", SERVICE["security"], "--user", ALICE["login"], *extra,
                 password=password, expect=expect)
    return result.stdout.strip()


def imap():
    context = ssl.create_default_context(cafile=CA_FILE)
    connection = imaplib.IMAP4_SSL(IMAPS["host"], int(IMAPS["port"]), ssl_context=context)
    connection.login(ALICE["login"], ALICE["password"])
    return connection


def ls(folder, account=None, missing_ok=False):
    args = ["ls", folder] + (["--account", account] if account else [])
    rows = {}
    result = cli(*args, expect=None)
    if result.returncode == 3 and missing_ok:
        return rows
    check(result.returncode == 0, f"ls {folder}: {result.returncode} {result.stderr}")
    for line in result.stdout.splitlines():
        uid, flags, date, sender, subject = line.split("\t")
        rows[int(uid)] = (flags, date, sender, subject)
    return rows


def server_messages(connection, folder="INBOX"):
    """UID → (flags, Message-ID) as the server has them."""
    connection.select(folder, readonly=True)
    typ, data = connection.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    check(typ == "OK", f"FETCH failed: {data}")
    result = {}
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta = item[0].decode()
        uid = int(re.search(r"UID (\d+)", meta).group(1))
        flags = re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split()
        header = email.message_from_bytes(item[1], policy=email.policy.default)
        result[uid] = (flags, str(header["Message-ID"] or "").strip())
    return result


def unindexed(account):
    """Messages of the account waiting for the full-text index."""
    path = os.path.join(env["XDG_DATA_HOME"], "postfach", account, "index.sqlite")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM fts_pending").fetchone()[0]


def corpus_by_message_id():
    """Message-ID → (decoded subject, sender as postfach-cli shows it)."""
    directory = servers["corpus"]["dir"]
    result = {}
    for sub in ("cur", "new"):
        path = os.path.join(directory, sub)
        if not os.path.isdir(path):
            continue
        for name in os.listdir(path):
            with open(os.path.join(path, name), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            sender = message["From"]
            name_, address = email.utils.parseaddr(str(sender))
            result[str(message["Message-ID"]).strip()] = (
                " ".join(str(message["Subject"] or "").split()), name_ or address)
    return result


def expected_flags(flags):
    text = ""
    for flag, letter in (("\\Seen", "S"), ("\\Answered", "A"), ("\\Flagged", "F"),
                         ("\\Deleted", "D"), ("\\Draft", "T")):
        if flag in flags:
            text += letter
    return text or "-"


def summary_numbers(line):
    numbers = [int(n) for n in re.findall(r"(\d+) ", line.split(":", 1)[1])]
    return dict(zip(("folders", "synced", "new", "changed", "removed", "bodies"), numbers))


@tap.test("account add stores the settings without the password")
def test_account_add():
    account = add_account("Alice Test", "--ca-file", CA_FILE)
    check(re.fullmatch(r"[A-Za-z0-9._-]+", account) is not None, f"odd id {account!r}")
    state["account"] = account
    listing = cli("account", "list").stdout
    check(account in listing and ALICE["address"] in listing, listing)
    for root, _, files in os.walk(env["XDG_CONFIG_HOME"]):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                check(ALICE["password"].encode() not in f.read(), f"password in {name}")


@tap.test("the first sync matches the corpus message for message")
def test_first_sync():
    start = time.monotonic()
    result = cli("sync", state["account"])
    elapsed = time.monotonic() - start
    print(f"# first sync: {elapsed:.2f} s: {result.stdout.strip()}")
    numbers = summary_numbers(result.stdout)
    connection = imap()
    on_server = server_messages(connection)
    connection.logout()
    check(numbers["new"] == len(on_server), f"{numbers} vs {len(on_server)} on the server")

    rows = ls("INBOX")
    check(set(rows) == set(on_server), "UIDs differ from the server's")
    corpus = corpus_by_message_id()
    check(len(corpus) == len(on_server), f"corpus {len(corpus)} vs server {len(on_server)}")
    mismatches = []
    for uid, (flags, message_id) in on_server.items():
        subject, sender = corpus[message_id]
        got_flags, _, got_sender, got_subject = rows[uid]
        if got_subject != subject or got_sender != sender or got_flags != expected_flags(flags):
            mismatches.append((uid, (got_flags, got_sender, got_subject),
                               (expected_flags(flags), sender, subject)))
    check(not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[:3]}")

    # Newest first
    dates = [row[1] for row in rows.values()]
    listed = [line.split("\t")[2] for line in cli("ls", "INBOX", "--limit", "50").stdout.splitlines()]
    check(listed == sorted(listed, reverse=True) and len(listed) == 50, "not newest first")
    check(len(dates) == len(on_server), "row count")

    folders = cli("folders").stdout
    inbox = [line.split("\t") for line in folders.splitlines() if line.startswith("INBOX\t")]
    check(inbox and inbox[0][1] == "inbox", folders)
    unseen = sum(1 for flags, _ in on_server.values() if "\\Seen" not in flags)
    check(int(inbox[0][2]) == unseen and int(inbox[0][3]) == len(on_server),
          f"counts {inbox[0]} vs unseen {unseen} of {len(on_server)}")

    # Kept offline: the last 14 days' mail and, whatever their date, each
    # folder's 25 newest messages (Trash and Junk left out).
    connection = imap()
    newest = 0
    for folder in ("INBOX", "Archive", "Sent", "Drafts"):
        typ, data = connection.select(folder, readonly=True)
        newest += min(25, int(data[0]))
    connection.logout()
    check(numbers["bodies"] >= newest, f"{numbers['bodies']} bodies kept, {newest} expected")
    state["kept_bodies"] = numbers["bodies"]


@tap.test("a second sync without changes changes nothing")
def test_second_sync():
    start = time.monotonic()
    result = cli("sync", state["account"])
    elapsed = time.monotonic() - start
    print(f"# second sync: {elapsed:.3f} s: {result.stdout.strip()}")
    numbers = summary_numbers(result.stdout)
    check(numbers["new"] == 0 and numbers["changed"] == 0 and numbers["removed"] == 0,
          result.stdout)
    # With LIST-STATUS and CONDSTORE the status alone shows nothing changed;
    # without them every folder is looked into.
    check(numbers["synced"] == (numbers["folders"] if BASIC else 0), result.stdout)


@tap.test("another client's flags, new mail, expunge and folders show up")
def test_other_client():
    connection = imap()
    connection.select("INBOX")
    uids = sorted(server_messages(connection))
    connection.select("INBOX")
    flag_uid, seen_uid, gone_uid = uids[10], uids[20], uids[30]
    connection.uid("STORE", str(flag_uid), "+FLAGS", "(\\Flagged)")
    connection.uid("STORE", str(seen_uid), "-FLAGS", "(\\Seen)")
    connection.uid("STORE", str(gone_uid), "+FLAGS", "(\\Deleted)")
    connection.expunge()
    new_mail = ("From: =?utf-8?q?J=C3=BCrgen_Gr=C3=B6=C3=9Fmann?= <juergen@example.test>\r\n"
                "To: alice@example.test\r\n"
                "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n"
                "Date: Mon, 30 Nov 2026 10:00:00 +0100\r\n"
                "Message-ID: <new-from-other-client@example.test>\r\n\r\nHallo!\r\n")
    connection.append("INBOX", "", imaplib.Time2Internaldate(time.time()), new_mail.encode())
    connection.create("Projekte")
    connection.create("Alt")
    connection.append("Alt", "(\\Seen)", imaplib.Time2Internaldate(time.time()), new_mail.encode())
    connection.logout()
    check(unindexed(state["account"]) == 0, "the first sync left messages unindexed")
    cli("sync", "--no-index", "--bodies", "none", state["account"])
    # The two new messages wait for the index; the search below adds them.
    check(unindexed(state["account"]) == 2, f"{unindexed(state['account'])} unindexed")

    renamed = imap()
    renamed.rename("Alt", "Archiviert")
    renamed.logout()
    result = cli("sync", "--no-index", "--bodies", "none", state["account"])
    print(f"# {result.stdout.strip()}")
    check(unindexed(state["account"]) >= 2, f"{unindexed(state['account'])} unindexed")

    rows = ls("INBOX")
    check("F" in rows[flag_uid][0], f"flag not seen: {rows[flag_uid]}")
    check("S" not in rows[seen_uid][0], f"unseen not seen: {rows[seen_uid]}")
    check(gone_uid not in rows, "expunged message still listed")
    newest = cli("ls", "INBOX", "--limit", "1").stdout.split("\t")
    check(newest[3] == "Jürgen Größmann" and newest[4].strip() == "Grüße aus Köln", newest)
    folders = [line.split("\t")[0] for line in cli("folders").stdout.splitlines()]
    check("Projekte" in folders and "Archiviert" in folders and "Alt" not in folders, folders)
    check(len(ls("Archiviert")) == 1, "the renamed folder's message")

    found = cli("search", "grusse", "koln").stdout.splitlines()
    check(len(found) >= 1 and any("Grüße aus Köln" in line for line in found), found)
    check(unindexed(state["account"]) == 0, "search did not catch up the index")



@tap.test("show downloads a message on demand, without marking it read")
def test_show():
    rows = ls("INBOX")
    uid = [u for u, row in rows.items() if row[3] == "Grüße aus Köln"][0]
    check("S" not in rows[uid][0], "already read")
    out = cli("show", "INBOX", str(uid)).stdout
    check("Jürgen Größmann <juergen@example.test>" in out, out)
    check("Grüße aus Köln" in out and "Hallo!" in out, out)
    check("\\Seen" not in server_flags("INBOX", uid), "show marked the message read")
    found = cli("search", "hallo").stdout
    check("Grüße aus Köln" in found, f"body text not indexed: {found!r}")

    # A corpus message with attachments lists exactly the files it has.
    corpus_dir = servers["corpus"]["dir"]
    for sub in ("cur", "new"):
        path = os.path.join(corpus_dir, sub)
        for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
            with open(os.path.join(path, name), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            names = [part.get_filename() for part in message.iter_attachments()
                     if part.get_filename()]
            if names:
                message_id = str(message["Message-ID"]).strip()
                break
        else:
            continue
        break
    connection = imap()
    on_server = server_messages(connection)
    connection.logout()
    uid = [u for u, (flags, mid) in on_server.items() if mid == message_id][0]
    out = cli("show", "INBOX", str(uid)).stdout
    listed = re.findall(r"^\[Attachment [^:]+: (.*), [^,]+, [^,]+\]$", out, re.M)
    check(sorted(listed) == sorted(names), f"{listed} vs {names}")


@tap.test("--bodies all keeps every message for offline reading and indexes its text")
def test_offline_bodies():
    account = state["account"]
    # "Oberfläche" is a word of the bodies, not of subjects or names.
    before = len(cli("search", "oberflache").stdout.splitlines())
    result = cli("sync", "--bodies", "all", account)
    numbers = summary_numbers(result.stdout)
    connection = imap()
    total = 0
    for folder in ("INBOX", "Archive", "Sent", "Drafts"):
        typ, data = connection.select(folder, readonly=True)
        total += int(data[0])
    connection.logout()
    # Kept by the first sync or opened with show before: there already (one
    # kept message may have been expunged since).
    kept = state["kept_bodies"]
    check(total - kept - 3 <= numbers["bodies"] <= total - kept + 1,
          f"{numbers} of {total}, {kept} kept before")
    again = summary_numbers(cli("sync", "--bodies", "all", account).stdout)
    check(again["bodies"] == 0, f"downloaded twice: {again}")

    corpus_dir = servers["corpus"]["dir"]
    with_word = 0
    for sub in ("cur", "new"):
        path = os.path.join(corpus_dir, sub)
        for name in os.listdir(path) if os.path.isdir(path) else []:
            with open(os.path.join(path, name), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            if body is not None and "Oberfläche" in body.get_content():
                with_word += 1
    after = len(cli("search", "oberflache").stdout.splitlines())
    print(f"# 'oberflache': {before} before the bodies, {after} after; "
          f"{with_word} plain-text bodies have it")
    check(with_word > 0 and after >= with_word and after > before,
          f"{before} / {after} / {with_word}")

@tap.test("a changed UIDVALIDITY rebuilds the folder's cache")
def test_uidvalidity():
    connection = imap()
    connection.create("Wechsel")
    for i in range(3):
        connection.append("Wechsel", "", imaplib.Time2Internaldate(time.time()),
                          f"Subject: old {i}\r\nMessage-ID: <old{i}@x>\r\n\r\nx\r\n".encode())
    connection.logout()
    cli("sync", state["account"])
    check(len(ls("Wechsel")) == 3, "three before")

    connection = imap()
    connection.delete("Wechsel")
    connection.create("Wechsel")
    connection.append("Wechsel", "", imaplib.Time2Internaldate(time.time()),
                      b"Subject: new one\r\nMessage-ID: <new1@x>\r\n\r\nx\r\n")
    connection.logout()
    cli("sync", state["account"])
    rows = ls("Wechsel")
    check([row[3] for row in rows.values()] == ["new one"], rows)



def server_flags(folder, uid):
    connection = imap()
    connection.select(folder, readonly=True)
    typ, data = connection.uid("FETCH", str(uid), "(FLAGS)")
    connection.logout()
    if not data or data[0] is None:
        return None
    return re.search(r"FLAGS \(([^)]*)\)", data[0].decode()).group(1).split()


def server_subjects(folder):
    connection = imap()
    connection.select(folder, readonly=True)
    typ, data = connection.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    connection.logout()
    subjects = []
    for item in data:
        if isinstance(item, tuple):
            header = email.message_from_bytes(item[1], policy=email.policy.default)
            subjects.append(" ".join(str(header["Subject"] or "").split()))
    return subjects


@tap.test("changes reach the server, survive a restart and can be undone before")
def test_operations():
    account = state["account"]
    rows = ls("INBOX")
    uids = sorted(rows)
    unread = [uid for uid in uids if "S" not in rows[uid][0]]
    read = [uid for uid in uids if "S" in rows[uid][0] and "F" not in rows[uid][0]]

    # Mark read: at once on the server
    out = cli("flag", "INBOX", str(unread[0]), "--seen").stdout.split()
    check(len(out) == 1 and out[0].isdigit(), out)
    check("\\Seen" in server_flags("INBOX", unread[0]), "not read on the server")
    check(cli("queue").stdout == "", "the queue is not empty")

    # Offline: local at once, queued, undone: the server never hears of it
    change = cli("flag", "--offline", "INBOX", str(read[0]), "--flagged").stdout.strip()
    check("F" in ls("INBOX")[read[0]][0], "not flagged locally")
    check(cli("queue").stdout.startswith(change + "\tflags\tINBOX"), cli("queue").stdout)
    cli("undo", change)
    check("F" not in ls("INBOX")[read[0]][0], "undo did not restore the flags")
    check(cli("queue").stdout == "", "undone change still queued")
    cli("undo", change, expect=3)

    # Offline, then a new process syncs: replayed once, queue empty
    cli("flag", "--offline", "INBOX", str(read[1]), "--flagged")
    cli("flag", "--offline", "INBOX", str(unread[1]), "--seen")
    check(len(cli("queue").stdout.splitlines()) == 2, "two changes queued")
    check("\\Flagged" not in server_flags("INBOX", read[1]), "sent too early")
    cli("sync", account)
    check("\\Flagged" in server_flags("INBOX", read[1]), "flag not replayed")
    check("\\Seen" in server_flags("INBOX", unread[1]), "seen not replayed")
    check(cli("queue").stdout == "", "replayed changes still queued")
    check("F" in ls("INBOX")[read[1]][0], "the sync undid the local flag")

    # Move to Archive, delete to Trash, delete in Trash for good
    subject = rows[uids[40]][3]
    cli("move", "INBOX", str(uids[40]), "--to", "Archive")
    check(uids[40] not in ls("INBOX"), "moved message still in the Inbox")
    check(server_flags("INBOX", uids[40]) is None, "still on the server's Inbox")
    check(subject in server_subjects("Archive"), "not in the server's Archive")
    check(subject in [row[3] for row in ls("Archive").values()], "not in the local Archive")

    deleted = rows[uids[41]][3]
    cli("delete", "INBOX", str(uids[41]))
    trash = ls("Trash")
    check(deleted in [row[3] for row in trash.values()], "not in the Trash")
    trash_uid = [uid for uid, row in trash.items() if row[3] == deleted][0]
    cli("delete", "Trash", str(trash_uid))
    check(deleted not in server_subjects("Trash"), "not deleted for good")
    check(trash_uid not in ls("Trash"), "still in the local Trash")



def server_folders():
    connection = imap()
    typ, data = connection.list()
    connection.logout()
    return [line.decode().rsplit(" ", 1)[1].strip('"') for line in data]


@tap.test("folders are created, renamed, emptied and deleted on the server")
def test_folder_operations():
    cli("folder", "create", "Reisen")
    check("Reisen" in server_folders(), server_folders())
    cli("folder", "rename", "Reisen", "Urlaub")
    folders = server_folders()
    check("Urlaub" in folders and "Reisen" not in folders, folders)

    # Undone before it reached the server: as if it never happened
    change = cli("folder", "--offline", "create", "Vielleicht").stdout.strip()
    check("Vielleicht" in cli("folders").stdout, "not created locally")
    cli("undo", change)
    check("Vielleicht" not in cli("folders").stdout, "undo kept the folder")
    cli("sync", state["account"])
    check("Vielleicht" not in server_folders(), "an undone folder reached the server")

    connection = imap()
    for i in range(3):
        connection.append("Urlaub", "", imaplib.Time2Internaldate(time.time()),
                          f"Subject: Bild {i}\r\n\r\nx\r\n".encode())
    connection.logout()
    cli("sync", state["account"])
    check(len(ls("Urlaub")) == 3, "three messages")
    cli("folder", "empty", "Urlaub")
    check(len(ls("Urlaub")) == 0 and server_subjects("Urlaub") == [], "not emptied")
    cli("folder", "delete", "Urlaub")
    check("Urlaub" not in server_folders() and "Urlaub" not in cli("folders").stdout,
          "not deleted")
    cli("folder", "delete", "INBOX", expect=1)

@tap.test("with --watch, another client's changes arrive live (IDLE or polling)")
def test_watch():
    account = state["account"]
    watcher = subprocess.Popen([CLI, "sync", "--watch", "--poll-interval", "1", account],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        first = watcher.stdout.readline()
        check(first.startswith(account + ":"), f"no first run: {first!r}")
        target = sorted(ls("INBOX"))[60]
        connection = imap()
        connection.select("INBOX")
        connection.uid("STORE", str(target), "+FLAGS", "(\\Flagged \\Seen)")
        connection.append("INBOX", "", imaplib.Time2Internaldate(time.time()),
                          b"Subject: live news\r\nMessage-ID: <live@x>\r\n\r\nnow\r\n")
        connection.logout()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = ls("INBOX")
            if ("live news" in [row[3] for row in rows.values()] and
                    "F" in rows[target][0]):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the changes did not arrive within 30 s")
        print(f"# arrived after {30 - (deadline - time.monotonic()):.1f} s")
    finally:
        watcher.terminate()
        out, err = watcher.communicate(timeout=30)
    check(watcher.returncode == 0, f"exit {watcher.returncode}: {err}")


@tap.test("killed at any moment of a sync: nothing lost, nothing doubled")
def test_killed():
    account = add_account("Killed", "--ca-file", CA_FILE)
    queued = []
    for delay in (0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3):
        process = subprocess.Popen([CLI, "sync", account], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        process.kill()
        process.wait()
        # A local change made between the crashes must reach the server.
        rows = ls("INBOX", account, missing_ok=True)
        candidates = [uid for uid in sorted(rows) if "F" not in rows[uid][0] and uid not in queued]
        if candidates:
            cli("flag", "--offline", "--account", account, "INBOX", str(candidates[0]), "--flagged")
            queued.append(candidates[0])

    # What the crashes stored is all found by a search, even if its
    # full-text indexing was cut off.
    rows = ls("INBOX", account, missing_ok=True)
    travel = {uid for uid, row in rows.items() if "travel" in row[3].lower().split()}
    found = set()
    for line in cli("search", "--account", account, "travel").stdout.splitlines():
        found.add(int(line.split("\t")[0]))
    check(travel <= found, f"{len(travel - found)} stored messages not found by search")
    cli("sync", account)

    connection = imap()
    on_server = server_messages(connection)
    connection.logout()
    rows = ls("INBOX", account)
    check(set(rows) == set(on_server), f"{len(rows)} local, {len(on_server)} on the server")
    lines = cli("ls", "--account", account, "INBOX").stdout.splitlines()
    check(len(lines) == len(on_server), "a message is listed twice")
    check(queued, "no change was queued between the kills")
    for uid in queued:
        check("\\Flagged" in on_server[uid][0], f"queued flag of {uid} lost")
        check("F" in rows[uid][0], f"local flag of {uid} lost")
    check(cli("queue", "--account", account).stdout == "", "changes left in the queue")
    cli("account", "remove", account)

@tap.test("errors have their documented exit status")
def test_errors():
    unknown = cli("ls", "INBOX", "--account", "no-such-account", expect=3)
    check("no-such-account" in unknown.stderr, unknown.stderr)
    cli("ls", "No such folder", "--account", state["account"], expect=3)
    cli("frobnicate", expect=2)
    cli("ls", expect=2)

    wrong = add_account("Wrong password", "--ca-file", CA_FILE, password="not-the-password")
    cli("sync", wrong, expect=4)
    untrusted = add_account("Untrusted")
    result = cli("sync", untrusted, expect=5)
    check("certificate" in result.stderr.lower(), result.stderr)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = str(s.getsockname()[1])
    unreachable = cli("account", "add", "--name", "Down", "--email", ALICE["address"],
                      "--kind", "imap", "--host", "127.0.0.1", "--port", closed_port,
                      "--security", "tls", password="x").stdout.strip()
    cli("sync", unreachable, expect=6)

    for account in (wrong, untrusted, unreachable):
        cli("account", "remove", account)
    remaining = cli("account", "list").stdout
    check(wrong not in remaining and state["account"] in remaining, remaining)


sys.exit(tap.run())
