#!/usr/bin/env python3
"""An MM7 MT client for Vibes, written with Python's standard library only.

It is an interop peer for `mm7harness certify-client`: a client written on
another stack than the harness's own, which a correct certification must
pass. It submits one MMS (a SubmitReq carrying one small PNG) to one
recipient and says whether Vibes accepted it.

Run (Python 3.7 or later):

    python3 mtclient.py [--dlr-url URL] [--retry-interval SECONDS]
                        [--max-attempts N] [--timeout SECONDS]

Everything else comes from the environment:

    MM7_URL              the submit URL (http or https)
    MM7_USER             HTTP Basic user
    MM7_PASSWORD         HTTP Basic password
    MM7_VERSION          the account's flavour: "5.5.0" (REL-5-MM7-1-2,
                         MM7Version 5.3.0) or "6.8.0" (REL-6-MM7-1-4,
                         MM7Version 6.8.0)
    MM7_RECIPIENT        the one recipient, sent as written (+13125550071)
    MM7_SHORTCODE        the sender short code
    MM7_DELIVERY_REPORT  "true" or "false" (default false): the
                         DeliveryReport element
    MM7_SCENARIO         informational; it goes into the Subject

--dlr-url sends X-Vibes-DlrCallbackUrl, where Vibes posts the delivery
reports.

The request: HTTP POST with Authorization: Basic and a Content-Length
(--chunked: Transfer-Encoding: chunked instead, in 4 KiB chunks),
Connection: close; the body is multipart/related; type="text/xml"
with the SOAP part first and named as the start part, then exactly one
attachment, the image, which the SubmitReq's Content href names by its
Content-ID. A body over 1 MB is not sent.

The answer: a SubmitRsp with StatusCode 1000 is acceptance (the MessageID is
printed). A SubmitRsp with another StatusCode, or a SOAP Fault whose detail
carries an RSErrorRsp or VASPErrorRsp, is that MM7 status. Otherwise it is
the bare HTTP status, or no answer at all (timeout, connection refused,
reset or closed before the answer).

Retries: the same request (same bytes, same TransactionID: a server that
saw the first attempt can recognise the repeat) is sent again after MM7
status 3000 (request processing error) or 4005 (platform reached capacity),
after HTTP 500, 502, 503 or 504 without an MM7 status, and after a timeout
or a connection refused, reset or closed without an answer. Nothing else is
retried: any other MM7 status, any 4xx, a 2xx that does not read as a
SubmitRsp (it may have been accepted: sending again could send it twice).
Attempts are --retry-interval apart (default 60 s), at most --max-attempts
(default 4); each waits at most --timeout (default 30 s) for its whole
answer.

Output: a line per attempt that is retried on stderr, and one line on stdout
saying what happened. Exit status 0 when Vibes accepted the message, 1
otherwise (including a configuration error).
"""

import argparse
import base64
import email.parser
import email.policy
import http.client
import os
import re
import secrets
import socket
import ssl
import struct
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
import zlib
from xml.sax.saxutils import escape, quoteattr

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_3GPP = "http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/"

# The account's flavour: the schema namespace and the MM7Version it carries.
FLAVOURS = {
    "5.5.0": (NS_3GPP + "REL-5-MM7-1-2", "5.3.0"),
    "6.8.0": (NS_3GPP + "REL-6-MM7-1-4", "6.8.0"),
}

MAX_BODY = 1 << 20  # Vibes refuses a larger body (HTTP 413)
MAX_ANSWER = 1 << 20  # what is read of an answer

# MM7 statuses Vibes documents as temporary.
RETRYABLE_STATUS = {3000, 4005}
# HTTP statuses that, without an MM7 status, say "try again later".
RETRYABLE_HTTP = {500, 502, 503, 504}

USER_AGENT = "mm7harness-mtclient-python/1"


class ConfigError(Exception):
    pass


class Outcome(object):
    """What one attempt came to: "accepted", "retry" or "failed"."""

    def __init__(self, kind, what, message_id=None):
        self.kind = kind
        self.what = what
        self.message_id = message_id


# ---------------------------------------------------------------- request


def config_from_env():
    env = os.environ

    def need(name, allow_empty=False):
        v = env.get(name)
        if v is None or (v.strip() == "" and not allow_empty):
            raise ConfigError("%s is not set" % name)
        return v if allow_empty else v.strip()

    cfg = {
        "url": need("MM7_URL"),
        "user": need("MM7_USER"),
        "password": need("MM7_PASSWORD", allow_empty=True),
        "version": need("MM7_VERSION"),
        "recipient": need("MM7_RECIPIENT"),
        "shortcode": need("MM7_SHORTCODE"),
        "scenario": env.get("MM7_SCENARIO", "").strip(),
    }
    if cfg["version"] not in FLAVOURS:
        raise ConfigError("MM7_VERSION %r: want 5.5.0 or 6.8.0" % cfg["version"])
    dr = env.get("MM7_DELIVERY_REPORT", "false").strip().lower()
    if dr not in ("true", "false"):
        raise ConfigError("MM7_DELIVERY_REPORT %r: want true or false" % dr)
    cfg["delivery_report"] = dr == "true"
    u = urllib.parse.urlsplit(cfg["url"])
    if u.scheme not in ("http", "https") or not u.hostname:
        raise ConfigError("MM7_URL %r: want an http or https URL" % cfg["url"])
    if ":" in cfg["user"]:
        raise ConfigError("MM7_USER may not contain ':' (HTTP Basic)")
    return cfg


def small_png():
    """A 16x16 PNG, made here: a diagonal gradient."""
    w = h = 16
    rows = b""
    for y in range(h):
        row = b"\x00"  # filter type: none
        for x in range(w):
            row += bytes((x * 16, y * 16, 160))
        rows += row

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def soap_envelope(cfg, tid, content_id):
    ns, mm7version = FLAVOURS[cfg["version"]]
    subject = "mm7harness MT client test"
    if cfg["scenario"]:
        subject += " (" + cfg["scenario"] + ")"
    # Element order is the schema's: MM7Version, SenderIdentification,
    # Recipients, …, DeliveryReport, …, Subject, …, Content.
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="' + NS_SOAP + '">\n'
        '  <SOAP-ENV:Header>\n'
        '    <mm7:TransactionID xmlns:mm7="' + ns + '" SOAP-ENV:mustUnderstand="1">' + tid + '</mm7:TransactionID>\n'
        '  </SOAP-ENV:Header>\n'
        '  <SOAP-ENV:Body>\n'
        '    <mm7:SubmitReq xmlns:mm7="' + ns + '">\n'
        '      <mm7:MM7Version>' + mm7version + '</mm7:MM7Version>\n'
        '      <mm7:SenderIdentification>\n'
        '        <mm7:SenderAddress>\n'
        '          <mm7:ShortCode>' + escape(cfg["shortcode"]) + '</mm7:ShortCode>\n'
        '        </mm7:SenderAddress>\n'
        '      </mm7:SenderIdentification>\n'
        '      <mm7:Recipients>\n'
        '        <mm7:To>\n'
        '          <mm7:Number>' + escape(cfg["recipient"]) + '</mm7:Number>\n'
        '        </mm7:To>\n'
        '      </mm7:Recipients>\n'
        '      <mm7:DeliveryReport>' + ("true" if cfg["delivery_report"] else "false") + '</mm7:DeliveryReport>\n'
        '      <mm7:Subject>' + escape(subject) + '</mm7:Subject>\n'
        '      <mm7:Content href=' + quoteattr("cid:" + content_id) + '/>\n'
        '    </mm7:SubmitReq>\n'
        '  </SOAP-ENV:Body>\n'
        '</SOAP-ENV:Envelope>\n'
    )
    return xml.encode("utf-8")


def build_request(cfg, dlr_url):
    """The request's headers and body, built once and sent as is on every attempt."""
    tid = secrets.token_hex(8)  # 16 lowercase hex characters
    soap_id = "soap-" + tid + "@mtclient"
    content_id = "image-" + tid + "@mtclient"
    boundary = "=_mtclient_" + secrets.token_hex(12)
    image = base64.encodebytes(small_png()).replace(b"\n", b"\r\n")

    crlf = b"\r\n"
    body = b"".join([
        b"--", boundary.encode(), crlf,
        b"Content-Type: text/xml; charset=utf-8", crlf,
        b"Content-Transfer-Encoding: 8bit", crlf,
        b"Content-ID: <", soap_id.encode(), b">", crlf,
        crlf,
        soap_envelope(cfg, tid, content_id), crlf,
        b"--", boundary.encode(), crlf,
        b"Content-Type: image/png", crlf,
        b"Content-Transfer-Encoding: base64", crlf,
        b"Content-ID: <", content_id.encode(), b">", crlf,
        b"Content-Disposition: attachment; filename=\"image.png\"", crlf,
        crlf,
        image,
        b"--", boundary.encode(), b"--", crlf,
    ])
    if len(body) > MAX_BODY:
        raise ConfigError("the body is %d bytes; Vibes takes at most %d" % (len(body), MAX_BODY))

    credentials = base64.b64encode((cfg["user"] + ":" + cfg["password"]).encode("utf-8")).decode("ascii")
    headers = {
        "Content-Type": 'multipart/related; type="text/xml"; start="<%s>"; boundary="%s"' % (soap_id, boundary),
        "Content-Length": str(len(body)),
        "Authorization": "Basic " + credentials,
        "SOAPAction": '""',
        "User-Agent": USER_AGENT,
        "Connection": "close",
    }
    if dlr_url:
        headers["X-Vibes-DlrCallbackUrl"] = dlr_url
    return tid, headers, body


# ---------------------------------------------------------------- exchange


class NoAnswer(Exception):
    """No HTTP answer: timeout, refused, reset, closed."""


def post(url, headers, body, timeout):
    """POSTs body and returns (HTTP status, Content-Type, answer body), or
    raises NoAnswer. The whole exchange has timeout seconds."""
    u = urllib.parse.urlsplit(url)
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    deadline = time.monotonic() + timeout
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        try:
            conn.connect()
        except ssl.SSLCertVerificationError:
            raise
        except (socket.timeout, TimeoutError):
            raise NoAnswer("no connection within %g s" % timeout)
        except ConnectionRefusedError:
            raise NoAnswer("connection refused")
        except OSError as e:
            raise NoAnswer("cannot connect: %s" % e)
        sock = conn.sock
        send_error = None
        try:
            if "Content-Length" in headers:
                conn.request("POST", path, body=body, headers=headers)
            else:
                chunks = (body[i:i + 4096] for i in range(0, len(body), 4096))
                conn.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        except (socket.timeout, TimeoutError):
            raise NoAnswer("the request could not be sent within %g s" % timeout)
        except OSError as e:
            # The server may have answered before reading it all (a 413):
            # its answer is still worth reading.
            send_error = e
        try:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            resp = conn.getresponse()
            status, ctype = resp.status, resp.getheader("Content-Type", "")
            answer = read_answer(resp, sock, deadline, timeout)
        except (socket.timeout, TimeoutError):
            raise NoAnswer("no answer within %g s" % timeout)
        except (http.client.HTTPException, OSError) as e:
            if send_error is not None:
                e = send_error
            raise NoAnswer("connection %s before the answer" % describe_drop(e))
        return status, ctype, answer
    finally:
        conn.close()


def read_answer(resp, sock, deadline, timeout):
    chunks, size = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("the answer did not end within %g s" % timeout)
        sock.settimeout(left)
        chunk = resp.read1(64 << 10)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_ANSWER:
            break  # enough to read a SOAP answer; the rest is not kept
    return b"".join(chunks)[:MAX_ANSWER]


def describe_drop(e):
    if isinstance(e, ConnectionResetError):
        return "reset"
    if isinstance(e, (http.client.RemoteDisconnected, http.client.IncompleteRead, BrokenPipeError)):
        return "closed"
    return "lost (%s)" % (e.__class__.__name__ + (": " + str(e) if str(e) else ""))


# ---------------------------------------------------------------- answer


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(el, name):
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def descendant(el, name):
    for c in el.iter():
        if local(c.tag) == name:
            return c
    return None


def text_of(el):
    """An element's text on one line, at most 300 characters of it."""
    t = " ".join((el.text or "").split()) if el is not None else ""
    return t if len(t) <= 300 else t[:299] + "\u2026"


def soap_bytes(ctype, body):
    """The SOAP part of an answer: the body itself, or the start (else the
    first) part of a multipart answer."""
    if not ctype.lower().lstrip().startswith("multipart/"):
        return body, ctype
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1", "replace") + b"\r\n\r\n" + body)
    parts = msg.get_payload() if msg.is_multipart() else []
    if not parts:
        return b"", ""
    start = msg.get_param("start")
    chosen = parts[0]
    if start:
        for p in parts:
            if (p.get("Content-ID") or "").strip() == start.strip():
                chosen = p
                break
    return chosen.get_payload(decode=True) or b"", chosen.get("Content-Type", "")


def parse_xml(raw, ctype):
    """Parses an answer's XML; None when it is not XML. A DTD is refused
    (SOAP 1.1 forbids one)."""
    if re.search(rb"<!DOCTYPE", raw, re.IGNORECASE) or re.search(rb"<\x00!\x00D\x00O\x00C", raw, re.IGNORECASE):
        return None
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        pass
    # An XML declaration that names another encoding than the bytes use
    # (a known Java habit): read the bytes by the Content-Type's charset.
    m = re.search(r'charset="?([A-Za-z0-9_.:-]+)', ctype or "")
    try:
        text = raw.decode(m.group(1) if m else "utf-8")
        text = re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", text)
        return ET.fromstring(text)
    except (LookupError, UnicodeDecodeError, ET.ParseError):
        return None


def judge(status, ctype, body, tid):
    """The outcome of an attempt that got an HTTP answer."""
    xml_part, part_type = soap_bytes(ctype, body)
    root = parse_xml(xml_part, part_type or ctype) if xml_part.strip() else None
    msg = None
    if root is not None and local(root.tag) == "Envelope":
        b = child(root, "Body")
        if b is not None and len(b):
            msg = b[0]
    answer_tid = None
    if root is not None:
        h = child(root, "Header")
        if h is not None:
            answer_tid = text_of(child(h, "TransactionID")) or None

    code, text, form = None, "", ""
    message_id = None
    if msg is not None and local(msg.tag) == "Fault":
        detail = child(msg, "detail")
        rsp = detail[0] if detail is not None and len(detail) else None
        sc = descendant(detail, "StatusCode") if detail is not None else None
        if sc is not None:
            code = text_of(sc)
            text = text_of(descendant(detail, "StatusText"))
            form = "SOAP Fault with %s" % (local(rsp.tag) if rsp is not None else "a status")
        else:
            form = "SOAP Fault %s %r without an MM7 status" % (text_of(child(msg, "faultcode")), text_of(child(msg, "faultstring")))
    elif msg is not None:
        st = child(msg, "Status")
        sc = child(st, "StatusCode") if st is not None else None
        if sc is not None:
            code = text_of(sc)
            text = text_of(child(st, "StatusText"))
            form = local(msg.tag)
            message_id = text_of(child(msg, "MessageID")) or None
        else:
            form = "%s without a Status" % local(msg.tag)
    if code is not None:
        try:
            code = int(code)
        except ValueError:
            form = "%s with StatusCode %r, not a number" % (form, code)
            code = None

    if code is not None:
        said = "StatusCode %d%s (HTTP %d, %s)" % (code, ' "%s"' % text if text else "", status, form)
        if code == 1000 and form == "SubmitRsp" and 200 <= status < 300:
            if answer_tid is not None and answer_tid != tid:
                warn("the SubmitRsp carries TransactionID %r, not the request's %r" % (answer_tid, tid))
            if not message_id:
                warn("the SubmitRsp carries no MessageID")
            return Outcome("accepted", said, message_id)
        if code in RETRYABLE_STATUS:
            return Outcome("retry", said)
        return Outcome("failed", said)

    said = "HTTP %d%s" % (status, " (" + form + ")" if form else " without an MM7 status")
    if status in RETRYABLE_HTTP:
        return Outcome("retry", said)
    if 200 <= status < 300:
        # It may have been accepted: sending it again could send it twice.
        return Outcome("failed", said + ": not a SubmitRsp; not sent again, it may have been accepted")
    return Outcome("failed", said)


# ---------------------------------------------------------------- main


def warn(s):
    sys.stderr.write("mtclient: " + s + "\n")
    sys.stderr.flush()


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(1, "%s: error: %s\n" % (self.prog, message))


def main(argv=None):
    p = Parser(prog="mtclient.py", description="Submit one MMS to Vibes over MM7 (configuration from MM7_* variables).")
    p.add_argument("--dlr-url", default="", help="X-Vibes-DlrCallbackUrl: where Vibes posts delivery reports")
    p.add_argument("--retry-interval", type=float, default=60.0, help="seconds between attempts (default 60)")
    p.add_argument("--max-attempts", type=int, default=4, help="attempts at most, the first included (default 4)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds an attempt waits for its whole answer (default 30)")
    p.add_argument("--chunked", action="store_true", help="send the body chunked, with no Content-Length")
    a = p.parse_args(argv)
    if a.max_attempts < 1:
        p.error("--max-attempts must be at least 1")
    if a.retry_interval < 0:
        p.error("--retry-interval may not be negative")
    if a.timeout <= 0:
        p.error("--timeout must be positive")

    try:
        cfg = config_from_env()
        tid, headers, body = build_request(cfg, a.dlr_url)
        if a.chunked:
            del headers["Content-Length"]
    except ConfigError as e:
        print("not sent: %s" % e)
        return 1

    attempt = 0
    try:
        while True:
            attempt += 1
            try:
                status, ctype, answer = post(cfg["url"], headers, body, a.timeout)
                out = judge(status, ctype, answer, tid)
            except NoAnswer as e:
                out = Outcome("retry", str(e))
            except ssl.SSLError as e:
                out = Outcome("failed", "TLS: %s" % e)
            where = "attempt %d of %d" % (attempt, a.max_attempts)
            if out.kind == "accepted":
                print("accepted: MessageID %s, %s (TransactionID %s, %s)" % (out.message_id or "(none)", out.what, tid, where))
                return 0
            if out.kind == "retry" and attempt < a.max_attempts:
                warn("%s: %s; trying again in %g s" % (where, out.what, a.retry_interval))
                time.sleep(a.retry_interval)
                continue
            if out.kind == "retry":
                print("not accepted after %d attempts: the last got %s (TransactionID %s)" % (attempt, out.what, tid))
            else:
                print("not accepted: %s; permanent, not retried (TransactionID %s, %s)" % (out.what, tid, where))
            return 1
    except KeyboardInterrupt:
        print("not accepted: interrupted (TransactionID %s, attempt %d)" % (tid, attempt))
        return 1


if __name__ == "__main__":
    sys.exit(main())
