#!/usr/bin/env python3
"""Independent verifier of an immutrail archive (format version 1).

Written from docs/FORMAT.md alone, without reading immutrail's code: it exists
to show that the document is a sufficient specification (invariant 6). Python
3.11 standard library only; the `cryptography` package is used for ECDSA when
it is importable, otherwise a small pure-Python P-256 verifier is used.

Usage:
    immutrail_verify.py (--dir ARCHIVE_DIR | --bundle BUNDLE.tar.gz) --public-key PEM [--json]
                        [--origin ORIGIN] [--trusted-checkpoint NOTE] [--max-seal-gap 15m]

ARCHIVE_DIR is a local copy of the archive bucket: files whose paths, relative
to the folder, are the S3 keys (records/... and checkpoints/...). A bundle is
what `immutrail evidence` writes (FORMAT.md 9, checked by immutrail_bundle.py);
shard checkpoints (FORMAT.md 4.1) are checked by immutrail_shard_notes.py.

Findings carry FORMAT.md section 5's codes. Exit status: 0 valid (notes may be
reported), 1 problems were found, 2 usage error or unusable input, 3 a bug here.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as _dt
import decimal
import hashlib
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

FORMAT_VERSION = 1
ZERO_HASH = "0" * 64
RECORD_KINDS = frozenset({"genesis", "event", "quarantine", "alert", "attestation", "coverage"})
HEADER_MEMBERS = frozenset({"v", "shard", "seq", "prev", "kind", "id", "time"})
MAX_EXACT_INT = 2**53  # FORMAT.md 2.3: integers beyond 2^53 in magnitude never travel as numbers
EM_DASH = "\u2014"

SHARD_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DECIMAL_RE = re.compile(r"^(0|[1-9][0-9]*)$")
BATCH_KEY_RE = re.compile(
    r"^records/shard=(?P<shard>[^/]+)/dt=(?P<date>[^/]+)/"
    r"(?P<first>[0-9]{16})-(?P<last>[0-9]{16})-(?P<batch>[0-9a-f]{16})\.ndjson$"
)
CHECKPOINT_KEY_RE = re.compile(r"^checkpoints/(?P<size>[0-9]{16})-(?P<time>[0-9TZ]+)-(?P<hash>[0-9a-f]{16})\.note$")


class UsageError(Exception):
    """Bad command line or unusable input (exit 2)."""


# ---------------------------------------------------------------------------
# Findings


# Each check of this verifier, by the finding code FORMAT.md section 5 gives it (its
# table "Findings"). The check name says which test failed, more precisely than the
# code; both are reported, the code is what another verifier must agree on.
FORMAT_CODES = {
    "checkpoint-malformed": "CHECKPOINT_MALFORMED",
    "checkpoint-size-mismatch": "CHECKPOINT_MALFORMED",
    "checkpoint-root-mismatch": "CHECKPOINT_MALFORMED",
    "checkpoint-key-invalid": "CHECKPOINT_MALFORMED",
    "checkpoint-key-mismatch": "CHECKPOINT_MALFORMED",
    "checkpoint-unsigned": "CHECKPOINT_SIGNATURE",
    "checkpoint-bad-signature": "CHECKPOINT_SIGNATURE",
    # Key name = origin (FORMAT.md 4): a note under another origin is not signed by the archive's key name.
    "checkpoint-origin-mixed": "CHECKPOINT_SIGNATURE",
    "checkpoint-wrong-origin": "CHECKPOINT_SIGNATURE",
    "checkpoint-missing": "CHECKPOINT_CHAIN",
    "checkpoint-chain-broken": "CHECKPOINT_CHAIN",
    "checkpoint-shard-shrank": "ROLLBACK",
    "checkpoint-time-regressed": "CHECKPOINT_TIME",
    "batch-key-invalid": "FOREIGN_OBJECT",
    "batch-out-of-period": "FOREIGN_OBJECT",
    "batch-framing": "PARSE",
    "record-not-utf8": "PARSE",
    "record-too-deep": "PARSE",
    "record-invalid-json": "PARSE",
    "record-not-canonical": "PARSE",
    "record-big-integer": "PARSE",
    "record-bad-shape": "HEADER",
    "batch-time-mismatch": "HEADER",
    "record-wrong-shard": "SHARD_MISMATCH",
    "record-seq-mismatch": "SEQUENCE",
    "record-bad-link": "LINK",
    "batch-count-mismatch": "KEY_MISMATCH",
    "batch-id-mismatch": "KEY_MISMATCH",
    "batch-date-mismatch": "KEY_MISMATCH",
    "batch-unreadable": "UNREADABLE",
    "shard-no-genesis": "GENESIS",
    "shard-wrong-origin": "GENESIS_ORIGIN",
    "shard-gap": "GAP",
    "shard-unlinked-object": "UNLINKED_OBJECT",
    "shard-truncated": "TRUNCATED",
    "shard-root-mismatch": "CHECKPOINT_MISMATCH",
    "shard-head-mismatch": "CHECKPOINT_MISMATCH",
    "trusted-checkpoint-rollback": "ROLLBACK",
    "seal-gap": "SEAL_GAP",
    "duplicate-id": "DUPLICATE_ID",
    "shard-note-malformed": "CHECKPOINT_MALFORMED",
    "shard-note-signature": "CHECKPOINT_SIGNATURE",
    "shard-note-truncated": "TRUNCATED",
    "shard-note-mismatch": "CHECKPOINT_MISMATCH",
    # witnesses (FORMAT.md 5, witness check; immutrail_witness.py)
    "witness-missing": "WITNESS_MISSING",
    "witness-signature": "WITNESS_SIGNATURE",
    "witness-rollback": "ROLLBACK",
    "witness-fork": "WITNESS_FORK",
    # evidence bundles (FORMAT.md 9)
    "manifest-malformed": "MANIFEST_MALFORMED",
    "file-missing": "MISSING_FILE",
    "file-extra": "EXTRA_FILE",
    "file-size": "FILE_SIZE",
    "file-digest": "FILE_DIGEST",
    # notes (exit 0)
    "orphan": "ORPHAN",
    "orphan-checkpoint": "ORPHAN",
    "unsealed": "UNSEALED",
    "unresolved-fork": "UNRESOLVED_FORK",
    "no-checkpoint": "NO_CHECKPOINT",
    "shard-note-missing": "SHARD_NOTE_MISSING",
}


@dataclass
class Finding:
    check: str  # this verifier's name for the test that failed
    message: str
    key: str | None = None
    shard: str | None = None

    @property
    def code(self) -> str:
        return FORMAT_CODES[self.check]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "check": self.check, "message": self.message}
        if self.key is not None:
            out["key"] = self.key
        if self.shard is not None:
            out["shard"] = self.shard
        return out

    def __str__(self) -> str:
        where = f" [{self.key}]" if self.key else ""
        return f"{self.code} ({self.check}): {self.message}{where}"


@dataclass
class Report:
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    def problem(self, code: str, message: str, key: str | None = None, shard: str | None = None) -> None:
        self.problems.append(Finding(code, message, key, shard))

    def note(self, code: str, message: str, key: str | None = None, shard: str | None = None) -> None:
        self.notes.append(Finding(code, message, key, shard))


# ---------------------------------------------------------------------------
# Hashing and RFC 6962 Merkle trees


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


class PrefixTrees:
    """MTH of every prefix of one list of leaf hashes, sharing complete subtrees.

    RFC 6962 splits a tree of n leaves at the largest power of two below n, so
    the left part is always a complete, aligned subtree: caching those makes the
    root of each further prefix cost O(log n) instead of O(n) (an archive holds
    a checkpoint every few minutes, each naming a prefix of every shard).
    """

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self._complete: dict[tuple[int, int], bytes] = {}

    def root(self, size: int) -> bytes:
        if size == 0:
            return sha256(b"")
        return self._mth(0, size)

    def _mth(self, start: int, n: int) -> bytes:
        if n == 1:
            return self.leaves[start]
        complete = n & (n - 1) == 0
        if complete and (start, n) in self._complete:
            return self._complete[(start, n)]
        k = 1
        while k * 2 < n:
            k *= 2
        h = node_hash(self._mth(start, k), self._mth(start + k, n - k))
        if complete:
            self._complete[(start, n)] = h
        return h


def merkle_tree_hash(leaf_hashes: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 MTH over leaves that are already leaf hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(merkle_tree_hash(leaf_hashes[:k]), merkle_tree_hash(leaf_hashes[k:]))


# ---------------------------------------------------------------------------
# RFC 8785 JSON Canonicalization Scheme


class CanonicalError(ValueError):
    """A value that has no RFC 8785 form (or that immutrail promises never to write)."""


def _ecma_number(x: float) -> str:
    """ECMAScript Number::toString(x) for a finite double (ECMA-262 7.1.12.1)."""
    if math.isnan(x) or math.isinf(x):
        raise CanonicalError("non-finite number")
    if x == 0:
        return "0"  # also -0
    if x < 0:
        return "-" + _ecma_number(-x)
    # repr() is the shortest digit string that round-trips, correctly rounded:
    # the same digits s that ECMAScript chooses (k as small as possible, closest).
    tup = decimal.Decimal(repr(x)).normalize().as_tuple()
    digits = "".join(str(d) for d in tup.digits)
    k = len(digits)
    n = k + int(tup.exponent)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{sign}{abs(e)}"


_SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def _ecma_string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if o in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[o])
        elif o < 0x20:
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:
            raise CanonicalError(f"lone surrogate U+{o:04X} in a string")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequence of UTF-16 code units.
    return name.encode("utf-16-be", "surrogatepass")


def canonicalize(value: Any, on_big_int: Callable[[int], None] | None = None) -> str:
    """RFC 8785 text of a value parsed by strict_json_loads.

    An integer beyond 2^53 has no exact ECMAScript form: it is serialized as the
    double it would become (so the re-serialization differs) and reported.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_EXACT_INT:
            if on_big_int is not None:
                on_big_int(value)
            return _ecma_number(float(value))
        return str(value)
    if isinstance(value, float):
        return _ecma_number(value)
    if isinstance(value, str):
        return _ecma_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonicalize(v, on_big_int) for v in value) + "]"
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda kv: _utf16_key(kv[0]))
        return "{" + ",".join(_ecma_string(k) + ":" + canonicalize(v, on_big_int) for k, v in members) + "}"
    raise CanonicalError(f"unexpected value of type {type(value).__name__}")


class StrictJsonError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise StrictJsonError(f"duplicate member {k!r}")
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not JSON")


# FORMAT.md 2.3: events nested deeper than 64 levels are quarantined, so a record
# (the event under data.raw) nests at most 66 levels. Checked on the text first,
# so a hostile line never reaches the recursive parser.
MAX_RECORD_DEPTH = 66


def text_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON text, outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def strict_json_loads(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except StrictJsonError:
        raise
    except (ValueError, RecursionError) as exc:
        raise StrictJsonError(str(exc)) from exc


# ---------------------------------------------------------------------------
# DER, SubjectPublicKeyInfo and ECDSA P-256


class PublicKeyError(ValueError):
    pass


def _der_read(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """Reads one DER TLV at pos: (tag, value, next position). Definite, minimal lengths only."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        if data[pos] == 0 or length < 0x80:
            raise ValueError("non-minimal DER length")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER value")
    return tag, data[pos : pos + length], pos + length


def _der_integer(value: bytes) -> int:
    if not value:
        raise ValueError("empty INTEGER")
    if len(value) > 1 and (value[0] == 0 and value[1] < 0x80 or value[0] == 0xFF and value[1] >= 0x80):
        raise ValueError("non-minimal INTEGER")
    return int.from_bytes(value, "big", signed=True)


def parse_der_signature(sig: bytes) -> tuple[int, int]:
    tag, body, end = _der_read(sig, 0)
    if tag != 0x30 or end != len(sig):
        raise ValueError("signature is not one DER SEQUENCE")
    tag_r, r_bytes, pos = _der_read(body, 0)
    tag_s, s_bytes, pos = _der_read(body, pos)
    if tag_r != 0x02 or tag_s != 0x02 or pos != len(body):
        raise ValueError("signature is not SEQUENCE { INTEGER r, INTEGER s }")
    return _der_integer(r_bytes), _der_integer(s_bytes)


OID_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
OID_PRIME256V1 = bytes.fromhex("2a8648ce3d030107")  # 1.2.840.10045.3.1.7

P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_A = P256_P - 3
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)


def parse_p256_spki(der: bytes) -> tuple[int, int]:
    """SubjectPublicKeyInfo of an id-ecPublicKey on prime256v1, uncompressed point."""
    try:
        tag, spki, end = _der_read(der, 0)
        if tag != 0x30 or end != len(der):
            raise ValueError("not one SEQUENCE")
        tag, alg, pos = _der_read(spki, 0)
        if tag != 0x30:
            raise ValueError("no AlgorithmIdentifier")
        tag_bits, bits, pos = _der_read(spki, pos)
        if tag_bits != 0x03 or pos != len(spki):
            raise ValueError("no subjectPublicKey BIT STRING")
        tag1, oid1, apos = _der_read(alg, 0)
        tag2, oid2, apos = _der_read(alg, apos)
        if (tag1, tag2) != (0x06, 0x06) or apos != len(alg) or oid1 != OID_EC_PUBLIC_KEY or oid2 != OID_PRIME256V1:
            raise ValueError("not an ECDSA P-256 key")
    except ValueError as exc:
        raise PublicKeyError(f"public key: {exc}") from exc
    if len(bits) != 66 or bits[0] != 0 or bits[1] != 0x04:
        raise PublicKeyError("public key: expected an uncompressed P-256 point")
    x = int.from_bytes(bits[2:34], "big")
    y = int.from_bytes(bits[34:66], "big")
    if not (x < P256_P and y < P256_P and (y * y - (x * x * x + P256_A * x + P256_B)) % P256_P == 0):
        raise PublicKeyError("public key: point is not on P-256")
    return x, y


_Point = tuple[int, int] | None


def _point_add(p1: _Point, p2: _Point) -> _Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2:
        if (y1 + y2) % P256_P == 0:
            return None
        lam = (3 * x1 * x1 + P256_A) * pow(2 * y1, -1, P256_P) % P256_P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P256_P) % P256_P
    x3 = (lam * lam - x1 - x2) % P256_P
    return x3, (lam * (x1 - x3) - y1) % P256_P


def _scalar_mult(k: int, point: _Point) -> _Point:
    result: _Point = None
    addend = point
    while k:
        if k & 1:
            result = _point_add(result, addend)
        addend = _point_add(addend, addend)
        k >>= 1
    return result


def pure_ecdsa_p256_verify(public_point: tuple[int, int], message: bytes, der_signature: bytes) -> bool:
    """FIPS 186-4 ECDSA verification with SHA-256. Verification handles no secret."""
    try:
        r, s = parse_der_signature(der_signature)
    except ValueError:
        return False
    if not (1 <= r < P256_N and 1 <= s < P256_N):
        return False
    e = int.from_bytes(sha256(message), "big")
    w = pow(s, -1, P256_N)
    point = _point_add(_scalar_mult(e * w % P256_N, P256_G), _scalar_mult(r * w % P256_N, public_point))
    return point is not None and point[0] % P256_N == r


class PublicKey:
    """The trusted key: its SPKI DER (for the key id) and a verify function."""

    def __init__(self, pem_text: str, force_pure: bool = False) -> None:
        self.spki_der = _pem_to_der(pem_text)
        self.point = parse_p256_spki(self.spki_der)
        self.backend = "pure-python"
        self._crypto_key = None
        if not force_pure:
            try:
                from cryptography.hazmat.primitives.serialization import load_der_public_key

                self._crypto_key = load_der_public_key(self.spki_der)
                self.backend = "cryptography"
            except ImportError:
                pass

    def key_id(self, key_name: str) -> bytes:
        # FORMAT.md 4: C2SP signature type 0x02, the key id hashes the SPKI alone.
        return sha256(self.spki_der)[:4]

    def legacy_key_id(self, key_name: str) -> bytes:
        # FORMAT.md 4: archive-wide checkpoints written before C2SP key ids.
        return sha256(key_name.encode("utf-8") + b"\x0a\x02" + self.spki_der)[:4]

    def verify(self, message: bytes, der_signature: bytes) -> bool:
        if self._crypto_key is None:
            return pure_ecdsa_p256_verify(self.point, message, der_signature)
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            self._crypto_key.verify(der_signature, message, ec.ECDSA(hashes.SHA256()))
            return True
        except (InvalidSignature, ValueError):
            return False


def _pem_to_der(pem_text: str) -> bytes:
    m = re.search(r"-----BEGIN PUBLIC KEY-----(.*?)-----END PUBLIC KEY-----", pem_text, re.S)
    if not m:
        raise PublicKeyError("public key: no PEM 'PUBLIC KEY' block")
    try:
        return base64.b64decode("".join(m.group(1).split()), validate=True)
    except binascii.Error as exc:
        raise PublicKeyError(f"public key: bad base64 ({exc})") from exc


# ---------------------------------------------------------------------------
# Small format helpers


def strict_b64(text: str) -> bytes | None:
    """RFC 4648 base64 with padding, in its one canonical spelling; None if not."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def valid_time(text: Any) -> bool:
    if not isinstance(text, str) or not TIME_RE.match(text):
        return False
    try:
        _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------
# Checkpoints (FORMAT.md 4, 5.1)


@dataclass
class ShardLine:
    shard: str
    size: int
    root: bytes
    head: bytes


@dataclass
class Checkpoint:
    key: str
    note: bytes
    note_hash: bytes
    origin: str
    size: int
    root: bytes
    shards: dict[str, ShardLine]
    prev: bytes | None  # None for "prev -"
    time: str
    valid: bool = False

    def label(self) -> str:
        return f"size {self.size} at {self.time}"


def render_body(origin: str, size: int, root: bytes, shards: list[ShardLine], prev: bytes | None, time: str) -> str:
    lines = [origin, str(size), b64(root)]
    lines += [f"shard {s.shard} {s.size} {b64(s.root)} {b64(s.head)}" for s in shards]
    lines.append("prev " + (b64(prev) if prev is not None else "-"))
    lines.append("time " + time)
    return "".join(line + "\n" for line in lines)


def top_level_root(shards: list[ShardLine]) -> bytes:
    if not shards:
        return sha256(b"")
    leaves = [leaf_hash(f"{s.shard} {s.size} {s.root.hex()}".encode("utf-8")) for s in shards]
    return merkle_tree_hash(leaves)


class NoteError(ValueError):
    pass


def parse_checkpoint(key: str, note: bytes) -> tuple[Checkpoint, str, list[str]]:
    """Parses a note into (checkpoint, body text, signature lines). Raises NoteError."""
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError(f"not UTF-8: {exc}") from exc
    split = text.find("\n\n")
    if split < 0:
        raise NoteError("no empty line between body and signatures")
    body, sig_text = text[: split + 1], text[split + 2 :]
    if not sig_text.endswith("\n") or not sig_text.strip("\n"):
        raise NoteError("signature lines missing or not ended by a line feed")
    sig_lines = sig_text[:-1].split("\n")
    lines = body[:-1].split("\n")
    if len(lines) < 5:
        raise NoteError("body too short")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin:
        raise NoteError("empty origin")
    if not DECIMAL_RE.match(size_text):
        raise NoteError(f"bad total size {size_text!r}")
    root = strict_b64(root_text)
    if root is None or len(root) != 32:
        raise NoteError(f"bad root {root_text!r}")
    shards: list[ShardLine] = []
    for line in lines[3:-2]:
        parts = line.split(" ")
        if len(parts) != 5 or parts[0] != "shard":
            raise NoteError(f"bad shard line {line!r}")
        _, sid, ssize, sroot, shead = parts
        r, h = strict_b64(sroot), strict_b64(shead)
        if not SHARD_RE.match(sid) or not DECIMAL_RE.match(ssize) or r is None or h is None or len(r) != 32 or len(h) != 32:
            raise NoteError(f"bad shard line {line!r}")
        shards.append(ShardLine(sid, int(ssize), r, h))
    ids = [s.shard.encode("utf-8") for s in shards]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        raise NoteError("shard lines not sorted by id or repeated")
    prev_line, time_line = lines[-2], lines[-1]
    if prev_line == "prev -":
        prev = None
    elif prev_line.startswith("prev "):
        prev = strict_b64(prev_line[5:])
        if prev is None or len(prev) != 32:
            raise NoteError(f"bad prev line {prev_line!r}")
    else:
        raise NoteError(f"expected a prev line, found {prev_line!r}")
    if not time_line.startswith("time ") or not valid_time(time_line[5:]):
        raise NoteError(f"bad time line {time_line!r}")
    time = time_line[5:]
    if render_body(origin, int(size_text), root, shards, prev, time) != body:
        raise NoteError("body is not in canonical form (re-serializing it gives other bytes)")
    cp = Checkpoint(key, note, sha256(note), origin, int(size_text), root, {s.shard: s for s in shards}, prev, time)
    return cp, body, sig_lines


def expected_checkpoint_key(cp: Checkpoint) -> str:
    compact = cp.time.replace("-", "").replace(":", "").replace(".", "")
    return f"checkpoints/{cp.size:016d}-{compact}-{cp.note_hash.hex()[:16]}.note"


def check_checkpoint(key: str, note: bytes, public_key: PublicKey, report: Report, check_key: bool = True) -> Checkpoint | None:
    """Step 5.1 for one note: form, sums, root, signature. Returns it parsed (valid or not)."""
    try:
        cp, body, sig_lines = parse_checkpoint(key, note)
    except NoteError as exc:
        report.problem("checkpoint-malformed", str(exc), key)
        return None
    ok = True
    if cp.size != sum(s.size for s in cp.shards.values()):
        report.problem("checkpoint-size-mismatch", f"total size {cp.size} is not the sum of the shard sizes", key)
        ok = False
    if cp.root != top_level_root(list(cp.shards.values())):
        report.problem("checkpoint-root-mismatch", "root is not the Merkle root over the shard lines", key)
        ok = False
    if not _signed_by(cp, body, sig_lines, public_key, report):
        ok = False
    if check_key and key != expected_checkpoint_key(cp):
        report.problem("checkpoint-key-mismatch", f"key does not match the note (expected {expected_checkpoint_key(cp)})", key)
        ok = False
    cp.valid = ok
    return cp


def _signed_by(cp: Checkpoint, body: str, sig_lines: list[str], public_key: PublicKey, report: Report) -> bool:
    want_ids = (public_key.key_id(cp.origin), public_key.legacy_key_id(cp.origin))
    found = False
    for line in sig_lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or not parts[1]:
            report.problem("checkpoint-malformed", f"bad signature line {line!r}", cp.key)
            return False
        blob = strict_b64(parts[2])
        if blob is None or len(blob) < 5:
            report.problem("checkpoint-malformed", f"bad signature in line {line!r}", cp.key)
            return False
        if parts[1] != cp.origin or blob[:4] not in want_ids:
            continue  # a signature by some other key: signed notes allow several
        found = True
        if not public_key.verify(body.encode("utf-8"), blob[4:]):
            report.problem("checkpoint-bad-signature", "signature by the trusted key does not verify", cp.key)
            return False
    if not found:
        report.problem("checkpoint-unsigned", "no signature by the trusted key (key name = origin, key id)", cp.key)
    return found


@dataclass
class CheckpointChain:
    newest: Checkpoint | None
    chain: list[Checkpoint]  # newest first, following prev
    anchor: Checkpoint | None = None  # a bundle's oldest checkpoint, whose absent prev is expected (FORMAT.md 9)


def _is_bundle_anchor(cp: Checkpoint, valid: list[Checkpoint], anchor_before: str | None) -> bool:
    """FORMAT.md 9: only the oldest checkpoint of a bundle, dated before its period, may name an absent prev."""
    if anchor_before is None:
        return False
    oldest = min(valid, key=lambda c: (c.size, c.time))
    return cp is oldest and cp.time[:10] < anchor_before


def check_checkpoint_chain(checkpoints: list[Checkpoint], report: Report, anchor_before: str | None = None) -> CheckpointChain:
    valid = [c for c in checkpoints if c.valid]
    if not valid:
        return CheckpointChain(None, [])
    origins = sorted({c.origin for c in valid})
    if len(origins) > 1:
        report.problem("checkpoint-origin-mixed", f"checkpoints name several origins: {origins}")
    by_hash = {c.note_hash: c for c in checkpoints}
    newest = max(valid, key=lambda c: (c.size, c.time))
    chain = [newest]
    seen = {newest.note_hash}
    current = newest
    anchor: Checkpoint | None = None
    while current.prev is not None:
        older = by_hash.get(current.prev)
        if older is None and _is_bundle_anchor(current, valid, anchor_before):
            anchor = current
            break
        if older is None:
            report.problem(
                "checkpoint-missing",
                f"checkpoint {current.label()} names a previous checkpoint that is absent: one was removed",
                current.key,
            )
            break
        if not older.valid:
            report.problem("checkpoint-chain-broken", f"checkpoint {current.label()} follows an invalid checkpoint", older.key)
            break
        if older.note_hash in seen:
            report.problem("checkpoint-chain-broken", "checkpoint chain loops", older.key)
            break
        _check_succession(older, current, report)
        chain.append(older)
        seen.add(older.note_hash)
        current = older
    first_on_chain = chain[-1].prev is None or anchor is not None
    for c in valid:
        if c.note_hash in seen:
            continue
        # Beyond FORMAT.md (which says the chain MUST reach every checkpoint): two seals
        # racing, or a seal dying after its put, leave a signed note whose prev is on the
        # chain but that no later checkpoint follows. Like an orphan batch it hides nothing:
        # it is still checked against the records (5.4) and against its predecessor.
        if c.prev is not None and c.prev in seen:
            _check_succession(by_hash[c.prev], c, report)
            report.note("orphan-checkpoint", f"valid checkpoint {c.label()} branches off the chain (a seal that lost a race)", c.key)
        elif c.prev is None and first_on_chain:
            report.note("orphan-checkpoint", f"valid checkpoint {c.label()} is a second first checkpoint (a seal that lost a race)", c.key)
        else:
            # FORMAT.md 5 step 1: an off-chain note whose prev is absent is still an orphan,
            # not a problem: only the chain from the newest must be complete.
            if c.prev is not None and c.prev in by_hash and by_hash[c.prev].valid:
                _check_succession(by_hash[c.prev], c, report)
            report.note("orphan-checkpoint", f"valid checkpoint {c.label()} is not on the chain from the newest one", c.key)
    return CheckpointChain(newest, chain, anchor)


def _check_succession(older: Checkpoint, newer: Checkpoint, report: Report) -> None:
    for sid, line in older.shards.items():
        later = newer.shards.get(sid)
        if later is None or later.size < line.size:
            now = 0 if later is None else later.size
            report.problem(
                "checkpoint-shard-shrank",
                f"shard {sid} shrinks from {line.size} to {now} between checkpoints {older.label()} and {newer.label()}",
                newer.key,
                sid,
            )
    if newer.time < older.time:
        report.problem("checkpoint-time-regressed", f"checkpoint {newer.label()} is older than its predecessor", newer.key)


# ---------------------------------------------------------------------------
# Batch objects (FORMAT.md 3, 5.2)


@dataclass
class Record:
    seq: int
    hash: bytes
    header: dict[str, Any]
    data: Any  # kept for genesis records only: the rest is not needed after the line is checked


@dataclass
class BatchObject:
    key: str
    shard: str
    first_seq: int
    last_seq: int
    batch_id: str
    records: list[Record]
    valid: bool

    @property
    def first_prev(self) -> str:
        return self.records[0].header["prev"]

    @property
    def last_hash(self) -> bytes:
        return self.records[-1].hash


def check_record_line(line_bytes: bytes, key: str, index: int, report: Report) -> Record | None:
    where = f"line {index + 1}"
    try:
        line = line_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.problem("record-not-utf8", f"{where}: not UTF-8 ({exc.reason})", key)
        return None
    if text_depth(line) > MAX_RECORD_DEPTH:
        report.problem("record-too-deep", f"{where}: nested deeper than {MAX_RECORD_DEPTH} levels (FORMAT.md 2.3)", key)
        return None
    try:
        value = strict_json_loads(line)
    except StrictJsonError as exc:
        report.problem("record-invalid-json", f"{where}: {exc}", key)
        return None
    big_ints: list[int] = []
    try:
        canonical = canonicalize(value, big_ints.append)
    except CanonicalError as exc:
        report.problem("record-not-canonical", f"{where}: {exc}", key)
        return None
    if big_ints:
        report.problem("record-big-integer", f"{where}: integer {big_ints[0]} beyond 2^53 stored as a number", key)
        return None
    if canonical != line:
        report.problem("record-not-canonical", f"{where}: not in RFC 8785 canonical form", key)
        return None
    shape = _record_shape_error(value)
    if shape:
        report.problem("record-bad-shape", f"{where}: {shape}", key)
        return None
    header = value["chain"]
    data = value["data"] if header["kind"] == "genesis" else None
    return Record(header["seq"], leaf_hash(line_bytes), header, data)


def _record_shape_error(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) != {"chain", "data"}:
        return "a record has exactly the members chain and data"
    header, data = value["chain"], value["data"]
    if not isinstance(header, dict) or set(header) != HEADER_MEMBERS:
        return f"chain header members must be {sorted(HEADER_MEMBERS)}"
    if not isinstance(data, dict):
        return "data is not an object"
    if header["v"] != FORMAT_VERSION or isinstance(header["v"], bool):
        return f"unknown format version {header['v']!r}"
    if not isinstance(header["shard"], str) or not SHARD_RE.match(header["shard"]):
        return f"bad shard id {header['shard']!r}"
    seq = header["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return f"bad seq {seq!r}"
    if not isinstance(header["prev"], str) or not HEX64_RE.match(header["prev"]):
        return "prev is not 64 lowercase hex digits"
    if header["kind"] not in RECORD_KINDS:
        return f"unknown kind {header['kind']!r}"
    if not isinstance(header["id"], str) or not header["id"]:
        return "id is not a non-empty string"
    if not valid_time(header["time"]):
        return f"bad time {header['time']!r}"
    return _payload_id_error(header["kind"], header["id"], data)


def _payload_id_error(kind: str, rid: str, data: dict[str, Any]) -> str | None:
    """Checks the ids that FORMAT.md 2.4/2.5 derive from payloads (an extra, cheap check)."""
    if kind == "quarantine":
        raw = data.get("rawBase64")
        blob = strict_b64(raw) if isinstance(raw, str) else None
        if blob is None:
            return "quarantine rawBase64 is not padded base64"
        if rid != "quarantine:" + hashlib.sha256(blob).hexdigest():
            return "quarantine id is not quarantine:<SHA-256 of the raw bytes>"
    elif kind == "alert":
        alert = data.get("alert")
        if not isinstance(alert, dict) or rid != f"alert:{alert.get('id')}":
            return "alert id is not alert:<alert.id>"
    return None


def check_batch_object(key: str, content: bytes, report: Report) -> BatchObject | None:
    m = BATCH_KEY_RE.match(key)
    if not m:
        report.problem("batch-key-invalid", "key does not parse as records/shard=<shard>/dt=<date>/<first>-<last>-<batchId>.ndjson", key)
        return None
    shard, first_seq, last_seq = m["shard"], int(m["first"]), int(m["last"])
    if not SHARD_RE.match(shard):
        report.problem("batch-key-invalid", f"bad shard id {shard!r} in key", key)
        return None
    obj = BatchObject(key, shard, first_seq, last_seq, m["batch"], [], False)
    if not content.endswith(b"\n"):
        report.problem("batch-framing", "object is empty or its last record is not followed by a line feed", key)
        return obj
    problems_before = len(report.problems)
    records: list[Record] = []
    for index, line in enumerate(content[:-1].split(b"\n")):
        rec = check_record_line(line, key, index, report)
        if rec is None:
            return obj
        records.append(rec)
    obj.records = records
    expected_prev: str | None = None
    for index, rec in enumerate(records):
        h = rec.header
        if h["shard"] != shard:
            report.problem("record-wrong-shard", f"line {index + 1}: shard {h['shard']!r} differs from the key's", key, shard)
        if rec.seq != first_seq + index:
            report.problem("record-seq-mismatch", f"line {index + 1}: seq {rec.seq}, expected {first_seq + index}", key, shard)
        if expected_prev is not None and h["prev"] != expected_prev:
            report.problem("record-bad-link", f"line {index + 1}: prev is not the hash of the line before", key, shard)
        if rec.seq == 0 and h["prev"] != ZERO_HASH:
            report.problem("record-bad-link", "seq 0 has a prev other than zeros", key, shard)
        if h["time"] != records[0].header["time"]:
            report.problem("batch-time-mismatch", f"line {index + 1}: time differs within one batch", key, shard)
        expected_prev = rec.hash.hex()
    if first_seq + len(records) - 1 != last_seq:
        report.problem("batch-count-mismatch", f"{len(records)} records from {first_seq} do not end at {last_seq}", key, shard)
    if not records[-1].hash.hex().startswith(obj.batch_id):
        report.problem("batch-id-mismatch", "the last record hash does not start with the key's batchId", key, shard)
    if m["date"] != records[0].header["time"][:10]:
        report.problem("batch-date-mismatch", f"dt={m['date']} is not the date of the records' time", key, shard)
    obj.valid = len(report.problems) == problems_before
    return obj


# ---------------------------------------------------------------------------
# Shard chains (FORMAT.md 3.1, 5.3)


@dataclass
class ShardChain:
    shard: str
    records: list[Record]
    objects: list[BatchObject]
    orphans: list[BatchObject]
    unresolved_at: int | None  # seq at which several objects compete past the newest checkpoint
    trees: PrefixTrees | None = None
    start_seq: int = 0  # seq of records[0]: above 0 only when a slice is verified (a bundle's period)

    @property
    def end_seq(self) -> int:
        """The sequence after the last record on the chain."""
        return self.start_seq + len(self.records)

    def root(self, size: int) -> bytes:
        if self.trees is None:
            self.trees = PrefixTrees([r.hash for r in self.records])
        return self.trees.root(size)


def assemble_shard(shard: str, objects: list[BatchObject], signed: list[ShardLine], report: Report, partial: bool = False) -> ShardChain:
    """Walks the shard from seq 0, choosing between competing objects by the checkpoints' heads.

    `signed` holds this shard's lines from every valid checkpoint, newest (largest) first:
    FORMAT.md 3.1 decides by the newest; the older ones only serve to name the damage
    well when no candidate reaches the newest head (the archive is invalid then anyway).
    `partial`: the objects are a slice (a bundle's period): the walk starts at the first
    object and trusts its link to the records before it, which are not there.
    """
    usable = [o for o in objects if o.valid]
    starts: dict[tuple[int, str], list[BatchObject]] = {}
    for o in usable:
        starts.setdefault((o.first_seq, o.first_prev), []).append(o)
    for group in starts.values():
        group.sort(key=lambda o: o.key)
    target = signed[0] if signed else None

    reach_memo: dict[tuple[str, int], bool] = {}

    def reaches(o: BatchObject, line: ShardLine) -> bool:
        """True when some continuation through o holds line's head at seq size-1."""
        memo = (o.key, line.size)
        if memo in reach_memo:
            return reach_memo[memo]
        want_seq = line.size - 1
        if o.first_seq <= want_seq <= o.last_seq:
            result = o.records[want_seq - o.first_seq].hash == line.head
        elif o.last_seq < want_seq:
            reach_memo[memo] = False  # guards against cycles (impossible with hashes, cheap to rule out)
            result = any(reaches(n, line) for n in starts.get((o.last_seq + 1, o.last_hash.hex()), []))
        else:
            result = False
        reach_memo[memo] = result
        return result

    reach_end: dict[str, int] = {}

    def furthest_seq(o: BatchObject) -> int:
        """The last seq any continuation through o reaches."""
        if o.key not in reach_end:
            reach_end[o.key] = o.last_seq  # also guards against cycles
            nexts = starts.get((o.last_seq + 1, o.last_hash.hex()), [])
            reach_end[o.key] = max([o.last_seq] + [furthest_seq(n) for n in nexts])
        return reach_end[o.key]

    def best_damaged_choice(candidates: list[BatchObject], seq: int) -> BatchObject:
        for line in signed[1:]:
            if line.size > seq:
                fitting = [c for c in candidates if reaches(c, line)]
                if fitting:
                    return fitting[0]
        return max(candidates, key=furthest_seq)

    records: list[Record] = []
    chosen: list[BatchObject] = []
    unresolved_at: int | None = None
    seq, prev = 0, ZERO_HASH
    if partial and usable:
        seq = min(o.first_seq for o in usable)
        prev = max((o for o in usable if o.first_seq == seq), key=furthest_seq).first_prev
    start_seq = seq
    while True:
        candidates = starts.get((seq, prev), [])
        if not candidates:
            break
        if len(candidates) > 1 and target is not None and seq < target.size:
            reaching = [c for c in candidates if reaches(c, target)]
            # Several reaching candidates hold the same records up to the head; any will do.
            candidates = reaching[:1] or candidates
        if len(candidates) > 1:
            if target is None or seq >= target.size:
                unresolved_at = seq
                report.note(
                    "unresolved-fork",
                    f"{len(candidates)} objects continue the chain at seq {seq}, past the newest checkpoint: "
                    "the committed one is unknown until the next checkpoint",
                    shard=shard,
                )
                break
            # Before the checkpoint and none reaches its head: step 4 will fail; follow the
            # likeliest committed chain so that the problems name what is really missing.
            candidates = [best_damaged_choice(candidates, seq)]
        obj = candidates[0]
        chosen.append(obj)
        records.extend(obj.records)
        seq, prev = obj.last_seq + 1, obj.last_hash.hex()

    chain = ShardChain(shard, records, chosen, [], unresolved_at, start_seq=start_seq)
    if start_seq == 0:
        _check_genesis(chain, report)
    _classify_leftovers(chain, objects, starts, report)
    return chain


def _check_genesis(chain: ShardChain, report: Report) -> None:
    if not chain.records:
        report.problem("shard-no-genesis", "no object starts the shard at seq 0 with prev zeros", shard=chain.shard)
        return
    g = chain.records[0]
    if g.header["kind"] != "genesis" or g.header["id"] != f"genesis:{chain.shard}":
        report.problem("shard-no-genesis", f"record 0 is not the genesis record genesis:{chain.shard}", chain.objects[0].key, chain.shard)
    elif set(g.data) != {"origin"} or not isinstance(g.data["origin"], str):
        report.problem("shard-wrong-origin", "genesis data is not {origin: string}", chain.objects[0].key, chain.shard)


def _classify_leftovers(
    chain: ShardChain, objects: list[BatchObject], starts: dict[tuple[int, str], list[BatchObject]], report: Report
) -> None:
    chosen = {o.key for o in chain.objects}
    # Objects that continue a competitor past an unresolved fork are undecided, not orphans.
    undecided: set[str] = set()
    if chain.unresolved_at is not None:
        frontier = [o for o in objects if o.valid and o.first_seq == chain.unresolved_at and o.key not in chosen]
        frontier = [o for o in frontier if _links_to_chain(o, chain)]
        while frontier:
            o = frontier.pop()
            if o.key in undecided:
                continue
            undecided.add(o.key)
            frontier.extend(starts.get((o.last_seq + 1, o.last_hash.hex()), []))
    for o in objects:
        if o.key in chosen or o.key in undecided:
            continue
        if o.valid and _links_to_chain(o, chain):
            chain.orphans.append(o)
            report.note("orphan", f"orphan object at seq {o.first_seq}..{o.last_seq} (not counted)", o.key, chain.shard)
        elif o.valid:
            have = chain.end_seq
            # FORMAT.md 5 step 3: nothing at the next sequence while later objects exist is a gap.
            gap = o.first_seq > have
            why = f"records {have}..{o.first_seq - 1} are missing" if gap else "its prev is no committed record's hash"
            report.problem(
                "shard-gap" if gap else "shard-unlinked-object",
                f"object at seq {o.first_seq}..{o.last_seq} links to no committed record ({why}): tampering",
                o.key,
                chain.shard,
            )
        # objects that failed step 2 were already reported


def _links_to_chain(o: BatchObject, chain: ShardChain) -> bool:
    if o.first_seq == 0:
        return o.first_prev == ZERO_HASH
    before = o.first_seq - 1 - chain.start_seq
    return 0 <= before < len(chain.records) and chain.records[before].hash.hex() == o.first_prev


# ---------------------------------------------------------------------------
# Checkpoints against records (FORMAT.md 5.4, 5.5)


def check_checkpoint_against_records(cp: Checkpoint, chains: dict[str, ShardChain], report: Report, trusted: bool = False) -> None:
    """Step 4 (and 5 for the trusted checkpoint, where every failure is a rollback)."""
    for sid, line in cp.shards.items():
        chain = chains.get(sid)
        have = 0 if chain is None else len(chain.records)
        if have < line.size:
            report.problem(
                "trusted-checkpoint-rollback" if trusted else "shard-truncated",
                f"shard {sid} has {have} committed records, checkpoint {cp.label()} signed {line.size}",
                cp.key,
                sid,
            )
            continue
        assert chain is not None
        if chain.root(line.size) != line.root:
            report.problem("trusted-checkpoint-rollback" if trusted else "shard-root-mismatch", f"shard {sid}: Merkle root of the first {line.size} records differs from checkpoint {cp.label()}", cp.key, sid)
        if line.size == 0 or chain.records[line.size - 1].hash != line.head:
            report.problem("trusted-checkpoint-rollback" if trusted else "shard-head-mismatch", f"shard {sid}: record {line.size - 1} is not the head of checkpoint {cp.label()}", cp.key, sid)


def check_trusted_checkpoint(trusted: Checkpoint, newest: Checkpoint | None, chains: dict[str, ShardChain], report: Report) -> None:
    # main() refused a trusted checkpoint that does not verify (exit 2): it is bad input, not a finding.
    check_checkpoint_against_records(trusted, chains, report, trusted=True)
    if newest is None:
        report.problem("trusted-checkpoint-rollback", "the archive has no valid checkpoint but one was trusted earlier")
        return
    for sid, line in trusted.shards.items():
        later = newest.shards.get(sid)
        if later is None or later.size < line.size:
            report.problem(
                "trusted-checkpoint-rollback",
                f"shard {sid}: newest checkpoint has {0 if later is None else later.size} records, the trusted one {line.size}",
                newest.key,
                sid,
            )


# ---------------------------------------------------------------------------
# Driver


def list_archive(root: str) -> tuple[dict[str, str], int]:
    """Files under records/ and checkpoints/ by their S3 key; count of other files.

    Objects are read one at a time later, so memory holds hashes and headers, not the archive.
    """
    objects: dict[str, str] = {}
    others = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            if key.startswith("records/") or key.startswith("checkpoints/"):
                objects[key] = path
            else:
                others += 1
    return objects, others


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def parse_duration(text: str) -> int | None:
    """A positive whole number of s, m, h or d (FORMAT.md 5.6), in milliseconds; None if it is not one."""
    m = re.fullmatch(r"([1-9][0-9]{0,8})([smhd])", text)
    if not m:
        return None
    return int(m.group(1)) * {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}[m.group(2)]


def _instant_ms(text: str) -> int:
    t = _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (t - _dt.datetime(1970, 1, 1)) // _dt.timedelta(milliseconds=1)


def check_seal_gap(gap_ms: int, newest: Checkpoint | None, chains: dict[str, ShardChain], report: Report) -> None:
    """FORMAT.md 5.6: the newest checkpoint is no older than the newest committed record by more than the gap."""
    times = [c.records[-1].header["time"] for c in chains.values() if c.records and valid_time(c.records[-1].header.get("time"))]
    if not times:
        return
    latest = max(times)
    if newest is None:
        report.problem("seal-gap", f"records were committed up to {latest} and the archive holds no valid checkpoint")
        return
    gap = _instant_ms(latest) - _instant_ms(newest.time)
    if gap > gap_ms:
        report.problem("seal-gap", f"newest checkpoint {newest.label()} is {gap} ms older than the newest record ({latest}), more than {gap_ms} ms", newest.key)


@dataclass
class Period:
    """A bundle's days (FORMAT.md 9): only its batch objects are present, so each shard is a slice."""

    start: str  # YYYY-MM-DD, inclusive
    end: str


def _read_checkpoints(objects: dict[str, str], public_key: PublicKey, report: Report) -> list[Checkpoint]:
    checkpoints: list[Checkpoint] = []
    for key in sorted(k for k in objects if k.startswith("checkpoints/")):
        if not CHECKPOINT_KEY_RE.match(key):
            report.problem("checkpoint-key-invalid", "key does not parse as checkpoints/<size>-<time>-<hash16>.note", key)
        cp = check_checkpoint(key, read_bytes(objects[key]), public_key, report)
        if cp is not None:
            checkpoints.append(cp)
    return checkpoints


def _read_batches(objects: dict[str, str], period: Period | None, report: Report) -> dict[str, list[BatchObject]]:
    by_shard: dict[str, list[BatchObject]] = {}
    for key in sorted(k for k in objects if k.startswith("records/")):
        try:
            content = read_bytes(objects[key])
        except OSError as exc:
            report.problem("batch-unreadable", f"cannot be read: {exc.strerror}", key)
            continue
        obj = check_batch_object(key, content, report)
        if obj is None:
            continue
        m = BATCH_KEY_RE.match(key)
        if period is not None and m and not period.start <= m["date"] <= period.end:
            # A bundle holds its period's objects only (FORMAT.md 9); one dated outside would go unchecked.
            report.problem("batch-out-of-period", f"dated {m['date']}, outside the period {period.start} to {period.end}", key, obj.shard)
            continue
        by_shard.setdefault(obj.shard, []).append(obj)
    return by_shard


def _assemble_shards(
    by_shard: dict[str, list[BatchObject]], checkpoints: list[Checkpoint], newest: Checkpoint | None, archive_origin: str | None, partial: bool, report: Report
) -> tuple[dict[str, ShardChain], str | None]:
    """Step 3 for every shard; returns the chains and the archive origin (the first genesis's when nothing else named it)."""
    by_size = sorted((c for c in checkpoints if c.valid), key=lambda c: (c.size, c.time), reverse=True)
    chains: dict[str, ShardChain] = {}
    for sid in sorted(by_shard):
        signed = [c.shards[sid] for c in by_size if sid in c.shards]
        if newest is None or sid not in newest.shards:
            signed = []  # a shard the newest checkpoint does not name has nothing to decide by
        chain = chains[sid] = assemble_shard(sid, by_shard[sid], signed, report, partial)
        if chain.records and chain.start_seq == 0:
            g = chain.records[0]
            if archive_origin is None and g.header["kind"] == "genesis" and isinstance(g.data.get("origin"), str):
                archive_origin = g.data["origin"]
            if archive_origin is not None and g.header["kind"] == "genesis" and g.data.get("origin") != archive_origin:
                report.problem("shard-wrong-origin", f"genesis origin {g.data.get('origin')!r} is not {archive_origin!r}", chain.objects[0].key, sid)
        sealed = newest.shards[sid].size if newest and sid in newest.shards else 0
        if not partial and len(chain.records) > sealed:
            report.note("unsealed", f"shard {sid}: {len(chain.records) - sealed} records after the newest checkpoint are not sealed yet", shard=sid)
    return chains, archive_origin


def _check_duplicates(chains: dict[str, ShardChain], report: Report) -> None:
    seen_ids: dict[str, str] = {}
    for sid, chain in chains.items():
        for rec in chain.records:
            rid = rec.header["id"]
            if rid in seen_ids:
                report.problem("duplicate-id", f"id {rid!r} committed twice (also in shard {seen_ids[rid]})", shard=sid)
            else:
                seen_ids[rid] = sid


def _check_shard_notes(
    files: dict[str, str], archive_origin: str | None, public_key: PublicKey, chains: dict[str, ShardChain], checkpoints: list[Checkpoint], partial: bool, report: Report
) -> list[Any]:
    """FORMAT.md 4.1; a slice is checked for keys, text and signatures only (its records do not start at 0). Returns the valid notes."""
    import immutrail_shard_notes as sn

    notes = sn.read_shard_notes({k: read_bytes(p) for k, p in files.items()}, archive_origin, public_key, report)
    if partial:
        return notes
    committed = [(sid, line.size) for c in checkpoints if c.valid for sid, line in c.shards.items()]
    lengths = {sid: len(c.records) for sid, c in chains.items()}
    sn.check_against_records(notes, lengths, lambda sid, size: chains[sid].root(size), committed, report)
    return notes


def _check_witnesses(root: str, notes: list[Any], chains: dict[str, ShardChain], partial: bool, witness: Any, report: Report) -> None:
    """The witness check (FORMAT.md 5) on the newest valid shard checkpoint of each shard: immutrail_witness.py."""
    import immutrail_witness as wt

    newest: dict[str, Any] = {}
    for n in notes:  # sorted by key: on equal sizes the first one wins
        if n.size > (newest[n.shard].size if n.shard in newest else -1):
            newest[n.shard] = n
    views = []
    for sid, n in sorted(newest.items()):
        chain = None if partial else chains.get(sid)
        length = None if partial else (len(chain.records) if chain else 0)
        root_at = None if partial else (lambda size, c=chain: c.root(size) if c else b"")
        views.append(wt.ShardView(sid, n.origin, n.size, n.body, length, root_at))
    wt.check_witnesses(views, wt.cosigned_notes(root, witness.dirs), witness, report)


def verify_archive(
    root: str,
    public_key: PublicKey,
    origin: str | None = None,
    trusted: Checkpoint | None = None,
    max_seal_gap_ms: int | None = None,
    period: Period | None = None,
    witness: Any = None,
) -> dict[str, Any]:
    """FORMAT.md 5 over a folder; with `period`, over a bundle's slice of the archive (FORMAT.md 9)."""
    import immutrail_shard_notes as sn

    report = Report()
    objects, others = list_archive(root)
    shard_files = {k: objects.pop(k) for k in list(objects) if k.startswith(sn.PREFIX)}
    ignored = others + len([k for k in shard_files if not sn.is_shard_note_key(k)])
    shard_files = {k: p for k, p in shard_files.items() if sn.is_shard_note_key(k)}
    partial = period is not None

    checkpoints = _read_checkpoints(objects, public_key, report)
    cp_chain = check_checkpoint_chain(checkpoints, report, anchor_before=period.start if period else None)
    newest = cp_chain.newest

    # FORMAT.md 5: told, else the newest checkpoint's, else the trusted checkpoint's, else the first genesis record's.
    archive_origin = origin or (newest.origin if newest else None) or (trusted.origin if trusted else None)
    if origin is not None:
        for cp in checkpoints:
            if cp.valid and cp.origin != origin:
                report.problem("checkpoint-wrong-origin", f"origin {cp.origin!r}, expected {origin!r}", cp.key)

    by_shard = _read_batches(objects, period, report)
    chains, archive_origin = _assemble_shards(by_shard, checkpoints, newest, archive_origin, partial, report)
    if not partial:
        for cp in checkpoints:
            if cp.valid:
                check_checkpoint_against_records(cp, chains, report)
    if newest is None and not (trusted is not None or (max_seal_gap_ms is not None and any(c.records for c in chains.values()))):
        report.note("no-checkpoint", "the archive holds no valid checkpoint: truncation of the newest records cannot be detected")
    if trusted is not None:
        check_trusted_checkpoint(trusted, newest, chains, report)
    if max_seal_gap_ms is not None:
        check_seal_gap(max_seal_gap_ms, newest, chains, report)
    _check_duplicates(chains, report)
    shard_notes = _check_shard_notes(shard_files, archive_origin, public_key, chains, checkpoints, partial, report)
    if witness is not None:
        _check_witnesses(root, shard_notes, chains, partial, witness, report)

    return {
        "valid": not report.problems,
        "origin": archive_origin,
        "ecdsaBackend": public_key.backend,
        "checkpoints": {
            "found": len([k for k in objects if k.startswith("checkpoints/")]),
            "valid": len([c for c in checkpoints if c.valid]),
            "chain": len(cp_chain.chain),
            "newest": None if newest is None else {"key": newest.key, "size": newest.size, "time": newest.time},
            "anchor": None if cp_chain.anchor is None else {"key": cp_chain.anchor.key, "size": cp_chain.anchor.size, "time": cp_chain.anchor.time},
            "shardNotes": {"found": len(shard_files), "valid": len(shard_notes)},
        },
        "trustedCheckpoint": None if trusted is None else {"size": trusted.size, "time": trusted.time},
        "shards": _shards_summary(chains, newest),
        "records": sum(len(c.records) for c in chains.values()),
        "ignoredFiles": ignored,
        "problems": [p.as_dict() for p in report.problems],
        "notes": [n.as_dict() for n in report.notes],
    }


def _shards_summary(chains: dict[str, ShardChain], newest: Checkpoint | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sid in sorted(set(chains) | (set(newest.shards) if newest else set())):
        chain = chains.get(sid)
        line = newest.shards.get(sid) if newest else None
        count = len(chain.records) if chain else 0
        out[sid] = {
            "records": count,
            "firstSeq": chain.start_seq if chain else 0,
            "objects": len(chain.objects) if chain else 0,
            "orphans": [o.key for o in chain.orphans] if chain else [],
            "checkpointed": line.size if line else 0,
            "uncheckpointed": max(0, (chain.end_seq if chain else 0) - (line.size if line else 0)),
            "unresolvedAt": chain.unresolved_at if chain else None,
            "head": chain.records[-1].hash.hex() if chain and chain.records else None,
        }
    return out


def format_summary(result: dict[str, Any], root: str) -> str:
    bundle = result.get("bundle")
    out = [f"immutrail evidence bundle {root}" if bundle else f"immutrail archive {root}"]
    if bundle:
        period = bundle["period"]
        out.append("manifest: " + ("not a manifest" if period is None else f"{bundle['files']} files, period {period['from']} to {period['to']}, " + ("all match" if bundle["manifestOk"] else "MISMATCH")))
    out.append(f"origin: {result['origin'] or '(unknown: no valid checkpoint)'}")
    cps = result.get("checkpoints")
    if cps:
        newest = cps["newest"]
        newest_text = "none" if newest is None else f"newest size {newest['size']} at {newest['time']}"
        out.append(f"checkpoints: {cps['found']} found, {cps['valid']} valid, {cps['chain']} on the chain; {newest_text}")
        notes = cps["shardNotes"]
        out.append(f"shard checkpoints: {notes['found']} found, {notes['valid']} valid")
    if result.get("trustedCheckpoint"):
        t = result["trustedCheckpoint"]
        out.append(f"trusted checkpoint: size {t['size']} at {t['time']}")
    out.append(f"records: {result['records']} committed in {len(result.get('shards', {}))} shards")
    for sid, s in result.get("shards", {}).items():
        extra = []
        if s["uncheckpointed"]:
            extra.append(f"{s['uncheckpointed']} past the newest checkpoint")
        if s["orphans"]:
            extra.append(f"{len(s['orphans'])} orphan objects")
        if s["unresolvedAt"] is not None:
            extra.append(f"unresolved fork at seq {s['unresolvedAt']}")
        suffix = f" ({'; '.join(extra)})" if extra else ""
        out.append(f"  shard {sid}: {s['records']} records, checkpointed {s['checkpointed']}{suffix}")
    for n in result["notes"]:
        out.append(f"note: {Finding(n['check'], n['message'], n.get('key'))}")
    for p in result["problems"]:
        out.append(f"PROBLEM {Finding(p['check'], p['message'], p.get('key'))}")
    out.append("RESULT: " + ("VALID" if result["valid"] else f"INVALID ({len(result['problems'])} problems)"))
    return "\n".join(out)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Verify an immutrail archive copied to a local folder, or an evidence bundle (docs/FORMAT.md sections 5 and 9).")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--dir", help="folder whose relative paths are the bucket's keys")
    where.add_argument("--bundle", help="an evidence bundle (immutrail evidence): its manifest, then its records and checkpoints over its period")
    parser.add_argument("--public-key", required=True, help="PEM file of the trusted ECDSA P-256 public key")
    parser.add_argument("--origin", help="expected origin (otherwise taken from the newest valid checkpoint)")
    parser.add_argument("--trusted-checkpoint", help="a checkpoint note trusted earlier (step 5.5)")
    parser.add_argument("--max-seal-gap", help="a problem when the newest checkpoint is older than the newest record by more than this (15m, 2h; step 5.6)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--witness-key", action="append", help="a trusted witness: its C2SP .vkey file, or NAME=FILE for an Ed25519 PEM (repeatable; needs `cryptography`)")
    parser.add_argument("--witnesses", type=int, help="valid cosignatures by distinct trusted witnesses each newest shard checkpoint needs (default: every --witness-key)")
    parser.add_argument("--witness-dir", action="append", help="a copy of a witness's bucket: its cosigned notes show a rollback or a fork (repeatable)")
    parser.add_argument("--pure-ecdsa", action="store_true", help="use the built-in P-256 verifier even if `cryptography` is installed")
    return parser


def _load_trusted(path: str, public_key: PublicKey) -> Checkpoint:
    """FORMAT.md 5 step 5: a trusted checkpoint that does not parse or verify is bad input (exit 2), not a finding."""
    try:
        with open(path, "rb") as fh:
            note = fh.read()
    except OSError as exc:
        raise UsageError(f"--trusted-checkpoint: {exc}") from exc
    scratch = Report()
    # Its file name is the user's choice, so only its content counts.
    cp = check_checkpoint(path, note, public_key, scratch, check_key=False)
    if cp is None or not cp.valid:
        raise UsageError(f"trusted checkpoint: {scratch.problems[0].message if scratch.problems else 'does not verify'}")
    return cp


def _run(args: argparse.Namespace) -> dict[str, Any]:
    """Raises UsageError for anything that is not a finding about the archive (exit 2)."""
    try:
        with open(args.public_key, encoding="utf-8") as fh:
            public_key = PublicKey(fh.read(), force_pure=args.pure_ecdsa)
    except OSError as exc:
        raise UsageError(f"--public-key: {exc}") from exc
    except PublicKeyError as exc:
        raise UsageError(str(exc)) from exc
    gap_ms = None
    if args.max_seal_gap is not None:
        gap_ms = parse_duration(args.max_seal_gap)
        if gap_ms is None:
            raise UsageError(f"--max-seal-gap must be a duration such as 15m, 2h or 1d, got {args.max_seal_gap!r}")
    trusted = _load_trusted(args.trusted_checkpoint, public_key) if args.trusted_checkpoint else None
    import immutrail_witness

    witness = immutrail_witness.witness_options(args.witness_key, args.witnesses, args.witness_dir)
    if args.bundle is not None:
        if trusted is not None or gap_ms is not None:
            raise UsageError("--bundle takes no --trusted-checkpoint or --max-seal-gap: a bundle holds one period only")
        import immutrail_bundle

        return immutrail_bundle.verify_bundle(args.bundle, public_key, args.origin, witness)
    if not os.path.isdir(args.dir):
        raise UsageError(f"--dir {args.dir}: not a folder")
    objects, _others = list_archive(args.dir)
    if not objects:
        # FORMAT.md 5, "Nothing to verify": a wrong folder must not read as a pass.
        raise UsageError(f"no archive objects under {args.dir}")
    return verify_archive(args.dir, public_key, args.origin, trusted, gap_ms, witness=witness)


def main(argv: Iterable[str] | None = None) -> int:
    """Exit codes of FORMAT.md 5: 0 valid, 1 problems, 2 usage or unusable input, 3 a bug of this verifier."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # ids and messages may hold any text
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        result = _run(args)
    except UsageError as exc:
        print(f"usage error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - any other exception is a bug of this verifier
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    if args.json:
        # ASCII JSON: readable whatever encoding the caller's stdout has.
        print(json.dumps(result, indent=2))
    else:
        print(format_summary(result, args.bundle or args.dir))
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    # Run as a script, this file is __main__; immutrail_bundle and immutrail_shard_notes
    # import `immutrail_verify`. Importing it here too makes them share one copy of it.
    import immutrail_verify

    sys.exit(immutrail_verify.main())
