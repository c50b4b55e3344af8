"""Evidence bundles (docs/FORMAT.md section 9), checked offline from the document alone.

A bundle is a gzipped tar: MANIFEST.json lists every other file with its size and
SHA-256; the archive part (records/, checkpoints/) keeps the bucket's keys. The
manifest is checked first, then the archive part over the bundle's period with
immutrail_verify. Imported by immutrail_verify (--bundle).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import tarfile
import tempfile
from typing import Any

from immutrail_verify import Period, PublicKey, Report, UsageError, verify_archive

MANIFEST_NAME = "MANIFEST.json"
BUNDLE_FORMAT = "immutrail-evidence/1"
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")


def _safe_path(name: str) -> str | None:
    """The member's path relative to the bundle, or None when it would leave the folder."""
    path = posixpath.normpath(name)
    if path.startswith("/") or path == ".." or path.startswith("../") or path == ".":
        return None
    return path


def extract(bundle: str, into: str, report: Report) -> None:
    """Writes the regular files of the tar under `into`; anything else is reported, never written."""
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            for member in tar:
                path = _safe_path(member.name)
                if member.isdir():
                    continue
                if path is None or not member.isreg():
                    report.problem("file-extra", f"{member.name} is not a regular file inside the bundle (not extracted)", member.name)
                    continue
                target = os.path.join(into, *path.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                with open(target, "wb") as fh:
                    shutil.copyfileobj(source, fh)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UsageError(f"--bundle {bundle}: not a gzipped tar ({exc})") from exc


def parse_manifest(text: str) -> dict[str, Any] | str:
    """The manifest when it has section 9's shape; else why not."""
    try:
        m = json.loads(text)
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(m, dict) or m.get("format") != BUNDLE_FORMAT:
        return f"format is not {BUNDLE_FORMAT}"
    period = m.get("period")
    if not isinstance(period, dict) or not all(isinstance(period.get(k), str) and DAY_RE.match(period[k]) for k in ("from", "to")):
        return "period is not two YYYY-MM-DD days"
    files = m.get("files")

    def entry_ok(f: Any) -> bool:
        size = f.get("size") if isinstance(f, dict) else None
        return isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("sha256"), str) and bool(HEX64_RE.match(f["sha256"])) and isinstance(size, int) and not isinstance(size, bool) and size >= 0

    if not isinstance(files, list) or not all(entry_ok(f) for f in files):
        return "files is not a list of {path, sha256, size}"
    if len({f["path"] for f in files}) != len(files):
        return "files names a path twice"
    return m


def files_under(root: str) -> set[str]:
    out: set[str] = set()
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            out.add(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return out


def check_files(root: str, manifest: dict[str, Any], report: Report) -> None:
    """Every listed file is present with its size and SHA-256, and nothing else is there."""
    present = files_under(root) - {MANIFEST_NAME}
    for f in manifest["files"]:
        path = f["path"]
        if path not in present:
            report.problem("file-missing", f"{path} is listed in {MANIFEST_NAME} but missing from the bundle", path)
            continue
        present.discard(path)
        with open(os.path.join(root, *path.split("/")), "rb") as fh:
            body = fh.read()
        if len(body) != f["size"]:
            report.problem("file-size", f"{path} holds {len(body)} bytes, {MANIFEST_NAME} says {f['size']}", path)
        elif hashlib.sha256(body).hexdigest() != f["sha256"]:
            report.problem("file-digest", f"{path} does not match its SHA-256 in {MANIFEST_NAME}", path)
    for path in sorted(present):
        report.problem("file-extra", f"{path} is in the bundle but not listed in {MANIFEST_NAME}", path)


def verify_bundle(bundle: str, public_key: PublicKey, origin: str | None = None, witness: Any = None) -> dict[str, Any]:
    """Manifest first, then the archive part over the period. A file that is no bundle is a usage error."""
    if not os.path.isfile(bundle):
        raise UsageError(f"--bundle {bundle}: not a file")
    report = Report()
    root = tempfile.mkdtemp(prefix="immutrail-bundle-")
    try:
        extract(bundle, root, report)
        manifest_path = os.path.join(root, MANIFEST_NAME)
        if not os.path.isfile(manifest_path):
            raise UsageError(f"--bundle {bundle}: holds no {MANIFEST_NAME}, not an evidence bundle")
        with open(manifest_path, encoding="utf-8", errors="replace") as fh:
            manifest = parse_manifest(fh.read())
        if isinstance(manifest, str):
            report.problem("manifest-malformed", f"{MANIFEST_NAME} is not a bundle manifest: {manifest}", MANIFEST_NAME)
            return _result(bundle, None, report, None)
        check_files(root, manifest, report)
        period = Period(manifest["period"]["from"], manifest["period"]["to"])
        # With witness keys: its cosignatures/ are checked for signatures and WITNESS_MISSING only (a slice has no roots).
        archive = verify_archive(root, public_key, origin, period=period, witness=witness)
        return _result(bundle, manifest, report, archive)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _result(bundle: str, manifest: dict[str, Any] | None, files: Report, archive: dict[str, Any] | None) -> dict[str, Any]:
    """The archive part's result, with the manifest's findings first among the problems."""
    out: dict[str, Any] = dict(archive) if archive else {"origin": None, "records": 0, "problems": [], "notes": []}
    out["problems"] = [p.as_dict() for p in files.problems] + out["problems"]
    out["valid"] = not out["problems"]
    out["bundle"] = {
        "file": bundle,
        "period": None if manifest is None else manifest["period"],
        "files": None if manifest is None else len(manifest["files"]),
        "manifestOk": manifest is not None and not files.problems,
    }
    return out
