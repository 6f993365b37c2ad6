"""Backups of the database and the media files, and their restore (``gongyue backup DIR``,
``gongyue restore DIR``).

A backup folder holds ``database.sqlite3`` (SQLite's online backup API: a consistent copy taken
while the platform runs) or ``database.dump`` (``pg_dump --format=custom``), the media files
under ``media/``, ``backup.json`` (what was backed up, when, and the audit chain's head at that
moment) and ``SHA256SUMS``, one line per file in the format ``sha256sum -c`` reads.

A restore first checks everything and changes nothing until all of it holds: every file listed
is there with its hash, no unlisted file was added, the dump is readable (SQLite's integrity
check, ``pg_restore --list``) and is for the database engine in use. Only then does it replace
the database and the media folder; afterwards it verifies the audit chain and that every file a
row refers to is there with the hash the backup recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone

FORMAT = 1
MANIFEST = "SHA256SUMS"
METADATA = "backup.json"
MEDIA = "media"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message names the file."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def engine() -> str:
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups of a {vendor} database are not supported")
    return vendor


def postgres_tool(name: str) -> str:
    """pg_dump or pg_restore: from PATH, else the newest PostgreSQL installed (Debian's layout)."""
    if found := shutil.which(name):
        return found
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if not candidates:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return candidates[-1]


def _version_key(path: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in Path(path).parts[4].split("."))


def _postgres_env() -> tuple[dict, list[str]]:
    """Environment and arguments naming the database, with the password kept off the command line."""
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return env, args


def _run(command: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.returncode}")
    return result


def audit_head() -> dict:
    from gongyue.audit.models import AuditEntry

    last = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    return last or {"seq": 0, "hash": ""}


# -- files rows refer to ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileRef:
    model: str
    pk: object
    field: str
    name: str
    sha256: str  # the hash stored with the row, where the model keeps one; else ""


def file_references():
    """Every file a row refers to, with the hash stored beside it where the model keeps one in
    a field named ``<file field>_sha256``. (A plain ``sha256`` field is not taken for the
    file's: on a signature it is the hash of the signed text.)"""
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for file_field in model._meta.concrete_fields:
            if not isinstance(file_field, models.FileField):
                continue
            hash_field = f"{file_field.name}_sha256"
            values = ["pk", file_field.name] + ([hash_field] if hash_field in names else [])
            rows = model._default_manager.exclude(**{file_field.name: ""}).values_list(*values)
            for row in rows.iterator():
                yield FileRef(
                    model._meta.label,
                    row[0],
                    file_field.name,
                    row[1],
                    row[2] if len(row) > 2 and row[2] else "",
                )


# -- backup ------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    folder: Path
    engine: str
    files: int
    audit_seq: int
    missing: list[str] = field(default_factory=list)  # files rows name that were not there


def backup(folder: Path) -> BackupResult:
    """Write a backup into ``folder``, which must not exist yet or be empty."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a new folder")
    vendor = engine()
    folder.mkdir(parents=True, exist_ok=True)
    head = audit_head()  # taken before the copy: the copy holds at least this much of the chain
    if vendor == "sqlite":
        database = folder / SQLITE_FILE
        connection.ensure_connection()
        target = sqlite3.connect(database)
        try:
            connection.connection.backup(target)
            # The copy is in the live database's write-ahead-log mode; one file is the backup.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    else:
        database = folder / POSTGRES_FILE
        env, args = _postgres_env()
        _run(
            [
                postgres_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--file",
                str(database),
                *args,
            ],
            env,
            "pg_dump",
        )
    media_root = Path(settings.MEDIA_ROOT)
    copied = []
    if media_root.is_dir():
        for source in sorted(p for p in media_root.rglob("*") if p.is_file()):
            relative = source.relative_to(media_root)
            target = folder / MEDIA / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied.append(relative.as_posix())
    present = set(copied)
    missing = sorted({ref.name for ref in file_references() if ref.name not in present})
    metadata = {
        "format": FORMAT,
        "engine": vendor,
        "database": database.name,
        "created_at": timezone.now().isoformat(),
        "audit_head": head,
        "media_files": len(copied),
        "missing_media": missing,
    }
    (folder / METADATA).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    lines = [f"{sha256_file(folder / METADATA)}  {METADATA}"]
    lines.append(f"{sha256_file(database)}  {database.name}")
    lines += [f"{sha256_file(folder / MEDIA / name)}  {MEDIA}/{name}" for name in copied]
    (folder / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return BackupResult(folder, vendor, len(copied), head["seq"], missing)


# -- restore -----------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, str]:
    """The manifest as {relative path: sha256}, checked against the folder's files."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{manifest_path}: missing; this is not a gongyue backup")
    listed: dict[str, str] = {}
    for number, line in enumerate(manifest_path.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if (
            not sep
            or len(digest) != 64
            or not name
            or Path(name).is_absolute()
            or ".." in Path(name).parts
        ):
            raise BackupError(f"{manifest_path}, line {number}: not a 'sha256  path' line")
        listed[name] = digest
    for required in (METADATA,):
        if required not in listed:
            raise BackupError(f"{manifest_path}: does not list {required}")
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    for name in sorted(present - set(listed)):
        raise BackupError(f"{folder / name}: not in {MANIFEST}; the backup was changed")
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{path}: listed in {MANIFEST} but missing")
        if sha256_file(path) != digest:
            raise BackupError(
                f"{path}: its SHA-256 does not match {MANIFEST}; the file was changed"
            )
    return listed


def check(folder: Path) -> dict:
    """Everything a restore needs to hold, checked without changing anything; the metadata."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder}: no such folder")
    listed = read_manifest(folder)
    metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
    if metadata.get("format") != FORMAT:
        raise BackupError(
            f"{folder / METADATA}: backup format {metadata.get('format')!r} is unknown"
        )
    vendor = engine()
    if metadata.get("engine") != vendor:
        raise BackupError(
            f"{folder / METADATA}: a backup of a {metadata.get('engine')} database cannot be"
            f" restored into {vendor}"
        )
    database = folder / metadata["database"]
    if metadata["database"] not in listed:
        raise BackupError(f"{database}: not in {MANIFEST}")
    if vendor == "sqlite":
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{database}: not a readable SQLite database ({error})") from error
        if result != "ok":
            raise BackupError(f"{database}: SQLite integrity check failed ({result})")
    else:
        _run(
            [postgres_tool("pg_restore"), "--list", str(database)],
            dict(os.environ),
            f"{database}: pg_restore --list",
        )
    return metadata


@dataclass
class RestoreResult:
    engine: str
    files: int
    audit_entries: int
    audit_head: str


def restore(folder: Path) -> RestoreResult:
    """Replace the database and the media files with the backup in ``folder``; see the module."""
    folder = Path(folder)
    metadata = check(folder)
    media_source = folder / MEDIA
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # The media files are staged beside their final place first, so that the swap is a rename.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        staged = staging / "media"
        if media_source.is_dir():
            shutil.copytree(media_source, staged)
        else:
            staged.mkdir()
        _restore_database(folder / metadata["database"], metadata["engine"])
        old = staging / "previous"
        if media_root.exists():
            media_root.rename(old)
        staged.rename(media_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return verify_restored(folder)


def _restore_database(database: Path, vendor: str) -> None:
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)  # one step: the target changes all at once
        finally:
            source.close()
        connection.close()
    else:
        connection.close()
        env, args = _postgres_env()
        _run(
            [
                postgres_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(database),
            ],
            env,
            "pg_restore",
        )


def verify_restored(folder: Path) -> RestoreResult:
    """After a restore: the audit chain holds, and every file a row refers to is in the media
    folder with the hash the backup recorded (and the row's own hash, where it keeps one)."""
    from gongyue.audit.log import verify

    listed = read_manifest(folder)
    verification = verify()
    if not verification.ok:
        raise BackupError(
            f"the restored audit chain is broken at entry #{verification.broken_seq}:"
            f" {verification.reason}"
        )
    media_root = Path(settings.MEDIA_ROOT)
    files = 0
    for ref in file_references():
        path = media_root / ref.name
        where = f"{ref.model} #{ref.pk} {ref.field}"
        if not path.is_file():
            raise BackupError(f"{path}: missing ({where} refers to it)")
        digest = sha256_file(path)
        expected = listed.get(f"{MEDIA}/{ref.name}")
        if expected and digest != expected:
            raise BackupError(f"{path}: its SHA-256 does not match {MANIFEST}")
        if ref.sha256 and digest != ref.sha256:
            raise BackupError(f"{path}: its SHA-256 does not match the one stored with {where}")
        files += 1
    return RestoreResult(engine(), files, verification.checked, verification.head_hash)
