# pfcli.py: running postfach-cli from the Python test scripts.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import tempfile


def isolated_env(prefix):
    """A temporary home for the XDG directories and an environment that
    points at it, in the C locale with UTF-8. Keep the returned directory
    object alive for as long as the environment is used."""
    home = tempfile.TemporaryDirectory(prefix=prefix)
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = os.path.join(home.name, name.lower())
        os.makedirs(env[name])
    env["LC_ALL"] = "C.UTF-8"
    env.pop("G_DEBUG", None)
    return home, env


def runner(cli, env):
    """A function running `cli *args` (the password, if any, on standard
    input) that raises unless it exits with `expect` (None: any status)."""
    def run(*args, password=None, expect=0, timeout=300):
        result = subprocess.run([cli, *args], input=(password + "\n") if password else "",
                                capture_output=True, text=True, env=env, timeout=timeout)
        if expect is not None and result.returncode != expect:
            raise AssertionError(f"postfach-cli {' '.join(args)} exited {result.returncode}, "
                                 f"expected {expect}\nstdout: {result.stdout}\n"
                                 f"stderr: {result.stderr}")
        return result
    return run
