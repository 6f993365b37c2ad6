"""Writing the feeds of the list as it is now, and reading them back.

``publish()`` reads the head serial and the listed entries together (writers wait on the head
row meanwhile), writes every feed of every scope, gzipped too, and the compiled matcher into a
folder of its own, then records the :class:`Publication`, which is what switches readers over.
Running it twice for one serial writes once. Old folders and changes beyond the kept history
are removed.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import pickle
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Collate
from django.utils import timezone

from . import feeds
from .matcher import Indicator, Matcher
from .models import Category, Entry, FeedChange, Publication, RegistryHead

logger = logging.getLogger(__name__)

SCOPES = ("all", *Category.values)
MATCHER_FILE = "matcher.pickle"
TITLE = "gongyue registry"


def feed_dir() -> Path:
    return Path(settings.REGISTRY_FEED_DIR)


def publication_dir(serial: int) -> Path:
    return feed_dir() / f"serial-{serial}"


def feed_names() -> list[str]:
    return [f"{scope}.{fmt}" for scope in SCOPES for fmt in feeds.FORMATS]


def scope_of(name: str) -> str:
    return name.split(".", 1)[0]


def content_type(name: str) -> str:
    return feeds.FORMATS[name.split(".", 1)[1]]


def _snapshot() -> tuple[int, list[feeds.Item]]:
    with transaction.atomic():
        head = RegistryHead.objects.select_for_update().filter(pk=1).first()
        serial = head.serial if head else 0
        rows = Entry.objects.listed().values_list(
            "pk",
            "kind",
            "value",
            "include_subdomains",
            "indicator",
            "category",
            "listed_at",
            "expires_at",
        )
        # In code-point order (the feeds' order), so that sorting them again costs one pass.
        order = Collate("indicator", "C") if connection.vendor == "postgresql" else "indicator"
        items = [feeds.Item(*row) for row in rows.order_by(order).iterator(chunk_size=20000)]
    return serial, items


def build_matcher(items) -> tuple[Matcher, dict[str, tuple]]:
    """The matcher of the listed entries, and what each line is: (entry id, category, listed)."""
    matcher, meta = Matcher(), {}
    for item in items:
        indicator = Indicator(item.kind, item.value, item.include_subdomains)
        matcher.add(indicator, item.indicator)
        meta[item.indicator] = (item.id, item.category, item.listed_at)
    return matcher, meta


def write_files(folder: Path, items, *, serial: int, published_at, compress: bool = True) -> dict:
    """Write every feed into ``folder``; returns {name: {size, count[, list_sha256]}}, plus
    {gzip_size, sha256} when ``compress`` (else :func:`compress_files` adds them later)."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "serial": serial,
        "published_at": published_at,
        "title": TITLE,
        "site_url": settings.SITE_URL,
        "zone": settings.REGISTRY_RPZ_ZONE,
        "refresh": settings.REGISTRY_RPZ_REFRESH,
        "retry": settings.REGISTRY_RPZ_RETRY,
        "expire": settings.REGISTRY_RPZ_EXPIRE,
        "ttl": settings.REGISTRY_RPZ_TTL,
    }
    files = {}
    for name, data, count, list_sha in feeds.build_all(items, SCOPES, **meta):
        _write(folder / name, data)
        files[name] = {"size": len(data), "count": count}
        if list_sha is not None:  # the text feeds: the checksum of the scope's list
            files[name]["list_sha256"] = list_sha
    if compress:
        compress_files(folder, files)
    return files


def _pack(folder: Path, name: str) -> tuple[str, int, str]:
    data = (folder / name).read_bytes()
    # Level 1: most of what level 9 saves, at a fraction of the time, on every publication.
    packed = gzip.compress(data, compresslevel=1, mtime=0)
    temporary = folder / f".{name}.gz.{os.getpid()}"
    _write(temporary, packed)
    os.replace(temporary, folder / f"{name}.gz")  # a reader sees the whole copy or none
    return name, len(packed), hashlib.sha256(data).hexdigest()


def compress_files(folder: Path, files: dict) -> dict:
    """Write the gzipped copy of each file and add its gzip size and the file's SHA-256 to
    ``files`` (two threads: zlib and hashlib let go of the interpreter lock)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        for name, gzip_size, sha256 in pool.map(lambda n: _pack(folder, n), list(files)):
            files[name].update(gzip_size=gzip_size, sha256=sha256)
    return files


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)


def publish() -> Publication:
    """Publish the list as it is now (or return the publication of this serial if there is one)."""
    started = time.monotonic()
    serial, items = _snapshot()
    existing = Publication.objects.filter(serial=serial).first()
    if existing is not None:
        return existing
    now = timezone.now()
    final = publication_dir(serial)
    staging = feed_dir() / f".staging-{serial}-{os.getpid()}-{time.monotonic_ns()}"
    # The plain files first: the publication is served as soon as its row exists; the gzipped
    # copies (and the files' checksums) follow, and until then the plain file is served.
    files = write_files(staging, items, serial=serial, published_at=now, compress=False)
    if final.exists():
        shutil.rmtree(staging, ignore_errors=True)
    else:
        os.replace(staging, final)
    history_from = max(0, serial - settings.REGISTRY_KEEP_SERIALS)
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                serial=serial,
                published_at=now,
                count=len(items),
                sha256=files["all.txt"]["list_sha256"],
                history_from=history_from,
                files=files,
                took_ms=int((time.monotonic() - started) * 1000),
            )
    except IntegrityError:
        return Publication.objects.get(serial=serial)
    publication.files = compress_files(final, files)
    Publication.objects.filter(pk=publication.pk).update(files=publication.files)
    # The link check's matcher last: workers keep the one they hold until this file exists.
    matcher, meta = build_matcher(items)
    temporary = final / f".{MATCHER_FILE}.{os.getpid()}"
    with open(temporary, "wb") as out:
        pickle.dump((serial, matcher, meta), out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, final / MATCHER_FILE)
    if history_from:
        FeedChange.objects.filter(serial__lte=history_from).delete()
    _prune(serial)
    return publication


def _prune(serial: int) -> None:
    keep = set(
        Publication.objects.order_by("-serial").values_list("serial", flat=True)[
            : max(1, settings.REGISTRY_KEEP_PUBLICATIONS)
        ]
    )
    for path in feed_dir().glob("serial-*"):
        try:
            number = int(path.name.removeprefix("serial-"))
        except ValueError:
            continue
        if number not in keep and number < serial:
            shutil.rmtree(path, ignore_errors=True)


def latest() -> Publication | None:
    return Publication.objects.order_by("-serial").first()


def file_path(publication: Publication, name: str, *, gzipped: bool = False) -> Path:
    return publication_dir(publication.serial) / (f"{name}.gz" if gzipped else name)


def load_matcher(serial: int, *, build: bool = True) -> tuple[Matcher, dict] | None:
    """The matcher written with a publication; when its file is not (yet) there, built from
    the database, or None when not ``build``."""
    path = publication_dir(serial) / MATCHER_FILE
    try:
        with open(path, "rb") as source:
            stored_serial, matcher, meta = pickle.load(source)
        if stored_serial == serial:
            return matcher, meta
    # A file of an older Matcher (its fields renamed) reads as no file.
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError, TypeError):
        pass
    if not build:
        return None
    logger.warning("registry: no matcher file for serial %s; building it here", serial)
    _serial, items = _snapshot()
    return build_matcher(items)
