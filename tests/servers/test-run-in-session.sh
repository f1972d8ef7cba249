#!/bin/sh
# test-run-in-session.sh
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run by `run-in-session --keyring --xvfb -- test-run-in-session.sh`: checks
# that the session it is in is private and that the Secret Service and the
# display work without any help from the calling environment. Prints TAP.

# The sh -c scripts below expand their variables themselves.
# shellcheck disable=SC2016

n=0
failed=0
check() {
  n=$((n + 1))
  desc=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
    failed=1
  fi
}

echo "1..7"
check "a private session bus" test -n "${DBUS_SESSION_BUS_ADDRESS:-}"
check "a private HOME" sh -c 'case "$HOME" in */pf-session-*/home) test -d "$HOME" ;; *) false ;; esac'
check "a private XDG_RUNTIME_DIR" sh -c 'test -d "$XDG_RUNTIME_DIR" && test "$(stat -c %a "$XDG_RUNTIME_DIR")" = 700'
secret="pf-$$-$(date +%s)"
check "secret-tool store" sh -c "printf '%s' '$secret' | secret-tool store --label='Postfach test' org.postfach.test run-in-session"
check "secret-tool lookup" sh -c "test \"\$(secret-tool lookup org.postfach.test run-in-session)\" = '$secret'"
check "secret-tool clear" sh -c "secret-tool clear org.postfach.test run-in-session && ! secret-tool lookup org.postfach.test run-in-session"
check "an X display" sh -c 'test -n "${DISPLAY:-}" && test -S "/tmp/.X11-unix/X${DISPLAY#:}"'
exit $failed
