# pfatspi.py: start Postfach under test and look at it through AT-SPI, as a
# screen reader or a user would.
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import tempfile
import time

# G_DEBUG (fatal-warnings) is meant for Postfach, not for the AT-SPI
# client library in this process: keep it for the app only.
APP_G_DEBUG = os.environ.pop("G_DEBUG", None)

import pyatspi  # noqa: E402


class AppUnderTest:
    """Postfach started with private XDG directories and its own settings."""

    def __init__(self, binary, lang="en", extra_env=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="pf-ui-")
        env = dict(os.environ)
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            path = os.path.join(self.tmp.name, var.lower())
            os.makedirs(path)
            env[var] = path
        # The tests look at the window through AT-SPI, so accessibility is on.
        env.pop("GTK_A11Y", None)
        env.pop("NO_AT_BRIDGE", None)
        # Mesa's software GL leaves stray rectangles in Xvfb screenshots;
        # the cairo renderer draws the same widgets cleanly.
        env.setdefault("GSK_RENDERER", "cairo")
        if APP_G_DEBUG:
            env["G_DEBUG"] = APP_G_DEBUG
        if lang == "de":
            env.update(LANGUAGE="de", LANG="de_DE.UTF-8", LC_ALL="de_DE.UTF-8")
        else:
            env.update(LANGUAGE="en", LANG="C.UTF-8", LC_ALL="C.UTF-8")
        env.update(extra_env or {})
        self.log = open(os.path.join(self.tmp.name, "postfach.log"), "w+")
        self.process = subprocess.Popen([binary], env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.app = None

    def wait_for_app(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"postfach exited early with {self.process.returncode}:\n"
                                     + self.output())
            desktop = pyatspi.Registry.getDesktop(0)
            for app in desktop:
                if app is not None and app.name == "postfach" and app.get_process_id() == self.process.pid:
                    self.app = app
                    return app
            time.sleep(0.1)
        raise AssertionError("postfach did not appear on the accessibility bus")

    def find(self, role=None, name=None, root=None, timeout=10, visible=True):
        """The first accessible below ROOT with ROLE and NAME (see named()),
        waiting up to TIMEOUT."""
        deadline = time.monotonic() + timeout
        while True:
            node = pyatspi.findDescendant(root or self.app,
                                          lambda n: (role is None or n.getRoleName() == role)
                                          and (name is None or named(n, name))
                                          and (not visible or n.getState().contains(pyatspi.STATE_VISIBLE)))
            if node is not None or time.monotonic() > deadline:
                return node
            time.sleep(0.1)

    def find_row(self, text, root=None, timeout=10):
        """The message list's row that shows TEXT (as its sender, subject or
        date): the rows draw their texts and name themselves "sender,
        subject, date[, states]" for screen readers."""
        deadline = time.monotonic() + timeout
        while True:
            # The name first: each question is a D-Bus round trip, and a
            # list keeps 200 rows
            node = pyatspi.findDescendant(root or self.app,
                                          lambda n: text in (n.name or "").split(", ")
                                          and n.getRoleName() == "panel"
                                          and n.getState().contains(pyatspi.STATE_VISIBLE))
            if node is not None or time.monotonic() > deadline:
                return node
            time.sleep(0.1)

    def texts(self):
        """Names of all labels, buttons and panels, for error messages."""
        found = pyatspi.findAllDescendants(self.app, lambda n: n.name and n.getRoleName() in
                                           ("label", "push button", "panel", "frame"))
        return sorted({n.name for n in found})

    def wait_exit(self, timeout=15):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("postfach did not quit")

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.tmp.cleanup()


def named(node, text):
    """Whether NODE is called TEXT. GTK 4.8 names a button whose label has a
    mnemonic "_Label Label"; a screen reader reads it as the label."""
    name = node.name or ""
    return name == text or name.replace("_", "") == f"{text} {text}"


def warnings(output):
    """The CRITICAL and WARNING lines of Postfach's output. The web view's
    sandboxed helper processes share that output; in their own PID namespace
    they log as "(process:N)", and one that is still starting when the
    window quits complains about its broken socket: not Postfach's."""
    return [line for line in output.splitlines()
            if ("CRITICAL" in line or "WARNING" in line)
            and not re.search(r"\(process:\d+\): WARNING \*\*: .*(Broken pipe|Connection reset)",
                              line)]


def extents(node):
    """Position and size relative to the window (GTK 4.8 reports no screen coordinates)."""
    return node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)


def focus_window(pid, title):
    """Gives the keyboard to the visible window of PID called TITLE (there is no
    window manager to do it). A dialog can match twice (its client leader has
    the same name): the newest window is the one on top."""
    r = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(pid),
                        "--name", f"^{title}$"], timeout=20, capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.split():
        raise AssertionError(f"cannot find the window {title!r}: {r.stderr}")
    r = subprocess.run(["xdotool", "windowfocus", "--sync", r.stdout.split()[-1]],
                       timeout=20, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"cannot focus the window {title!r}: {r.stderr}")


def press_keys(combo):
    """Types COMBO (xdotool syntax, e.g. "ctrl+q") through XTEST, as a keyboard would."""
    r = subprocess.run(["xdotool", "key", combo], timeout=20, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"xdotool key {combo} failed: {r.stderr}")


def click(pid, title, node):
    """Clicks the middle of NODE in the window of PID called TITLE, as a
    mouse would (through XTEST)."""
    box = extents(node)
    r = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(pid),
                        "--name", f"^{title}$"], timeout=20, capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.split():
        raise AssertionError(f"no window {title!r}: {r.stderr}")
    window = r.stdout.split()[-1]
    r = subprocess.run(["xdotool", "mousemove", "--window", window,
                        str(box.x + box.width // 2), str(box.y + box.height // 2),
                        "click", "1"], timeout=20, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"xdotool click failed: {r.stderr}")
