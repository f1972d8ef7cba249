#!/usr/bin/python3
# bench-pop3-fetch.py: `postfach-cli sync` of a POP3 account (download of
# a generated maildrop into the store) against the raw protocol floor of
# the same RETRs, with fetchmail beside it.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run with tests/bench/run-bench-pop3-fetch: it starts the servers with the
# corpus (hard-linked into the "pop" user's maildrop) and a private
# keyring. Every side uses the plaintext loopback port of the "plaintext"
# variant and leaves the messages on the server, so each run starts from
# the same maildrop.
#
# raw floor:  one socket, USER/PASS, every RETR sent at once (PIPELINING),
#             every byte read and dropped.
# postfach:   the whole `postfach-cli sync` process with an empty store and
#             the policy "keep": each message streamed into the Inbox's
#             Maildir, fsynced, parsed, indexed, committed durably.
# Maildir:    the corpus written file by file as a POP3 download must be
#             (tmp/, fsync, rename into cur/): the file system's share.
# fetchmail:  fetchmail --all --keep, delivering in BSMTP to /dev/null (no
#             mail delivery agent: its cheapest way to take mail).
#
# Medians of alternating runs after one unmeasured pass of the raw floor.

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
FETCHMAIL_RUNS = int(os.environ.get("PF_BENCH_FETCHMAIL_RUNS", "1"))
# A command prefix for every measured sync, e.g. "perf record -o pop3.data".
WRAPPER = os.environ.get("PF_BENCH_WRAPPER", "").split()

servers = configparser.ConfigParser(interpolation=None)
servers.read(os.environ["PF_TEST_SERVERS"])
POP = servers["user:pop"]
SERVICE = servers["pop3-plaintext"]
COUNT = int(servers["corpus"]["count"])

home = tempfile.mkdtemp(prefix="pf-bench-pop3-")
env = dict(os.environ)
for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
    env[name] = os.path.join(home, name.lower())
    os.makedirs(env[name])
env.pop("G_DEBUG", None)
env.pop("G_SLICE", None)


def reply(sock, buffer):
    while b"\r\n" not in buffer:
        buffer += sock.recv(65536)
    line, rest = buffer.split(b"\r\n", 1)
    if not line.startswith(b"+OK"):
        raise RuntimeError(line.decode(errors="replace"))
    return rest


def raw_floor():
    start = time.monotonic()
    with socket.create_connection((SERVICE["host"], int(SERVICE["port"]))) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = reply(sock, b"")
        sock.sendall(f"USER {POP['login']}\r\n".encode())
        buffer = reply(sock, buffer)
        sock.sendall(f"PASS {POP['password']}\r\n".encode())
        buffer = reply(sock, buffer)
        sock.sendall(b"STAT\r\n")
        buffer = reply(sock, buffer)
        sock.sendall(b"".join(f"RETR {n}\r\n".encode() for n in range(1, COUNT + 1)))
        # Each reply ends with CRLF "." CRLF; a body line starting with "."
        # is dot-stuffed, so the sequence appears only at the ends.
        seen, total, tail = 0, len(buffer), buffer[-4:]
        seen += buffer.count(b"\r\n.\r\n")
        while seen < COUNT:
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed")
            total += len(chunk)
            joined = tail + chunk
            seen += joined.count(b"\r\n.\r\n")
            tail = joined[-4:]
        sock.sendall(b"QUIT\r\n")
    return time.monotonic() - start, total



def add_account():
    result = subprocess.run([CLI, "account", "add", "--name", "Bench", "--email", POP["address"],
                             "--kind", "pop3", "--host", SERVICE["host"],
                             "--port", SERVICE["port"], "--security", "none",
                             "--user", POP["login"], "--pop3-policy", "keep"],
                            input=POP["password"] + "\n", capture_output=True, text=True,
                            env=env, check=True)
    return result.stdout.strip()


def fetchmail():
    directory = tempfile.mkdtemp(prefix="pf-bench-fetchmail-", dir=home)
    rc = os.path.join(directory, "fetchmailrc")
    with open(rc, "w") as f:
        f.write(f"poll {SERVICE['host']} service {SERVICE['port']} proto pop3 auth password\n"
                f"  user \"{POP['login']}\" password \"{POP['password']}\"\n"
                f"  keep fetchall sslproto ''\n")
    os.chmod(rc, 0o600)
    elapsed, _, _ = pfbench.run_rss(["fetchmail", "-f", rc, "-N", "--idfile",
                             os.path.join(directory, "ids"), "--bsmtp", "/dev/null",
                             "--nosyslog", "--silent"], env)
    shutil.rmtree(directory)
    return elapsed


def main():
    account = add_account()
    data_dir = os.path.join(env["XDG_DATA_HOME"], "postfach", account)
    raw, ours, rss, files = [], [], [], []
    summary = ""
    size = 0
    raw_floor()
    for _ in range(RUNS):
        seconds, size = raw_floor()
        raw.append(seconds)
        files.append(pfbench.maildir_floor(servers["corpus"]["dir"], home, True))
        shutil.rmtree(data_dir, ignore_errors=True)
        seconds, peak, summary = pfbench.run_rss(WRAPPER + [CLI, "sync", account], env)
        ours.append(seconds)
        rss.append(peak)
    peer = [fetchmail() for _ in range(FETCHMAIL_RUNS)]

    floor = statistics.median(raw)
    print(f"Maildrop of {COUNT} generated messages, {RUNS} runs ({FETCHMAIL_RUNS} of fetchmail), "
          f"medians")
    print(f"  raw floor (pipelined RETR, {size / 1e6:.1f} MB):  {floor:7.3f} s")
    print(f"  Maildir floor (fsync per file):        {statistics.median(files):7.3f} s  "
          f"= {statistics.median(files) / floor:.2f} x floor")
    print(f"  postfach-cli sync (keep, empty store): {statistics.median(ours):7.3f} s  "
          f"= {statistics.median(ours) / floor:.2f} x floor, "
          f"{statistics.median(ours) / statistics.median(files):.2f} x Maildir floor, "
          f"peak RSS {max(rss):.0f} MB")
    if peer:
        print(f"  fetchmail --all --keep (BSMTP):        {statistics.median(peer):7.3f} s  "
              f"= {statistics.median(peer) / floor:.2f} x floor")
    print(f"  last summary: {summary.strip()}")
    shutil.rmtree(home)


main()
