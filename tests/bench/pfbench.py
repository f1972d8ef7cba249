# pfbench.py: what the benchmark scripts share.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import tempfile
import time


def run_rss(args, env):
    """Runs args; returns (seconds, peak RSS in MB, stdout)."""
    start = time.monotonic()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - start
    if status != 0:
        raise RuntimeError(f"{' '.join(args)} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024, out.decode()


def maildir_floor(source, parent, durable):
    """Copies the Maildir SOURCE file by file into a fresh Maildir below
    PARENT as a mail client stores it: tmp/, rename into cur/; with
    DURABLE an fsync of each file and of cur/ at the end. Returns the
    seconds it took: the file system's share, whatever the client."""
    target = tempfile.mkdtemp(prefix="pf-bench-maildir-", dir=parent)
    for sub in ("tmp", "cur"):
        os.makedirs(os.path.join(target, sub))
    names = [os.path.join(source, sub, name) for sub in ("cur", "new")
             if os.path.isdir(os.path.join(source, sub))
             for name in os.listdir(os.path.join(source, sub))]
    start = time.monotonic()
    for i, name in enumerate(names):
        with open(name, "rb") as f:
            data = f.read()
        temporary = os.path.join(target, "tmp", f"{i}.bench")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        if durable:
            os.fsync(fd)
        os.close(fd)
        os.rename(temporary, os.path.join(target, "cur", f"{i}.bench:2,"))
    if durable:
        fd = os.open(os.path.join(target, "cur"), os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    elapsed = time.monotonic() - start
    shutil.rmtree(target)
    return elapsed
