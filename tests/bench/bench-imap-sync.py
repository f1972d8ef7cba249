#!/usr/bin/python3
# bench-imap-sync.py: `postfach-cli sync` of a generated Inbox against the
# raw protocol floor of the same FETCH, with mbsync beside it.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run with tests/bench/run-bench-imap-sync: it starts the servers with the
# corpus and a private keyring. All sides use the same Dovecot over the
# same plaintext connection (the "plaintext" variant), so TLS costs are
# left out of every number alike.
#
# raw floor:   one socket, LOGIN, SELECT, the FETCH the first sync sends,
#              every byte read and dropped: what no client can beat.
# first sync:  the whole `postfach-cli sync` process with an empty store:
#              summaries, threads and the full-text index.
# --no-index:  the same, leaving the full-text index to the first search.
# second sync: the same again with nothing changed on the server.
# Maildir floor: the corpus copied into a fresh Maildir file by file
#              (tmp/, rename into cur/, no fsync): what storing every body
#              as a file costs on this file system, whatever the client.
# mbsync:      isync's mbsync pulling the Inbox into a Maildir (it always
#              downloads whole messages), first and second run.
#
# Prints medians of alternating runs (after one unmeasured pass of each raw
# FETCH, so that Dovecot's cache is warm for everyone), ratios and peak RSS.

import configparser
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pfbench  # noqa: E402

CLI = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
# mbsync downloads whole messages: one run of it is long enough.
MBSYNC_RUNS = int(os.environ.get("PF_BENCH_MBSYNC_RUNS", "1"))
SKIP_BODIES = os.environ.get("PF_BENCH_SKIP_BODIES") == "1"
# A command prefix for every measured sync but the second, e.g.
# "perf record -o sync.data" (the last one, --bodies all, is left in it).
WRAPPER = os.environ.get("PF_BENCH_WRAPPER", "").split()
# PF_BENCH_KEEP=1 keeps the accounts and stores of the last run.

servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
ALICE = servers["user:alice"]
SERVICE = servers["imap-plaintext"]
COUNT = int(servers["corpus"]["count"])

home = tempfile.mkdtemp(prefix="pf-bench-sync-")
env = dict(os.environ)
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[name] = os.path.join(home, name.lower())
    os.makedirs(env[name])
env.pop("G_DEBUG", None)
env.pop("G_SLICE", None)
env.pop("MALLOC_CHECK_", None)

HEADER_ITEMS = ("(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ ENVELOPE BODYSTRUCTURE "
                "BODY.PEEK[HEADER.FIELDS (REFERENCES)])")


def command(sock, tag, line, buffer=b""):
    """Sends a command and reads until its tagged reply; returns the bytes read."""
    sock.sendall(f"{tag} {line}\r\n".encode())
    end = f"\r\n{tag} ".encode()
    total = 0
    tail = b"\r\n" + buffer
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        total += len(chunk)
        tail = (tail + chunk)[-4096:]
        index = tail.rfind(end)
        if index >= 0 and tail.endswith(b"\r\n"):
            return total


def raw_floor(items=None):
    start = time.monotonic()
    with socket.create_connection((SERVICE["host"], int(SERVICE["port"]))) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        greeting = sock.recv(4096)
        assert greeting.startswith(b"* OK")
        command(sock, "a1", f"LOGIN {ALICE['login']} \"{ALICE['password']}\"")
        command(sock, "a2", "ENABLE QRESYNC")
        command(sock, "a3", "SELECT INBOX")
        size = command(sock, "a4", "UID FETCH 1:* " + (items or HEADER_ITEMS))
        command(sock, "a5", "LOGOUT")
    return time.monotonic() - start, size


# Searches of the synced mailbox (with bodies, when they were downloaded):
# common and rare words, names, prefixes, two words, accents left out.
QUERIES = ["grusse", "strassenfest", "protokoll sitzung", "oberflache", "muller",
           "kruger", "absturz", "invoice", "throughput", "schon*", "losung termin",
           "quarterly report", "datenbank", "gmime", "bestellung", "wochen*"]


def search_times():
    """Runs `postfach-cli search --limit 50` for every query three times;
    returns the wall times (whole processes) and the hit counts."""
    times, hits, per_query = [], {}, {}
    for _ in range(3):
        for query in QUERIES:
            start = time.monotonic()
            result = subprocess.run([CLI, "search", "--limit", "50"] + query.split(), env=env,
                                    capture_output=True, text=True, check=True)
            times.append(time.monotonic() - start)
            per_query.setdefault(query, []).append(times[-1])
            hits[query] = len(result.stdout.splitlines())
    start = time.monotonic()
    subprocess.run([CLI, "account", "list"], env=env, capture_output=True, check=True)
    startup = time.monotonic() - start
    slowest = sorted(per_query, key=lambda q: -statistics.median(per_query[q]))[:3]
    print("  slowest searches: " + ", ".join(
        f"{q!r} {statistics.median(per_query[q]) * 1000:.0f} ms ({hits[q]} shown)" for q in slowest)
        + f"; `account list` takes {startup * 1000:.0f} ms")
    return times, hits



def add_account():
    result = subprocess.run([CLI, "account", "add", "--name", "Bench", "--email", ALICE["address"],
                             "--kind", "imap", "--host", SERVICE["host"], "--port", SERVICE["port"],
                             "--security", "none", "--user", ALICE["login"]],
                            input=ALICE["password"] + "\n", capture_output=True, text=True,
                            env=env, check=True)
    return result.stdout.strip()


def mbsync_config(directory):
    path = os.path.join(directory, "mbsyncrc")
    maildir = os.path.join(directory, "mail")
    os.makedirs(maildir, exist_ok=True)
    with open(path, "w") as f:
        f.write(f"""IMAPAccount bench
Host {SERVICE['host']}
Port {SERVICE['port']}
User {ALICE['login']}
Pass {ALICE['password']}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Sync Pull
Create Near
Expunge None
SyncState *
""")
    return path


def main():
    account = add_account()
    data_dir = os.path.join(env["XDG_DATA_HOME"], "postfach", account)
    raw, first, second, rss = [], [], [], []
    no_index, no_index_rss = [], []
    raw_bodies, bodies, bodies_rss, maildir = [], [], [], []
    fetched_bytes = body_bytes = 0
    summary = body_summary = ""
    # Dovecot builds its cache on the first pass over fresh mail: one
    # unmeasured pass of each FETCH first, so every side meets a warm server.
    raw_floor()
    if not SKIP_BODIES:
        raw_floor("(UID BODY.PEEK[])")
    for run in range(RUNS):
        seconds, fetched_bytes = raw_floor()
        raw.append(seconds)
        shutil.rmtree(data_dir, ignore_errors=True)
        seconds, peak, summary = pfbench.run_rss(WRAPPER + [CLI, "sync", "--bodies", "none",
                                                             account], env)
        first.append(seconds)
        rss.append(peak)
        seconds, _, _ = pfbench.run_rss([CLI, "sync", "--bodies", "none", account], env)
        second.append(seconds)
        shutil.rmtree(data_dir, ignore_errors=True)
        seconds, peak, _ = pfbench.run_rss(WRAPPER + [CLI, "sync", "--bodies", "none", "--no-index",
                                              account], env)
        no_index.append(seconds)
        no_index_rss.append(peak)
        if not SKIP_BODIES:
            seconds, body_bytes = raw_floor("(UID BODY.PEEK[])")
            raw_bodies.append(seconds)
            maildir.append(pfbench.maildir_floor(servers["corpus"]["dir"], home, False))
            seconds, peak, body_summary = pfbench.run_rss(WRAPPER + [CLI, "sync", "--bodies",
                                                                      "all", account], env)
            bodies.append(seconds)
            bodies_rss.append(peak)

    # The index is complete here: a search never waits for it to catch up.
    searches, hits = search_times()

    mb_first, mb_second = [], []
    for run in range(MBSYNC_RUNS):
        directory = tempfile.mkdtemp(prefix="pf-bench-mbsync-")
        config = mbsync_config(directory)
        seconds, _, _ = pfbench.run_rss(["mbsync", "-q", "-c", config, "inbox"], env)
        mb_first.append(seconds)
        seconds, _, _ = pfbench.run_rss(["mbsync", "-q", "-c", config, "inbox"], env)
        mb_second.append(seconds)
        shutil.rmtree(directory)

    floor = statistics.median(raw)
    print(f"Inbox of {COUNT} generated messages, {RUNS} runs ({MBSYNC_RUNS} of mbsync), medians")
    print(f"  raw floor (header FETCH, {fetched_bytes / 1e6:.1f} MB):  {floor:7.3f} s")
    print(f"  postfach-cli sync, first:          {statistics.median(first):7.3f} s  "
          f"= {statistics.median(first) / floor:.2f} x floor, peak RSS {max(rss):.0f} MB")
    print(f"  postfach-cli sync --no-index:      {statistics.median(no_index):7.3f} s  "
          f"= {statistics.median(no_index) / floor:.2f} x floor, "
          f"peak RSS {max(no_index_rss):.0f} MB")
    print(f"  postfach-cli sync, nothing new:    {statistics.median(second):7.3f} s")
    if bodies:
        body_floor = statistics.median(raw_bodies)
        print(f"  raw floor (UID FETCH 1:* BODY.PEEK[], {body_bytes / 1e6:.0f} MB): "
              f"{body_floor:7.3f} s")
        print(f"  Maildir floor (the corpus copied file by file): "
              f"{statistics.median(maildir):7.3f} s")
        print(f"  postfach-cli sync --bodies all:    {statistics.median(bodies):7.3f} s  "
              f"= {statistics.median(bodies) / body_floor:.2f} x floor, "
              f"{statistics.median(bodies) / statistics.median(maildir):.2f} x Maildir floor, "
              f"peak RSS {max(bodies_rss):.0f} MB")
        print(f"  last bodies summary: {body_summary.strip()}")
    if mb_first:
        print(f"  mbsync, first (whole messages):    {statistics.median(mb_first):7.3f} s"
              + (f"  = {statistics.median(mb_first) / statistics.median(raw_bodies):.2f} x body floor"
                 if raw_bodies else ""))
        print(f"  mbsync, nothing new:               {statistics.median(mb_second):7.3f} s")
    print(f"  postfach-cli search (whole process, {len(QUERIES)} queries x 3): median "
          f"{statistics.median(searches) * 1000:.0f} ms, max {max(searches) * 1000:.0f} ms; "
          f"hits (--limit 50): {min(hits.values())}..{max(hits.values())}")
    print(f"  last summary: {summary.strip()}")
    if os.environ.get("PF_BENCH_KEEP") == "1":
        print(f"  kept: {home}")
    else:
        shutil.rmtree(home)


main()
