"""HTTP/1.1 for the console's own connections: a request as bytes, and a strict reader of the answers.

Why not h11 (which read every answer before): a profile of a 100-server scan (sampled, not traced) showed
h11 was a fifth of the scan's CPU, about 54 µs an answer, most of it its generic event and state machinery
around a few regular expressions. This module keeps h11's rules and drops the machinery: the head is found
with one search, checked with one regular expression over all its header lines and split with a second,
and a body is cut from the bytes as they arrive. About 11 µs an answer.

The rules are h11's, line for line, and ``tests/test_http1.py`` holds this reader to h11's verdict answer by
answer (valid and hostile ones alike): the grammar of the status line, the header fields (with obsolete line
folding unfolded) and the chunk lines; Content-Length values that must agree and be at most 20 digits; no
transfer coding but ``chunked``, named once; the body framing of RFC 9112 §6.3 (no body after HEAD, 204 and
304; chunked over a length; else read to the close); informational (1xx) answers skipped; keep-alive only for
HTTP/1.1 and up without ``Connection: close``.

What it adds, as :mod:`strapi_console.wire` did around h11: the head (with any informational heads before it)
at most :data:`MAX_HEAD` however it arrives (h11 bounds only a head that arrives in parts, at 16 KB); a chunk
line at most :data:`MAX_LINE`; a chunked body at most :data:`MAX_CHUNKS` chunks (h11 reads any number, and a body
of one-byte chunks costs the reader a thousand times the CPU of the same body in one piece); an answer framed two ways (Content-Length and chunked) marked, so nothing more
is read on its connection (RFC 9112 §11.2); bytes after the answer are reported, never read as the next one.
"""

from __future__ import annotations

import re
from typing import Protocol

MAX_HEAD = 64 * 1024  # an answer's status line and headers (and any informational answers before it), at most
MAX_LINE = 16 * 1024  # a chunk-size line, at most (h11's bound on anything it has not read whole)
MAX_CHUNKS = 64 * 1024  # the chunks of a chunked body, at most: each costs some microseconds however it arrives
CONTENT_LENGTH_MAX_DIGITS = 20

# h11's grammar (its _abnf module), as bytes. Written so that a run of white space can be matched one way only:
# h11's own patterns let the white space before and after an empty value (and a chunk extension and the white
# space after it) share a run, and a failed match tried every split, each line's splits times the next line's
# when all the lines are matched at once: 40 empty fields and one bad line (300 bytes) never ended, 64 KB of
# spaces before a bad byte took 25 s. Possessive quantifiers (``*+``) never give back what they took; the
# languages are h11's (a value starts and ends with a visible character, so the white space before it is all of
# the run; an extension's ``.*`` takes any white space after it).
_TOKEN = rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
_VCHAR = rb"[^\x00\s]"  # a visible character or obs-text: any byte but NUL and white space
_CONTENT = _VCHAR + rb"++(?:[ \t]++" + _VCHAR + rb"++)*+"
_FIELD_BODY = rb"):[ \t]*+((?:" + _CONTENT + rb")?+)[ \t]*+"
_FIELD = re.compile(rb"(" + _TOKEN + _FIELD_BODY)
_FIELD_EACH = re.compile(rb"(" + _TOKEN + _FIELD_BODY + rb"\r?\n")
_FIELD_LINES = re.compile(rb"(?:" + _TOKEN + rb":[ \t]*+(?:" + _CONTENT + rb")?+[ \t]*+\r?\n)*+")
_STATUS = re.compile(rb"HTTP/([0-9]\.[0-9]) ([0-9]{3})(?: ((?:[ \t]|" + _VCHAR + rb")*))?")
_CHUNK = re.compile(rb"([0-9A-Fa-f]{1,20})(?:;.*|[ \t]*+)\r\n")
_HEAD_END = re.compile(rb"\n\r?\n")
_OBS_FOLD = re.compile(rb"[ \t]+")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_NAME = re.compile(_TOKEN)
_VALUE = re.compile(rb"(?:" + _CONTENT + rb")?")

Headers = list[tuple[bytes, bytes]]

# the reader's states
HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, TO_CLOSE, DONE = range(8)
NEED, COMPLETE, OVER = 0, 1, 2  # what :meth:`Reader.feed` says


class ProtocolError(Exception):
    """The server's bytes are not an HTTP/1.1 answer (or not one this reader accepts)."""


class LocalError(Exception):
    """A request the console must not send as it stands (a header with a line break, say)."""


class Sink(Protocol):
    """Where an answer goes as it is read (:class:`strapi_console.wire._Exchange`)."""
    status: int
    reason: bytes
    headers: Headers

    def add(self, data: bytes) -> bool: ...


_names_ok: set[bytes] = set()  # header names already checked (a scan sends the same few names)


def is_token(name: bytes) -> bool:
    """Whether a header name is a token (RFC 9110 §5.1), remembered when it is (at most 256 names)."""
    if name in _names_ok:
        return True
    if not _NAME.fullmatch(name):
        return False
    if len(_names_ok) < 256:
        _names_ok.add(name)
    return True


def request(method: bytes, target: bytes, headers: Headers, body: bytes) -> tuple[bytes, bool]:
    """A request's bytes, and whether the connection may be kept after it (no ``Connection: close``).

    As h11 checked them: the method a token, the target visible characters, every header name a token and every
    value free of NUL, CR, LF and other white space but spaces and tabs between words; a Host header; a body
    framed by a Content-Length that matches it or sent as one chunk under ``Transfer-Encoding: chunked``."""
    if not _NAME.fullmatch(method):
        raise LocalError(f"illegal method {method!r}")
    if not _TARGET.fullmatch(target):
        raise LocalError("illegal request target")
    lines = [method, b" ", target, b" HTTP/1.1\r\n"]
    hosts = 0
    chunked = False
    length: bytes | None = None
    keep = True
    for name, value in headers:
        if not is_token(name):
            raise LocalError(f"illegal header name {name!r}")
        if not _VALUE.fullmatch(value):
            raise LocalError(f"illegal value in the header {name.decode('ascii')!r}")
        lower = name.lower()
        if lower == b"host":
            hosts += 1
        elif lower == b"content-length":
            length = value
        elif lower == b"transfer-encoding":
            if value.lower() != b"chunked":
                raise LocalError("only Transfer-Encoding: chunked is supported")
            chunked = True
        elif lower == b"connection" and b"close" in _comma_list(value):
            keep = False
        lines += (name, b": ", value, b"\r\n")
    if hosts != 1:
        raise LocalError("missing mandatory Host: header" if not hosts else "found multiple Host: headers")
    lines.append(b"\r\n")
    if chunked:
        if body:
            lines += (b"%x\r\n" % len(body), body, b"\r\n")
        lines.append(b"0\r\n\r\n")
    elif body or length is not None:
        if length is None or not length.isdigit() or int(length) != len(body):
            raise LocalError("the body does not match its Content-Length")
        lines.append(body)
    return b"".join(lines), keep


def _comma_list(value: bytes) -> list[bytes]:
    return [part.strip() for part in value.lower().split(b",") if part.strip()]


def _fields(block: bytes) -> Headers:
    """The header lines of a head (each ending in LF or CRLF) as (lowercased name, value) pairs, checked as h11
    checks them. One pass of a regular expression over the whole block when it is plain; a block with
    obsolete line folding (or anything the pass refuses) is read line by line as h11 reads it."""
    if _FIELD_LINES.fullmatch(block):
        return [(name.lower(), value) for name, value in _FIELD_EACH.findall(block)]
    lines = block.split(b"\n")
    if lines and lines[-1] == b"":
        del lines[-1]
    unfolded: list[bytes] = []
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        fold = _OBS_FOLD.match(line)
        if fold:
            if not unfolded:
                raise ProtocolError("continuation line at start of headers")
            unfolded[-1] += b" " + line[fold.end():]
        else:
            unfolded.append(line)
    out: Headers = []
    for line in unfolded:
        match = _FIELD.fullmatch(line)
        if match is None:
            raise ProtocolError("illegal header line")
        out.append((match.group(1).lower(), match.group(2)))
    return out


def _normalized(fields: Headers) -> tuple[Headers, bytes | None, bool]:
    """h11's checks of the framing headers: every Content-Length value the same, at most 20 digits (kept once);
    at most one Transfer-Encoding, and that one ``chunked``. Returns the headers, the length and whether the
    answer is chunked."""
    length: bytes | None = None
    chunked = False
    out: Headers = []
    for name, value in fields:
        if name == b"content-length":
            lengths = {part.strip() for part in value.split(b",")}
            if len(lengths) != 1:
                raise ProtocolError("conflicting Content-Length headers")
            value = lengths.pop()
            if not value.isdigit() or not value.isascii() or len(value) > CONTENT_LENGTH_MAX_DIGITS:
                raise ProtocolError("bad Content-Length")
            if length is None:
                length = value
            elif length != value:
                raise ProtocolError("conflicting Content-Length headers")
            else:
                continue
        elif name == b"transfer-encoding":
            if chunked:
                raise ProtocolError("multiple Transfer-Encoding headers")
            value = value.lower()
            if value != b"chunked":
                raise ProtocolError("Only Transfer-Encoding: chunked is supported")
            chunked = True
        out.append((name, value))
    return out, length, chunked


class Reader:
    """Reads the answers on one connection, one request at a time (no pipelining).

    :meth:`begin` before each request; :meth:`feed` with each block of bytes as it arrives, and :meth:`eof`
    when the server closes. The answer's status, reason and headers, and its body piece by piece, go to the
    request's :class:`Sink`."""

    __slots__ = ("buf", "state", "searched", "remaining", "keep", "head_only", "head_seen", "ambiguous",
                 "trailing", "version", "chunks")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.state = DONE
        self.keep = True
        self.trailing = False
        self.ambiguous = False
        self.searched = self.remaining = self.head_seen = self.chunks = 0
        self.head_only = False
        self.version = b""

    def begin(self, method: bytes, keep: bool) -> None:
        self.buf = bytearray()
        self.state = HEAD
        self.head_only = method == b"HEAD"
        self.keep = keep
        self.trailing = self.ambiguous = False
        self.searched = self.remaining = self.head_seen = self.chunks = 0

    @property
    def reusable(self) -> bool:
        """The answer was read whole and cleanly: the connection may carry the next request."""
        return self.state == DONE and self.keep and not self.trailing and not self.ambiguous

    def feed(self, data: bytes, sink: Sink) -> int:
        """Take the bytes that arrived: NEED (more to come), COMPLETE (the answer is whole) or OVER (the body
        went over the sink's limit; the rest is never read). Raises :class:`ProtocolError`."""
        if self.buf:
            self.buf += data
            work: bytes | bytearray = self.buf
        else:
            work = data
        pos, end = 0, len(work)
        result = NEED
        while pos < end or self.state == DONE or (self.state == LENGTH and not self.remaining):
            state = self.state
            if state == DONE:
                self.trailing = pos < end
                result = COMPLETE
                pos = end  # kept nowhere: the connection is not reused with bytes after its answer
                break
            if state == HEAD:
                if work[pos] < 0x21:  # h11: a head starts with its status line, never with white space
                    raise ProtocolError("no response line received" if work[pos] in b"\r\n"
                                        else "illegal status line")
                found = self._block(work, pos, end, "headers")
                if found is None:
                    break
                self._head(bytes(work[pos:found.start() + 1]), sink)
                pos = found.end()
            elif state == LENGTH:
                if self.remaining == 0:
                    self.state = DONE
                    continue
                if pos >= end:
                    break
                piece = work[pos:pos + self.remaining]
                pos += len(piece)
                self.remaining -= len(piece)
                if sink.add(bytes(piece)):
                    return OVER
            elif state == TO_CLOSE:
                piece = work[pos:]
                pos = end
                if sink.add(bytes(piece)):
                    return OVER
            elif state == CHUNK_SIZE:
                cut = work.find(b"\r\n", pos + max(0, self.searched - 1))
                if cut < 0:
                    if end - pos > MAX_LINE:
                        raise ProtocolError("a chunk line is over 16 KB")
                    self.searched = end - pos
                    break
                match = _CHUNK.fullmatch(work, pos, cut + 2)
                if match is None:
                    raise ProtocolError("illegal chunk header")
                pos = cut + 2
                self.remaining = int(match.group(1), 16)
                if self.remaining:
                    self.chunks += 1
                    if self.chunks > MAX_CHUNKS:
                        raise ProtocolError(f"the answer's body is over {MAX_CHUNKS:,} chunks")
                self.state = CHUNK_DATA if self.remaining else TRAILERS
                self.searched = 0
            elif state == CHUNK_DATA:
                piece = work[pos:pos + self.remaining]
                pos += len(piece)
                self.remaining -= len(piece)
                if self.remaining == 0:
                    self.state, self.searched = CHUNK_END, 0
                if sink.add(bytes(piece)):
                    return OVER
            elif state == CHUNK_END:
                wanted = b"\r\n"[self.searched:]
                got = work[pos:pos + len(wanted)]
                if got != wanted[:len(got)]:
                    raise ProtocolError("malformed chunk footer")
                pos += len(got)
                self.searched += len(got)
                if self.searched == 2:
                    self.state, self.searched = CHUNK_SIZE, 0
            elif state == TRAILERS:
                if work[pos] == 0x0A or work[pos:pos + 2] == b"\r\n":  # no trailers
                    pos += 1 if work[pos] == 0x0A else 2
                    self.state = DONE
                    continue
                if work[pos] == 0x0D and pos + 1 == end:
                    break  # a CR alone: its LF is still to come
                found = self._block(work, pos, end, "trailers")
                if found is None:
                    break
                _normalized(_fields(bytes(work[pos:found.start() + 1])))  # checked as h11 does, then dropped
                pos = found.end()
                self.state = DONE
        if work is self.buf:
            if pos:
                del self.buf[:pos]
        elif pos < end:
            self.buf = bytearray(work[pos:])
        if result == COMPLETE:
            self.buf = bytearray()
        return result

    def _block(self, work: bytes | bytearray, pos: int, end: int, what: str) -> re.Match | None:
        """The blank line that ends the head (or the trailers) starting at ``pos``, or None while it has not all
        arrived. At most MAX_HEAD, counted with the heads before it in this answer (informational ones)."""
        found = _HEAD_END.search(work, max(pos, pos + self.searched - 2))
        size = (found.end() if found else end) - pos
        if self.head_seen + size > MAX_HEAD:
            raise ProtocolError(f"the answer's {what} are over {MAX_HEAD // 1024} KB")
        if found is None:
            self.searched = end - pos
            return None
        self.head_seen += size
        self.searched = 0
        return found

    def eof(self) -> int:
        """The server closed its side: COMPLETE when that ends the answer (one read to the close, or one
        already whole), else raises :class:`ProtocolError`."""
        state = self.state
        if state == DONE:
            return COMPLETE
        if state == TO_CLOSE:
            self.state = DONE
            self.keep = False
            return COMPLETE
        if state == HEAD and not self.buf and not self.head_seen:
            raise ProtocolError("Server disconnected without sending a complete response.")
        if state == HEAD:
            raise ProtocolError("peer unexpectedly closed connection in the middle of the answer's head")
        raise ProtocolError("peer closed connection without sending complete message body")

    def _head(self, block: bytes, sink: Sink) -> None:
        """One head (status line and header lines, the blank line cut off): an informational one is checked
        and skipped; the final one sets the sink's status and headers and the body's framing."""
        cut = block.find(b"\n")
        line = block[:cut]
        if line.endswith(b"\r"):
            line = line[:-1]
        status = _STATUS.fullmatch(line)
        if status is None:
            raise ProtocolError("illegal status line")
        code = int(status.group(2))
        fields, length, chunked = _normalized(_fields(block[cut + 1:]))
        if code < 200:
            if code < 100:
                raise ProtocolError("the status code is not a valid one")
            if code == 101:  # the console never asks to switch protocols
                raise ProtocolError("the server switched protocols unasked")
            return  # informational: the final answer follows (its bytes count towards the bound)
        version = status.group(1)
        self.version = version
        sink.status, sink.reason, sink.headers = code, status.group(3) or b"", fields
        if version < b"1.1" or any(name == b"connection" and b"close" in _comma_list(value)
                                   for name, value in fields):
            self.keep = False
        self.ambiguous = chunked and length is not None
        if self.head_only or code in (204, 304):
            self.state = DONE
        elif chunked:
            self.state, self.searched = CHUNK_SIZE, 0
        elif length is not None:
            self.state, self.remaining = LENGTH, int(length)
        else:
            self.state = TO_CLOSE
            self.keep = False
