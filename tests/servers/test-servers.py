#!/usr/bin/python3
# test-servers.py
#
# Copyright 2026 The Postfach authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""Self-test of tests/servers/pf-test-servers: the servers behave as the
protocol tests assume. Prints TAP.

Uses the instance named by PF_TEST_SERVERS (started with --variants) if set;
otherwise starts its own with a small SMTP size limit, and bob's sent mail
filed by the SMTP server, and stops it at the end.
"""

import configparser
import imaplib
import os
import poplib
import re
import secrets
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.realpath(__file__))
SCRIPT = os.path.join(HERE, "pf-test-servers")
TIMEOUT = 10

ini = None
tests = []


def test(fn):
    tests.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def host(service):
    return ini[service]["host"]


def port(service):
    return int(ini[service]["port"])


def user(name, key):
    return ini["user:" + name][key]


def ctx(ca=None, name_check=True):
    c = ssl.create_default_context(cafile=ca or ini["tls"]["ca-file"])
    c.check_hostname = name_check
    return c


def imap(service="imap"):
    return imaplib.IMAP4(host(service), port(service), timeout=TIMEOUT)


def imaps(context=None):
    return imaplib.IMAP4_SSL(host("imaps"), port("imaps"), ssl_context=context or ctx(),
                             timeout=TIMEOUT)


def imap_login(name, service="imaps"):
    if service == "imaps":
        m = imaps()
    else:
        m = imap(service)
        m.starttls(ctx())
    m.login(user(name, "login"), user(name, "password"))
    return m


def smtp_starttls(login_as=None):
    s = smtplib.SMTP(host("submission"), port("submission"), timeout=TIMEOUT)
    s.starttls(context=ctx())
    s.ehlo()
    if login_as:
        s.login(user(login_as, "login"), user(login_as, "password"))
    return s


def smtp_tls(login_as=None):
    s = smtplib.SMTP_SSL(host("submissions"), port("submissions"), context=ctx(),
                         timeout=TIMEOUT)
    if login_as:
        s.login(user(login_as, "login"), user(login_as, "password"))
    return s


def message(sender, rcpt, subject, body="Hallo Bob,\r\nGrüße aus dem Test.\r\n"):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s" % (
                sender, rcpt, subject, secrets.token_hex(8), body)).encode("utf-8")


def find_subject(m, subject):
    typ, data = m.select("INBOX")
    check(typ == "OK", "SELECT INBOX: %r" % data)
    typ, data = m.search(None, "HEADER", "Subject", '"%s"' % subject)
    check(typ == "OK", "SEARCH: %r" % data)
    return data[0].split()


# --- IMAP ------------------------------------------------------------------


@test
def imap_starttls_port_refuses_login_before_tls():
    m = imap()
    caps = m.capabilities
    check("STARTTLS" in caps, "STARTTLS missing before TLS: %r" % (caps,))
    check("LOGINDISABLED" in caps, "LOGINDISABLED missing before TLS: %r" % (caps,))
    check(not any(c.startswith("AUTH=") for c in caps), "AUTH= offered before TLS: %r" % (caps,))
    try:
        m.login(user("alice", "login"), user("alice", "password"))
        raise Fail("LOGIN without TLS succeeded")
    except imaplib.IMAP4.error as e:
        check("PRIVACYREQUIRED" in str(e) or "disallowed" in str(e), "unexpected: %s" % e)
    m.logout()


@test
def imap_starttls_login_and_capabilities():
    m = imap()
    m.starttls(ctx())
    typ, data = m.capability()
    caps = data[0].decode().split()
    check("AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps, "after STARTTLS: %r" % caps)
    m.login(user("alice", "login"), user("alice", "password"))
    typ, data = m.capability()
    caps = data[0].decode().split()
    for cap in ("IDLE", "CONDSTORE", "QRESYNC", "SPECIAL-USE", "UIDPLUS", "MOVE", "ENABLE"):
        check(cap in caps, "%s missing after login: %r" % (cap, caps))
    typ, data = m.list()
    listing = b"\n".join(data).decode()
    for flag, name in (("\\Sent", "Sent"), ("\\Drafts", "Drafts"), ("\\Trash", "Trash"),
                       ("\\Junk", "Junk"), ("\\Archive", "Archive")):
        check(re.search(r"\(.*%s.*\) \S+ \"?%s\"?" % (re.escape(flag), name), listing),
              "%s %s missing in LIST: %s" % (flag, name, listing))
    typ, data = m.lsub()
    check(all(n in b"".join(data).decode() for n in ("Sent", "Drafts", "Trash", "Junk", "Archive")),
          "special-use folders not subscribed: %r" % data)
    m.logout()


@test
def imaps_login_select_logout():
    m = imap_login("bob")
    typ, data = m.select("INBOX")
    check(typ == "OK", "SELECT: %r" % data)
    typ, data = m.logout()
    check(typ == "BYE", "LOGOUT: %r %r" % (typ, data))


@test
def imap_wrong_password_is_authenticationfailed():
    m = imaps()
    try:
        m.login(user("alice", "login"), "wrong-" + user("alice", "password"))
        raise Fail("login with a wrong password succeeded")
    except imaplib.IMAP4.error as e:
        check("AUTHENTICATIONFAILED" in str(e), "unexpected: %s" % e)
    m.logout()


@test
def imap_condstore_qresync_enable():
    m = imap_login("alice")
    typ, data = m._simple_command("ENABLE", "QRESYNC")
    check(typ == "OK", "ENABLE QRESYNC: %r" % data)
    typ, data = m.select("INBOX")
    check(typ == "OK", "SELECT: %r" % data)
    modseq = m.untagged_responses.get("OK", [])
    check(any(b"HIGHESTMODSEQ" in r for r in modseq), "no HIGHESTMODSEQ: %r" % modseq)
    m.logout()


@test
def tls_untrusted_ca_is_rejected():
    try:
        imaps(ctx(ini["tls"]["untrusted-ca-file"]))
        raise Fail("handshake with the untrusted CA succeeded")
    except ssl.SSLCertVerificationError as e:
        check(e.verify_code == 20, "verify code %d (%s)" % (e.verify_code, e.verify_message))


@test
def tls_certificate_names():
    for name in ("localhost", "127.0.0.1", "127.0.0.2", host("imaps")):
        with socket.create_connection((host("imaps"), port("imaps")), timeout=TIMEOUT) as raw:
            with ctx().wrap_socket(raw, server_hostname=name) as s:
                check(s.version() in ("TLSv1.2", "TLSv1.3"), "TLS version %s" % s.version())
    with socket.create_connection((host("imaps"), port("imaps")), timeout=TIMEOUT) as raw:
        try:
            ctx().wrap_socket(raw, server_hostname="mail.example.org")
            raise Fail("certificate accepted for mail.example.org")
        except ssl.SSLCertVerificationError as e:
            check("mismatch" in e.verify_message.lower() or e.verify_code == 62,
                  "unexpected: %s" % e.verify_message)


@test
def imap_idle_sees_new_mail():
    m = imap_login("bob")
    m.select("INBOX")
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    check(line.startswith(b"+"), "IDLE: %r" % line)
    subject = "idle %s" % secrets.token_hex(4)
    deliver("bob", message("carol@example.org", user("bob", "address"), subject))
    m.sock.settimeout(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    seen = False
    while time.monotonic() < deadline and not seen:
        line = m.readline()
        seen = line.startswith(b"* ") and line.rstrip().endswith(b"EXISTS")
    check(seen, "no EXISTS while idling (last line %r)" % line)
    m.send(b"DONE\r\n")
    while not line.startswith(tag):
        line = m.readline()
    check(b"OK" in line, "IDLE end: %r" % line)
    m.logout()


# --- POP3 ------------------------------------------------------------------


@test
def pop3_stls_login_stat():
    p = poplib.POP3(host("pop3"), port("pop3"), timeout=TIMEOUT)
    caps = p.capa()
    check("STLS" in caps, "STLS missing: %r" % caps)
    try:
        p.user(user("pop", "login"))
        p.pass_(user("pop", "password"))
        raise Fail("USER/PASS without TLS succeeded")
    except poplib.error_proto as e:
        check(b"TLS" in e.args[0] or b"Plaintext" in e.args[0], "unexpected: %r" % e.args[0])
    p.close()
    p = poplib.POP3(host("pop3"), port("pop3"), timeout=TIMEOUT)
    p.stls(ctx())
    p.user(user("pop", "login"))
    p.pass_(user("pop", "password"))
    count, size = p.stat()
    check(count >= 0, "STAT %r" % ((count, size),))
    p.quit()


@test
def pop3s_uidl_format():
    deliver("pop", message("carol@example.org", user("pop", "address"), "pop uidl"))
    p = poplib.POP3_SSL(host("pop3s"), port("pop3s"), context=ctx(), timeout=TIMEOUT)
    p.user(user("pop", "login"))
    p.pass_(user("pop", "password"))
    resp, lines, _ = p.uidl()
    check(lines, "UIDL empty after delivery")
    for line in lines:
        # pop3_uidl_format = %08Xu%08Xv: UID and UIDVALIDITY in hex.
        check(re.fullmatch(rb"\d+ [0-9A-Fa-f]{16}", line), "UIDL line %r" % line)
    p.quit()


@test
def pop3s_wrong_password():
    p = poplib.POP3_SSL(host("pop3s"), port("pop3s"), context=ctx(), timeout=TIMEOUT)
    p.user(user("pop", "login"))
    try:
        p.pass_("wrong")
        raise Fail("PASS with a wrong password succeeded")
    except poplib.error_proto as e:
        check(e.args[0].startswith(b"-ERR"), "unexpected: %r" % e.args[0])
    p.close()


# --- SMTP ------------------------------------------------------------------


@test
def smtp_starttls_required_before_auth():
    s = smtplib.SMTP(host("submission"), port("submission"), timeout=TIMEOUT)
    code, text = s.ehlo()
    feats = s.esmtp_features
    check("starttls" in feats, "STARTTLS not offered: %r" % feats)
    check("auth" not in feats, "AUTH offered before STARTTLS: %r" % feats)
    check(feats.get("size", "").strip() == ini["smtp"]["size-limit"],
          "SIZE %r, expected %s" % (feats.get("size"), ini["smtp"]["size-limit"]))
    check("8bitmime" in feats and "smtputf8" in feats, "8BITMIME/SMTPUTF8: %r" % feats)
    code, text = s.docmd("AUTH", "PLAIN")
    check(code == 530, "AUTH before STARTTLS: %d %r" % (code, text))
    code, text = s.docmd("MAIL", "FROM:<%s>" % user("alice", "address"))
    check(code == 530, "MAIL before STARTTLS: %d %r" % (code, text))
    s.starttls(context=ctx())
    s.ehlo()
    check("auth" in s.esmtp_features, "AUTH not offered after STARTTLS")
    mechs = s.esmtp_features["auth"].split()
    check("PLAIN" in mechs and "LOGIN" in mechs, "mechanisms %r" % mechs)
    code, text = s.docmd("MAIL", "FROM:<%s>" % user("alice", "address"))
    check(code == 530, "MAIL before AUTH: %d %r" % (code, text))
    s.quit()


@test
def smtp_auth_plain_login_and_failure():
    for mech in ("PLAIN", "LOGIN"):
        s = smtp_starttls()
        s.user, s.password = user("alice", "login"), user("alice", "password")
        code, text = s.auth(mech, getattr(s, "auth_" + mech.lower()))
        check(code == 235, "AUTH %s: %d %r" % (mech, code, text))
        s.quit()
    s = smtp_tls()
    try:
        s.login(user("alice", "login"), "wrong")
        raise Fail("AUTH with a wrong password succeeded")
    except smtplib.SMTPAuthenticationError as e:
        check(e.smtp_code == 535, "unexpected: %r" % e)
    s.quit()


@test
def smtp_round_trip_starttls():
    subject = "Grüße über SMTP %s" % secrets.token_hex(4)
    s = smtp_starttls("alice")
    refused = s.sendmail(user("alice", "address"), [user("bob", "address")],
                         message(user("alice", "address"), user("bob", "address"), subject),
                         mail_options=["BODY=8BITMIME"])
    check(not refused, "refused: %r" % refused)
    s.quit()
    m = imap_login("bob")
    m._mode_utf8()
    typ, data = m.select("INBOX")
    typ, data = m.uid("SEARCH", "CHARSET", "UTF-8", "SUBJECT", '"%s"' % subject)
    uids = data[0].split()
    check(len(uids) == 1, "bob has %d messages with the subject" % len(uids))
    typ, data = m.uid("FETCH", uids[0], "(BODY.PEEK[HEADER])")
    header = data[0][1].decode("utf-8")
    check(re.search(r"Received: from .*\r\n(\t.*\r\n)*\tby .* with ESMTPSA id", header),
          "no ESMTPSA Received header:\n%s" % header)
    m.logout()


@test
def smtp_round_trip_implicit_tls_to_pop3():
    subject = "submissions %s" % secrets.token_hex(4)
    s = smtp_tls("bob")
    s.sendmail(user("bob", "address"), [user("pop", "address")],
               message(user("bob", "address"), user("pop", "address"), subject))
    s.quit()
    p = poplib.POP3_SSL(host("pop3s"), port("pop3s"), context=ctx(), timeout=TIMEOUT)
    p.user(user("pop", "login"))
    p.pass_(user("pop", "password"))
    count, _ = p.stat()
    found = False
    for i in range(count, 0, -1):
        _, lines, _ = p.top(i, 0)
        if ("Subject: " + subject).encode() in lines:
            found = True
            break
    check(found, "pop did not receive %r" % subject)
    p.quit()


@test
def smtp_refuses_unknown_and_foreign_recipients():
    s = smtp_starttls("alice")
    s.mail(user("alice", "address"))
    code, text = s.rcpt("nobody@example.test")
    check(code == 550, "unknown local user: %d %r" % (code, text))
    code, text = s.rcpt("someone@example.org")
    check(code == 550, "foreign domain: %d %r" % (code, text))
    code, text = s.rcpt(user("bob", "address"))
    check(code == 250, "bob: %d %r" % (code, text))
    s.rset()
    s.quit()


@test
def smtp_refuses_oversized_mail():
    limit = int(ini["smtp"]["size-limit"])
    s = smtp_starttls("alice")
    code, text = s.mail(user("alice", "address"), ["SIZE=%d" % (limit + 1)])
    check(code == 552, "MAIL with SIZE over the limit: %d %r" % (code, text))
    s.rset()
    # Without SIZE the server can only refuse at the end of DATA.
    body = ("x" * 76 + "\r\n") * (limit // 78 + 100)
    code, text = s.mail(user("alice", "address"))
    check(code == 250, "MAIL: %d %r" % (code, text))
    code, text = s.rcpt(user("bob", "address"))
    check(code == 250, "RCPT: %d %r" % (code, text))
    code, text = s.data(message(user("alice", "address"), user("bob", "address"), "big", body))
    check(code == 552, "DATA over the limit: %d %r" % (code, text))
    s.quit()


@test
def smtp_files_sent_mail_of_chosen_users():
    """--smtp-files-sent bob: what bob sends is filed in his Sent, once;
    what alice sends is not filed in hers."""
    for sender, rcpt, filed in (("bob", "alice", True), ("alice", "bob", False)):
        subject = "filed %s %s" % (sender, secrets.token_hex(4))
        s = smtp_tls(sender)
        s.sendmail(user(sender, "address"), [user(rcpt, "address")],
                   message(user(sender, "address"), user(rcpt, "address"), subject))
        s.quit()
        m = imap_login(sender)
        typ, data = m.select("Sent", readonly=True)
        check(typ == "OK", "SELECT Sent: %r" % data)
        typ, data = m.search(None, "HEADER", "Subject", '"%s"' % subject)
        found = len(data[0].split())
        check(found == (1 if filed else 0), "%s's Sent has %d copies of %r" % (
            sender, found, subject))
        m.logout()
        m = imap_login(rcpt)
        check(len(find_subject(m, subject)) == 1, "%s did not receive %r" % (rcpt, subject))
        m.logout()
    with open(ini["smtp"]["log"], errors="replace") as f:
        log = f.read()
    check(re.search(r"from=<%s> to=%s size=\d+ message-id=<[0-9a-f]+@example.test> "
                    r"delivered" % (re.escape(user("bob", "address")),
                                    re.escape(user("alice", "address"))), log),
          "no log line with envelope and Message-ID")


@test
def lmtp_deliver_command():
    subject = "lmtp %s" % secrets.token_hex(4)
    deliver("alice", message("carol@example.org", user("alice", "address"), subject))
    m = imap_login("alice")
    check(len(find_subject(m, subject)) == 1, "delivered message not found")
    m.logout()


# --- Variants --------------------------------------------------------------


@test
def variant_notls_offers_no_tls_and_no_login():
    m = imap("imap-notls")
    caps = m.capabilities
    check("STARTTLS" not in caps, "notls offers STARTTLS: %r" % (caps,))
    check("LOGINDISABLED" in caps, "notls allows LOGIN: %r" % (caps,))
    try:
        m._simple_command("STARTTLS")
        raise Fail("notls accepted STARTTLS")
    except imaplib.IMAP4.error:
        pass
    m.logout()
    p = poplib.POP3(host("pop3-notls"), port("pop3-notls"), timeout=TIMEOUT)
    caps = p.capa()
    check("STLS" not in caps, "pop3-notls offers STLS: %r" % caps)
    try:
        p.user(user("pop", "login"))
        p.pass_(user("pop", "password"))
        raise Fail("pop3-notls allowed USER/PASS")
    except poplib.error_proto:
        pass
    p.close()


@test
def variant_plaintext_allows_login_without_tls():
    m = imap("imap-plaintext")
    caps = m.capabilities
    check("STARTTLS" in caps, "plaintext lacks STARTTLS: %r" % (caps,))
    check("LOGINDISABLED" not in caps, "plaintext disables LOGIN: %r" % (caps,))
    m.login(user("alice", "login"), user("alice", "password"))
    typ, _ = m.select("INBOX")
    check(typ == "OK", "SELECT")
    m.logout()
    p = poplib.POP3(host("pop3-plaintext"), port("pop3-plaintext"), timeout=TIMEOUT)
    check("STLS" in p.capa(), "pop3-plaintext lacks STLS")
    p.user(user("pop", "login"))
    p.pass_(user("pop", "password"))
    p.stat()
    p.quit()


@test
def corpus_is_linked_and_copied():
    d = tempfile.mkdtemp(prefix="pf-test-corpus-")
    # As root, Dovecot's users must reach srv/ below it.
    os.chmod(d, 0o755)
    env = dict(os.environ, PF_TEST_CACHE_DIR=os.path.join(d, "cache"))
    try:
        res = subprocess.run([SCRIPT, "start", "--dir", os.path.join(d, "srv"), "--corpus", "20",
                              "--corpus-seed", "7"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=120)
        check(res.returncode == 0, "start --corpus failed: %s" % res.stderr.decode())
        c = configparser.RawConfigParser()
        c.read(res.stdout.decode().strip())
        cache_cur = os.path.join(c["corpus"]["dir"], "cur")
        check(len(os.listdir(cache_cur)) == 20, "cache has %d files" % len(os.listdir(cache_cur)))
        for name in ("alice", "pop"):
            ctx_ = ssl.create_default_context(cafile=c["tls"]["ca-file"])
            m = imaplib.IMAP4_SSL(c["imaps"]["host"], int(c["imaps"]["port"]),
                                  ssl_context=ctx_, timeout=TIMEOUT)
            m.login(c["user:" + name]["login"], c["user:" + name]["password"])
            typ, data = m.select("INBOX")
            check(data == [b"20"], "%s has %r messages" % (name, data))
            if name == "alice":
                m.store("1:5", "+FLAGS", "(\\Deleted)")
                m.expunge()
            m.logout()
        check(len(os.listdir(cache_cur)) == 20, "expunging in alice's INBOX changed the cache")
    finally:
        subprocess.run([SCRIPT, "stop", "--dir", os.path.join(d, "srv")])
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------


def deliver(name, data):
    with tempfile.NamedTemporaryFile(suffix=".eml") as f:
        f.write(data)
        f.flush()
        res = subprocess.run([SCRIPT, "deliver", "--dir", ini["server"]["dir"],
                              "--to", user(name, "address"), f.name],
                             stderr=subprocess.PIPE, timeout=TIMEOUT)
        check(res.returncode == 0, "deliver: %s" % res.stderr.decode())


def main():
    global ini
    own_dir = None
    path = os.environ.get("PF_TEST_SERVERS")
    if not path:
        own_dir = tempfile.mkdtemp(prefix="pf-test-servers-")
        t0 = time.monotonic()
        res = subprocess.run([SCRIPT, "start", "--dir", own_dir, "--variants",
                              "--smtp-size-limit", "200000", "--smtp-files-sent", "bob"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if res.returncode != 0:
            print("Bail out! pf-test-servers start failed: %s"
                  % res.stderr.decode().replace("\n", " | "))
            shutil.rmtree(own_dir, ignore_errors=True)
            return 1
        path = res.stdout.decode().strip()
        print("# servers started in %.2f s: %s" % (time.monotonic() - t0, path))
    ini = configparser.RawConfigParser()
    ini.read(path)
    failed = 0
    try:
        print("1..%d" % len(tests))
        for n, fn in enumerate(tests, 1):
            name = "/servers/" + fn.__name__.replace("_", "-")
            if "variant" in fn.__name__ and not ini.has_section("imap-notls"):
                print("ok %d %s # SKIP instance started without --variants" % (n, name))
                continue
            if "files_sent" in fn.__name__ and \
                    "bob" not in ini["smtp"].get("files-sent", "").split(","):
                print("ok %d %s # SKIP instance started without --smtp-files-sent bob"
                      % (n, name))
                continue
            t0 = time.monotonic()
            try:
                fn()
                print("ok %d %s # %.2f s" % (n, name, time.monotonic() - t0))
            except Exception as e:
                failed += 1
                print("not ok %d %s" % (n, name))
                detail = str(e) if isinstance(e, Fail) else traceback.format_exc()
                for line in detail.rstrip().splitlines():
                    print("# " + line)
            sys.stdout.flush()
    finally:
        if own_dir:
            if failed:
                print("# logs kept in %s/logs" % own_dir)
            subprocess.run([SCRIPT, "stop", "--dir", own_dir])
            if not failed:
                shutil.rmtree(own_dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
