#!/usr/bin/python3
# test-cli-drafts.py: drafts kept here first and in the server's Drafts
# folder: saved, replaced and deleted there, against the test Dovecot with
# UIDPLUS ("imaps") and without it ("imap-basic", with --variants).
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import configparser
import email
import email.policy
import imaplib
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib"))
from pfcli import isolated_env, runner  # noqa: E402
from pftap import Tap, check  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
USER = servers["user:bob"]
SERVICE_NAME = sys.argv[2] if len(sys.argv) > 2 else "imaps"
SERVICE = servers[SERVICE_NAME]
BASIC = SERVICE_NAME == "imap-basic"
CA_FILE = servers["tls"]["ca-file"]

home, env = isolated_env("pf-cli-drafts-")
cli = runner(CLI, env)
tap = Tap()
state = {}


def imap():
    context = ssl.create_default_context(cafile=CA_FILE)
    if SERVICE["security"] == "tls":
        connection = imaplib.IMAP4_SSL(SERVICE["host"], int(SERVICE["port"]),
                                       ssl_context=context)
    else:
        connection = imaplib.IMAP4(SERVICE["host"], int(SERVICE["port"]))
        if SERVICE["security"] == "starttls":
            connection.starttls(ssl_context=context)
    connection.login(USER["login"], USER["password"])
    return connection


def drafts_on_server(message_id=None):
    """(uid, flags, subject) of the Drafts folder's messages."""
    connection = imap()
    connection.select("Drafts")
    typ, data = connection.uid("SEARCH", None, "ALL")
    found = []
    for uid in data[0].split():
        typ, parts = connection.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER])")
        flags = parts[0][0].decode()
        header = email.message_from_bytes(parts[0][1], policy=email.policy.default)
        if message_id is None or header["Message-ID"].strip() == f"<{message_id}>":
            found.append((int(uid), flags, str(header["Subject"])))
    connection.logout()
    return found


def live(found):
    return [entry for entry in found if "\\Deleted" not in entry[1]]


def write_draft(subject, message_id=None):
    path = os.path.join(home.name, f"draft-{time.time()}.eml")
    with open(path, "w") as f:
        if message_id:
            f.write(f"Message-ID: <{message_id}>\r\n")
        f.write(f"From: Bob <{USER['address']}>\r\nTo: alice@example.test\r\n"
                f"Subject: {subject}\r\n\r\nEntwurfstext: {subject}\r\n")
    return path


def message_id_of(draft_id):
    path = os.path.join(env["XDG_DATA_HOME"], "postfach", state["account"], "index.sqlite")
    import sqlite3
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT message_id FROM drafts WHERE id = ?", (draft_id,)).fetchone()[0]


@tap.test("a saved draft is in the server's Drafts folder once")
def test_save():
    security = SERVICE["security"]
    extra = ["--ca-file", CA_FILE] if security != "none" else []
    result = cli("account", "add", "--name", "Drafts", "--email", USER["address"], "--kind",
                 "imap", "--host", SERVICE["host"], "--port", SERVICE["port"], "--security",
                 security, "--user", USER["login"], *extra, password=USER["password"])
    state["account"] = result.stdout.strip()
    cli("sync", state["account"])   # the Drafts folder becomes known

    draft = int(cli("draft", "save", "--account", state["account"],
                    write_draft("Entwurf eins")).stdout.strip())
    state["draft"] = draft
    state["message_id"] = message_id_of(draft)
    found = drafts_on_server(state["message_id"])
    check(len(found) == 1 and found[0][2] == "Entwurf eins" and "\\Draft" in found[0][1],
          found)
    listed = cli("draft", "list", "--account", state["account"]).stdout
    check(f"{draft}\t" in listed and "Entwurf eins" in listed, listed)


@tap.test("a new version replaces the old one on the server")
def test_replace():
    cli("draft", "save", "--account", state["account"], "--draft", str(state["draft"]),
        write_draft("Entwurf zwei", message_id="anything-else@example.test"))
    found = drafts_on_server(state["message_id"])
    check(len(found) == 1 and found[0][2] == "Entwurf zwei", found)


@tap.test("saved offline, it reaches the server with the next sync")
def test_offline():
    cli("draft", "save", "--offline", "--account", state["account"], "--draft",
        str(state["draft"]), write_draft("Entwurf drei"))
    check(live(drafts_on_server(state["message_id"]))[0][2] == "Entwurf zwei", "uploaded early")
    listed = cli("draft", "list", "--account", state["account"]).stdout
    check("Entwurf drei" in listed, listed)
    cli("sync", state["account"])
    found = live(drafts_on_server(state["message_id"]))
    check(len(found) == 1 and found[0][2] == "Entwurf drei", found)


@tap.test("a copy left by an interrupted upload is cleaned up by the next one")
def test_duplicate():
    # As if an upload had stopped after APPEND: a second copy is there.
    connection = imap()
    with open(write_draft("Entwurf drei", message_id=state["message_id"]), "rb") as f:
        connection.append("Drafts", "(\\Draft \\Seen)", imaplib.Time2Internaldate(time.time()),
                          f.read())
    connection.logout()
    check(len(live(drafts_on_server(state["message_id"]))) == 2, "no second copy")
    cli("draft", "save", "--account", state["account"], "--draft", str(state["draft"]),
        write_draft("Entwurf vier"))
    found = live(drafts_on_server(state["message_id"]))
    check(len(found) == 1 and found[0][2] == "Entwurf vier", found)


@tap.test("without UIDPLUS, another client's deleted messages are not expunged")
def test_foreign_deleted():
    connection = imap()
    with open(write_draft("Fremd", message_id="foreign@example.test"), "rb") as f:
        connection.append("Drafts", "(\\Deleted)", imaplib.Time2Internaldate(time.time()),
                          f.read())
    connection.logout()
    cli("draft", "save", "--account", state["account"], "--draft", str(state["draft"]),
        write_draft("Entwurf fünf"))
    found = live(drafts_on_server(state["message_id"]))
    check(len(found) == 1 and found[0][2] == "Entwurf fünf", found)
    foreign = drafts_on_server("foreign@example.test")
    check(len(foreign) == 1, f"the other client's message went: {foreign}")
    if not BASIC:
        # With UID EXPUNGE the old version is gone for good.
        check(len(drafts_on_server(state["message_id"])) == 1, "old version left")
    connection = imap()
    connection.select("Drafts")
    connection.expunge()
    connection.logout()


@tap.test("a draft deleted here is deleted on the server and forgotten")
def test_delete():
    cli("draft", "delete", "--account", state["account"], str(state["draft"]))
    check(live(drafts_on_server(state["message_id"])) == [], "still on the server")
    check(cli("draft", "list", "--account", state["account"]).stdout == "", "still listed")
    path = os.path.join(env["XDG_DATA_HOME"], "postfach", state["account"], "index.sqlite")
    import sqlite3
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        left = db.execute("SELECT count(*) FROM drafts").fetchone()[0]
    check(left == 0, f"{left} drafts remembered")


sys.exit(tap.run())
