"""Shard checkpoints (docs/FORMAT.md section 4.1), checked from the document alone.

Each shard is a C2SP tlog-checkpoint log of its own: a three-line note under
checkpoints/shards/<shard>/<size16>-<hash16>.note, signed by the archive's key
under the shard origin `<archive origin>/<shard>`. Imported by immutrail_verify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from immutrail_verify import DECIMAL_RE, EM_DASH, SHARD_RE, PublicKey, Report, b64, sha256, strict_b64

PREFIX = "checkpoints/shards/"
SHARD_NOTE_KEY_RE = re.compile(r"^checkpoints/shards/(?P<shard>[^/]+)/(?P<size>[0-9]{16})-(?P<hash>[0-9a-f]{16})\.note$")
# Beyond FORMAT.md: the seal puts witness requests (same stem, .add-checkpoint) beside
# the notes. The document does not mention them; they are not notes, so they are skipped.
WITNESS_REQUEST_SUFFIX = ".add-checkpoint"


@dataclass
class ShardNote:
    key: str
    shard: str
    size: int
    root: bytes
    origin: str = ""
    body: bytes = b""  # the signed text, which witnesses cosign


class ShardNoteError(ValueError):
    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check


def is_shard_note_key(key: str) -> bool:
    return key.startswith(PREFIX) and not key.endswith(WITNESS_REQUEST_SUFFIX)


def _parse_text(note: bytes) -> tuple[str, int, bytes, bytes, list[str]]:
    """(origin, size, root, body bytes, signature lines) of a note in exactly the 4.1 form."""
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShardNoteError("shard-note-malformed", f"not UTF-8: {exc.reason}") from exc
    split = text.find("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise ShardNoteError("shard-note-malformed", "no empty line before the signatures, or no final line feed")
    body, sig_lines = text[: split + 1], text[split + 2 : -1].split("\n")
    lines = body[:-1].split("\n")
    if len(lines) != 3:
        raise ShardNoteError("shard-note-malformed", f"the text has {len(lines)} lines, a shard checkpoint has exactly 3")
    origin, size_text, root_text = lines
    root = strict_b64(root_text)
    if not origin or not DECIMAL_RE.match(size_text) or root is None or len(root) != 32:
        raise ShardNoteError("shard-note-malformed", "the text is not <origin>, <size>, <base64 root>")
    if f"{origin}\n{int(size_text)}\n{b64(root)}\n" != body:
        raise ShardNoteError("shard-note-malformed", "the text is not in canonical form")
    return origin, int(size_text), root, body.encode("utf-8"), sig_lines


def _check_signature(origin: str, body: bytes, sig_lines: list[str], public_key: PublicKey) -> None:
    """A signature by the trusted key under the shard origin; C2SP key id only (no legacy id, FORMAT.md 4)."""
    want_id = public_key.key_id(origin)
    found = False
    for line in sig_lines:
        parts = line.split(" ")
        blob = strict_b64(parts[2]) if len(parts) == 3 else None
        if parts[0] != EM_DASH or blob is None or len(blob) < 5:
            raise ShardNoteError("shard-note-malformed", f"bad signature line {line!r}")
        if parts[1] != origin or blob[:4] != want_id:
            continue  # another signer (a witness's cosignature, another key): allowed
        if not public_key.verify(body, blob[4:]):
            raise ShardNoteError("shard-note-signature", "the signature by the trusted key does not verify")
        found = True
    if not found:
        raise ShardNoteError("shard-note-signature", f"no signature by the trusted key under key name {origin!r}")


def read_shard_note(key: str, note: bytes, archive_origin: str | None, public_key: PublicKey) -> ShardNote:
    """The checks of 4.1 that need no records: key, text, origin, signature. Raises ShardNoteError."""
    m = SHARD_NOTE_KEY_RE.match(key)
    if not m or not SHARD_RE.match(m["shard"]):
        raise ShardNoteError("shard-note-malformed", "key is not checkpoints/shards/<shard>/<size16>-<hash16>.note")
    shard = m["shard"]
    origin, size, root, body, sig_lines = _parse_text(note)
    want = f"{archive_origin}/{shard}" if archive_origin is not None else None
    if (want is not None and origin != want) or (want is None and not origin.endswith("/" + shard)):
        raise ShardNoteError("shard-note-malformed", f"origin {origin!r} is not {want or '<archive origin>/' + shard!r}")
    if int(m["size"]) != size or sha256(note).hex()[:16] != m["hash"]:
        raise ShardNoteError("shard-note-malformed", f"key does not name the note's size {size} and hash")
    _check_signature(origin, body, sig_lines, public_key)
    return ShardNote(key, shard, size, root, origin, body)


def read_shard_notes(files: dict[str, bytes], archive_origin: str | None, public_key: PublicKey, report: Report) -> list[ShardNote]:
    valid: list[ShardNote] = []
    for key in sorted(files):
        try:
            valid.append(read_shard_note(key, files[key], archive_origin, public_key))
        except ShardNoteError as exc:
            m = SHARD_NOTE_KEY_RE.match(key)
            report.problem(exc.check, f"shard checkpoint: {exc}", key, m["shard"] if m else None)
    return valid


def check_against_records(
    notes: list[ShardNote],
    lengths: dict[str, int],
    root_at: Callable[[str, int], bytes],
    committed: list[tuple[str, int]],
    report: Report,
) -> None:
    """The shard holds `size` records with the note's root; sizes that checkpoints commit to without a note are noted."""
    for n in notes:
        have = lengths.get(n.shard, 0)
        if have < n.size:
            report.problem("shard-note-truncated", f"shard {n.shard} has {have} records, its shard checkpoint signed {n.size}", n.key, n.shard)
        elif root_at(n.shard, n.size) != n.root:
            report.problem("shard-note-mismatch", f"shard {n.shard}: the root of the first {n.size} records differs from its shard checkpoint", n.key, n.shard)
    if not notes:
        return  # an archive sealed before shard checkpoints existed has none: not a finding
    have = {(n.shard, n.size) for n in notes}
    missing: dict[str, list[int]] = {}
    for shard, size in sorted(set(committed)):
        if (shard, size) not in have:
            missing.setdefault(shard, []).append(size)
    for shard, sizes in missing.items():
        report.note("shard-note-missing", f"shard {shard}: no shard checkpoint for size(s) {sizes[:5]} that checkpoints commit to", shard=shard)
