"""Witness cosignatures (docs/FORMAT.md section 5, witness check; C2SP tlog-cosignature).

A witness cosigns a shard checkpoint only when it extends the last one it
cosigned. So, given trusted witness keys:
- the newest valid shard checkpoint of each shard needs `required` valid
  cosignatures by distinct trusted witnesses (WITNESS_MISSING otherwise: a
  history re-signed with the archive key was never shown to them);
- a cosignature by a trusted key that does not verify is WITNESS_SIGNATURE;
- a cosigned size beyond what the shard holds is ROLLBACK, another root at a
  size it holds is WITNESS_FORK (both need the whole archive, not a bundle).

Cosigned notes are read from the archive's `cosignatures/` folder and from
copies of witness buckets (`--witness-dir`, every `.note` under it).
Ed25519 needs the `cryptography` package: unlike ECDSA there is no built-in fallback.
Imported by immutrail_verify.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from typing import Callable

from immutrail_verify import EM_DASH, Report, UsageError, sha256, strict_b64

COSIGNATURE_V1 = 0x04
COSIGNATURES_PREFIX = "cosignatures/"
VKEY_RE = re.compile(r"^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$")


@dataclass(frozen=True)
class Witness:
    name: str
    public_raw: bytes

    @property
    def key_id(self) -> bytes:
        # C2SP signed-note key ID: SHA-256(name || 0x0A || type || key)[:4].
        return sha256(self.name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + self.public_raw)[:4]


@dataclass
class WitnessOptions:
    witnesses: list[Witness]
    required: int
    dirs: list[str]


@dataclass
class ShardView:
    """The archive's side of the check for one shard."""

    shard: str
    origin: str
    size: int  # the newest valid shard checkpoint's size
    body: bytes  # its signed text
    length: int | None  # records the archive holds; None for a bundle (a slice)
    root_at: Callable[[int], bytes] | None


def _ed25519_public(raw: bytes):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError as exc:
        raise UsageError("--witness-key needs the Python package `cryptography` (Ed25519); there is no built-in fallback") from exc
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_vkey(text: str) -> Witness:
    """A C2SP verifier key `name+hexid+base64(0x04 || key)`, its type, length and key ID checked."""
    m = VKEY_RE.match(text.strip())
    material = strict_b64(m[3]) if m else None
    if not m or material is None:
        raise UsageError(f"not a verifier key: {text.strip()!r}")
    if len(material) != 33 or material[0] != COSIGNATURE_V1:
        raise UsageError("not an Ed25519 cosignature/v1 verifier key (type 0x04, 32 bytes)")
    w = Witness(m[1], material[1:])
    if w.key_id.hex() != m[2]:
        raise UsageError(f"verifier key {w.name} has the wrong key ID")
    _ed25519_public(w.public_raw)
    return w


def _from_pem(name: str, text: str) -> Witness:
    _ed25519_public(b"\0" * 32)  # fails early, with the clear message, without cryptography
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

    try:
        key = load_pem_public_key(text.encode("utf-8"))
    except ValueError as exc:
        raise UsageError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError("a witness PEM key must be Ed25519")
    return Witness(name, key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def load_witness(spec: str) -> Witness:
    """`--witness-key FILE` (a .vkey) or `NAME=FILE` (a PEM, whose key name is NAME)."""
    eq = spec.find("=")
    name, path = (spec[:eq], spec[eq + 1 :]) if eq > 0 and "/" not in spec[:eq] else (None, spec)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read witness key {path}: {exc.strerror}") from exc
    if "-----BEGIN" not in text:
        return parse_vkey(text)
    if not name:
        raise UsageError(f"witness key {path}: a PEM witness key needs its key name (NAME=FILE), or use its .vkey file")
    return _from_pem(name, text)


def witness_options(keys: list[str] | None, required: int | None, dirs: list[str] | None) -> WitnessOptions | None:
    if not keys:
        if required is not None or dirs:
            raise UsageError("--witnesses and --witness-dir need at least one --witness-key")
        return None
    witnesses = [load_witness(k) for k in keys]
    need = len(witnesses) if required is None else required
    if not 1 <= need <= len(witnesses):
        raise UsageError(f"--witnesses must be between 1 and the {len(witnesses)} witness key(s) given")
    for d in dirs or []:
        if not os.path.isdir(d):
            raise UsageError(f"--witness-dir {d}: not a folder")
    return WitnessOptions(witnesses, need, list(dirs or []))


def _notes_under(root: str, label: Callable[[str], str]) -> list[tuple[str, bytes]]:
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".note"):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    found.append((label(path), fh.read()))
    return sorted(found)


def cosigned_notes(archive_root: str, dirs: list[str]) -> list[tuple[str, bytes]]:
    """(where, bytes) of every cosigned note: the archive's cosignatures/ (by S3 key), then each witness bucket copy."""
    rel = lambda p: os.path.relpath(p, archive_root).replace(os.sep, "/")  # noqa: E731
    out = _notes_under(os.path.join(archive_root, COSIGNATURES_PREFIX), rel)
    for d in dirs:
        out += _notes_under(d, lambda p: p)
    return out


@dataclass
class _Note:
    origin: str
    size: int
    root: bytes
    body: bytes
    sig_lines: list[str]


def _parse_note(note: bytes) -> _Note | None:
    """A three-line shard checkpoint (4.1) with its signature lines; None for anything else (not ours to judge here)."""
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError:
        return None
    split = text.find("\n\n")
    if split < 0 or not text.endswith("\n"):
        return None
    body, sig_lines = text[: split + 1], text[split + 2 : -1].split("\n")
    lines = body[:-1].split("\n")
    if len(lines) != 3 or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        return None
    root = strict_b64(lines[2])
    if root is None or len(root) != 32:
        return None
    return _Note(lines[0], int(lines[1]), root, body.encode("utf-8"), sig_lines)


def cosignature_verdict(body: bytes, line: str, w: Witness) -> str:
    """'valid', 'invalid' (claims to be by w and fails) or 'other' (another signer: ignored, as C2SP says)."""
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != EM_DASH or parts[1] != w.name:
        return "other"
    try:
        blob = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        return "other"
    if blob[:4] != w.key_id:
        return "other"
    if len(blob) != 4 + 8 + 64:
        return "invalid"
    stamp = int.from_bytes(blob[4:12], "big")
    if stamp > 2**53 - 1:
        return "invalid"
    message = f"cosignature/v1\ntime {stamp}\n".encode("ascii") + body
    from cryptography.exceptions import InvalidSignature

    try:
        _ed25519_public(w.public_raw).verify(blob[12:], message)
        return "valid"
    except InvalidSignature:
        return "invalid"


def _collect(notes: list[tuple[str, bytes]], by_origin: dict[str, ShardView], opts: WitnessOptions, report: Report) -> list[tuple[str, str, _Note]]:
    """(witness, where, note) for each valid cosignature on a note of one of our shards, each counted once."""
    found: dict[tuple[str, bytes], tuple[str, str, _Note]] = {}
    for where, raw in notes:
        note = _parse_note(raw)
        view = by_origin.get(note.origin) if note else None
        if note is None or view is None:
            continue
        for line in note.sig_lines:
            for w in opts.witnesses:
                verdict = cosignature_verdict(note.body, line, w)
                if verdict == "invalid":
                    report.problem("witness-signature", f"{where}: the cosignature by {w.name} does not verify", where, view.shard)
                elif verdict == "valid":
                    # The same cosignature in the archive and in the witness's bucket counts once.
                    found.setdefault((w.name, note.body), (w.name, where, note))
    return list(found.values())


def _contradiction(witness: str, where: str, note: _Note, view: ShardView, report: Report) -> None:
    if view.length is None or view.root_at is None:
        return  # a bundle: sizes and roots need the whole archive
    if note.size > view.length:
        report.problem("witness-rollback", f"{witness} cosigned {note.size} records ({where}), the archive holds {view.length}: it was rolled back", where, view.shard)
    elif view.root_at(note.size) != note.root:
        report.problem("witness-fork", f"{witness} cosigned another tree at size {note.size} ({where}): the archive is not the history the witness saw", where, view.shard)


def check_witnesses(shards: list[ShardView], notes: list[tuple[str, bytes]], opts: WitnessOptions, report: Report) -> None:
    by_origin = {v.origin: v for v in shards}
    found = _collect(notes, by_origin, opts, report)
    for witness, where, note in found:
        _contradiction(witness, where, note, by_origin[note.origin], report)
    for v in shards:
        on = {witness for witness, _where, note in found if note.body == v.body}
        if len(on) < opts.required:
            report.problem(
                "witness-missing",
                f"the newest checkpoint of {v.shard} (size {v.size}) has {len(on)} valid cosignature(s) by trusted witnesses, {opts.required} required",
                shard=v.shard,
            )
