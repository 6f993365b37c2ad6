"""Feed files kept as chunks: the state a publishing worker holds, and the chunk store on disk.

A feed file is a head, a body and a foot (``feeds.heads``). Each scope's body is a sorted
sequence of lines (recipe lines for txt/csv/json/stix.json, distinct names for hosts/rpz) cut
into *chunks*: a line starts a chunk when the CRC-32 of its key is 0 modulo ``n`` (or when it
is the first line), so an insertion or removal changes only the chunk it falls in (and, when
it removes a chunk's first line, the chunk before). A chunk of more than ``8 n`` lines is cut
into *pieces* of ``8 n`` lines; pieces are what is rendered and stored, once, under the digest
of their recipe (``piece_digest``), and shared by every file and publication that uses them.

On disk (``<feed dir>/chunks/``): ``<digest>`` holds a JSON line of its parts
({format: [offset, size, crc32]}) then the rendered bytes; ``<digest>.z`` the same parts as
raw-deflate blocks ended with ``Z_SYNC_FLUSH`` (they concatenate, as pigz's do). A *list*
(``<feed dir>/lists/<digest>.json``) is one file body: its pieces in order; ``.gz.json`` beside
it adds the deflated pieces and the CRC-32 of the whole body. No ORM here.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import zlib
from collections import Counter
from pathlib import Path

from . import feeds

#: zlib level of the deflated pieces: most of what level 9 saves, at a fraction of the time.
GZIP_LEVEL = 1
#: A chunk longer than this many times the average is cut into pieces of that length.
MAX_FACTOR = 8
#: The gzip member header: deflate, no name, no time, unknown OS.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: The final empty deflate block that ends the concatenated blocks.
GZIP_END = b"\x03\x00"


# -- CRC-32 of concatenations (zlib's crc32_combine, x2nmodp and multmodp) --------------------------

_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    """a × b modulo the CRC-32 polynomial (bit-reflected)."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    table, p = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(p)
        p = _multmodp(p, p)
    return table


_X2N = _x2n_table()


def crc32_shift(length: int) -> int:
    """x^(8·length) modulo the polynomial: the operator that moves a CRC past ``length`` bytes."""
    p, k, n = 1 << 31, 3, length
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return p


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from CRC-32(A), CRC-32(B) and len(B), as zlib's crc32_combine."""
    return _multmodp(crc32_shift(length2), crc1) ^ crc2


def deflate_block(data: bytes) -> bytes:
    """Raw deflate of ``data`` ended with a sync flush: such blocks concatenate."""
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)


# -- chunked sequences ---------------------------------------------------------------------------


def _same(line: str) -> str:
    return line


def piece_digest(kind: str, text: str, salt: str) -> str:
    return hashlib.blake2b(
        f"{feeds.FORMAT_VERSION}\0{kind}\0{salt}\0{text}".encode(), digest_size=16
    ).hexdigest()


class Chunks:
    """One sorted sequence of lines cut into chunks; ``pieces[i]`` are chunk i's pieces as
    (digest, their lines joined by newlines)."""

    def __init__(self, kind: str, n: int, *, salt: str = ""):
        self.kind, self.n, self.salt = kind, n, salt
        self.key = feeds.line_key if kind == "entries" else _same
        self.firsts: list[str] = []  # each chunk's first key
        self.bodies: list[str] = []  # each chunk's lines joined by newlines
        self.counts: list[int] = []
        self.pieces: list[tuple[str, ...]] = []  # each chunk's piece digests
        self.total = 0

    def _starts(self, line: str) -> bool:
        return zlib.crc32(self.key(line).encode()) % self.n == 0

    def _cut(self, lines) -> list[list[str]]:
        """Chunks of a run of lines that begins at a chunk start."""
        out: list[list[str]] = []
        starts = self._starts
        for line in lines:
            if not out or starts(line):
                out.append([line])
            else:
                out[-1].append(line)
        return out

    def piece_texts(self, index: int) -> list[tuple[str, str]]:
        """(digest, text) of chunk ``index``'s pieces; the very first piece of an entry list
        is the lead (no comma before its first JSON object)."""
        body, limit = self.bodies[index], self.n * MAX_FACTOR
        if self.counts[index] <= limit:
            texts = [body]
        else:
            lines = body.split("\n")
            texts = ["\n".join(lines[i : i + limit]) for i in range(0, len(lines), limit)]
        out = []
        for number, text in enumerate(texts):
            kind = self.kind
            if kind == "entries" and index == 0 and number == 0:
                kind = "entries-lead"
            out.append((piece_digest(kind, text, self.salt), text))
        return out

    def _set(self, start: int, stop: int, chunks: list[list[str]]) -> list[int]:
        """Replace chunks [start, stop) with ``chunks``; returns the indices of the new ones."""
        key = self.key
        self.total += sum(len(c) for c in chunks) - sum(self.counts[start:stop])
        self.firsts[start:stop] = [key(c[0]) for c in chunks]
        self.bodies[start:stop] = ["\n".join(c) for c in chunks]
        self.counts[start:stop] = [len(c) for c in chunks]
        self.pieces[start:stop] = [()] * len(chunks)
        return list(range(start, start + len(chunks)))

    def build(self, lines: list[str]) -> None:
        """All the chunks of a sorted list of lines."""
        self.firsts, self.bodies, self.counts, self.pieces, self.total = [], [], [], [], 0
        self._set(0, 0, self._cut(lines))

    def _index(self, key: str) -> int:
        return max(0, bisect.bisect_right(self.firsts, key) - 1)

    def lookup(self, keys) -> dict[str, str]:
        """The lines of these keys that the sequence holds: {key: line}."""
        found: dict[str, str] = {}
        by_chunk: dict[int, list[str]] = {}
        for k in keys:
            if self.firsts:
                by_chunk.setdefault(self._index(k), []).append(k)
        key = self.key
        for index, wanted in by_chunk.items():
            lines = {key(line): line for line in self.bodies[index].split("\n")}
            for k in wanted:
                if k in lines:
                    found[k] = lines[k]
        return found

    def apply(self, removed: set[str], added: list[str]) -> list[int]:
        """Remove the lines of keys ``removed`` (they must be held) and add the lines
        ``added`` (keys not held); returns the indices of the chunks now new. The chunks are
        then exactly those a ``build`` of the resulting list would give."""
        if not removed and not added:
            return []
        key = self.key
        affected: set[int] = set()
        if not self.firsts:
            return self._set(0, 0, self._cut(sorted(added, key=key)))
        for k in removed:
            index = self._index(k)
            affected.add(index)
            if index and self.firsts[index] == k:
                affected.add(index - 1)  # its other lines may join the chunk before
        inserts: dict[int, list[str]] = {}
        for line in added:
            index = self._index(key(line))
            affected.add(index)
            inserts.setdefault(index, []).append(line)
        groups: list[list[int]] = []
        for index in sorted(affected):
            if groups and groups[-1][-1] == index - 1:
                groups[-1].append(index)
            else:
                groups.append([index])
        changed: list[int] = []
        for group in reversed(groups):  # from the end, so earlier indices stay valid
            lines = []
            for index in group:
                lines.extend(x for x in self.bodies[index].split("\n") if key(x) not in removed)
                lines.extend(inserts.get(index, ()))
            lines.sort(key=key)
            new = self._set(group[0], group[-1] + 1, self._cut(lines) if lines else [])
            shift = len(new) - len(group)
            changed = [i + shift for i in changed] + new
        return sorted(changed)


class Scope:
    """One scope's three sequences, and how many entries produce each DNS name beyond one."""

    def __init__(self, name: str, n: int, salt: str):
        self.name = name
        self.entries = Chunks("entries", n, salt=salt)
        self.hosts = Chunks("hosts", n)
        self.rpz = Chunks("rpz", n)
        self.extra: dict[str, dict[str, int]] = {"hosts": {}, "rpz": {}}
        self.list_sha256 = ""
        self.dirty = True

    def sequence(self, fmt: str) -> Chunks:
        return self.rpz if fmt == "rpz" else self.hosts if fmt == "hosts" else self.entries

    def build(self, lines: list[str]) -> None:
        self.entries.build(lines)
        for which, position in (("hosts", 0), ("rpz", 1)):
            counts = Counter(name for line in lines for name in feeds.line_names(line)[position])
            self.sequence(which).build(sorted(counts))
            self.extra[which] = {name: c - 1 for name, c in counts.items() if c > 1}
        self.dirty = True

    def apply(self, old_lines: list[str], new_lines: list[str]) -> dict[str, list[int]]:
        """Take ``old_lines`` out and put ``new_lines`` in; returns the new chunks'
        indices by sequence ("entries", "hosts", "rpz")."""
        if not old_lines and not new_lines:
            return {}
        fresh = {"entries": self.entries.apply({feeds.line_key(x) for x in old_lines}, new_lines)}
        for which, position in (("hosts", 0), ("rpz", 1)):
            delta: Counter = Counter()
            for line in old_lines:
                delta.subtract(feeds.line_names(line)[position])
            for line in new_lines:
                delta.update(feeds.line_names(line)[position])
            sequence, extra = self.sequence(which), self.extra[which]
            present = sequence.lookup([name for name, d in delta.items() if d])
            gone, arrived = set(), []
            for name, d in delta.items():
                if not d:
                    continue
                before = 1 + extra.get(name, 0) if name in present else 0
                after = before + d
                if before and not after:
                    gone.add(name)
                elif after and not before:
                    arrived.append(name)
                if after > 1:
                    extra[name] = after - 1
                else:
                    extra.pop(name, None)
            fresh[which] = sequence.apply(gone, arrived)
        self.dirty = True
        return fresh


class State:
    """What a publishing worker holds between publications: every scope's chunks, for the
    list at ``serial``. About 250 bytes per entry and scope (the recipe lines and names)."""

    def __init__(self, scopes, *, n: int, site_url: str, folder: Path):
        self.n, self.site_url, self.folder = n, site_url, folder
        self.scopes = {name: Scope(name, n, site_url) for name in scopes}
        self.serial = 0
        self.watermark = None  # when the list was read (re-sightings after it are looked at)
        self.lists: dict[tuple[str, str], tuple[str, int]] = {}  # (scope, format) → (list, size)
        self.txt: dict[str, bytes] = {}  # entry piece digest → its txt part (for list sha256)

    def build(self, lines: list[str]) -> None:
        """From a sorted list of recipe lines."""
        by_category: dict[str, list[str]] = {name: [] for name in self.scopes if name != "all"}
        for line in lines:
            target = by_category.get(feeds.line_category(line))
            if target is not None:
                target.append(line)
        self.scopes["all"].build(lines)
        for name, scoped in by_category.items():
            self.scopes[name].build(scoped)

    def lookup(self, indicators) -> dict[str, str]:
        return self.scopes["all"].entries.lookup(indicators)

    def apply(self, old_lines: list[str], new_lines: list[str]) -> dict[str, list[int]]:
        """Take ``old_lines`` out (lines held) and put ``new_lines`` in; returns the new
        chunks' indices: {"scope/sequence": indices}."""
        fresh = {f"all/{k}": v for k, v in self.scopes["all"].apply(old_lines, new_lines).items()}
        olds: dict[str, list[str]] = {}
        news: dict[str, list[str]] = {}
        for line in old_lines:
            olds.setdefault(feeds.line_category(line), []).append(line)
        for line in new_lines:
            news.setdefault(feeds.line_category(line), []).append(line)
        for name in set(olds) | set(news):
            if name in self.scopes and name != "all":
                changed = self.scopes[name].apply(olds.get(name, []), news.get(name, []))
                fresh.update({f"{name}/{k}": v for k, v in changed.items()})
        return fresh

    def lines(self):
        """Every recipe line of the list, in order."""
        for body in self.scopes["all"].entries.bodies:
            yield from body.split("\n")

    def nbytes(self) -> int:
        """Roughly what the state holds in memory (its strings), in bytes."""
        total = sum(len(b) for b in self.txt.values())
        for scope in self.scopes.values():
            for seq in (scope.entries, scope.hosts, scope.rpz):
                total += sum(len(b) + 49 for b in seq.bodies) + 100 * len(seq.bodies)
        return total


# -- the store on disk ---------------------------------------------------------------------------


class Store:
    """Pieces and lists under one feed folder; pieces are written once (renamed into place)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.chunks = folder / "chunks"
        self.lists = folder / "lists"
        self.meta: dict[str, dict] = {}  # piece digest → {format: [offset, size, crc32]}
        self.zmeta: dict[str, dict] = {}  # piece digest → {format: [offset, size]}
        self.gz_lists: dict[str, dict] = {}  # list digest → its deflated form (lists never change)
        self.written = 0  # bytes this process wrote (pieces and lists)

    def piece_path(self, digest: str, *, deflated: bool = False) -> Path:
        return self.chunks / digest[:2] / (f"{digest}.z" if deflated else digest)

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        self.written += len(data)

    @staticmethod
    def _read_meta(path: Path) -> dict | None:
        try:
            with open(path, "rb") as source:
                line = source.readline()
        except OSError:
            return None
        try:
            meta = json.loads(line)
        except ValueError:
            return None
        return {fmt: [o + len(line), *rest] for fmt, (o, *rest) in meta.items()}

    def has(self, digest: str) -> bool:
        if digest in self.meta:
            return True
        meta = self._read_meta(self.piece_path(digest))
        if meta is not None:
            self.meta[digest] = meta
        return meta is not None

    def put(self, digest: str, parts: dict[str, bytes]) -> dict:
        """Write a piece's parts ({format: bytes}); returns its meta."""
        offsets, at = {}, 0
        for fmt, data in parts.items():
            offsets[fmt] = [at, len(data), zlib.crc32(data)]
            at += len(data)
        line = json.dumps(offsets, separators=(",", ":")).encode() + b"\n"
        self._write(self.piece_path(digest), line + b"".join(parts.values()))
        meta = {fmt: [o + len(line), *rest] for fmt, (o, *rest) in offsets.items()}
        self.meta[digest] = meta
        return meta

    def read_part(self, digest: str, fmt: str) -> bytes:
        offset, size, _crc = self.meta[digest][fmt]
        with open(self.piece_path(digest), "rb") as source:
            source.seek(offset)
            return source.read(size)

    def deflate(self, digest: str) -> dict:
        """Write (once) the deflated parts of a piece; returns their meta."""
        meta = self.zmeta.get(digest) or self._read_meta(self.piece_path(digest, deflated=True))
        if meta is None:
            self.has(digest)
            with open(self.piece_path(digest), "rb") as source:
                data = source.read()
            parts = {
                fmt: deflate_block(data[offset : offset + size])
                for fmt, (offset, size, _crc) in self.meta[digest].items()
            }
            offsets, at = {}, 0
            for fmt, packed in parts.items():
                offsets[fmt] = [at, len(packed)]
                at += len(packed)
            line = json.dumps(offsets, separators=(",", ":")).encode() + b"\n"
            self._write(self.piece_path(digest, deflated=True), line + b"".join(parts.values()))
            meta = {fmt: [o + len(line), size] for fmt, (o, size) in offsets.items()}
        self.zmeta[digest] = meta
        return meta

    # lists

    def list_path(self, digest: str, *, gz: bool = False) -> Path:
        return self.lists / f"{digest}{'.gz' if gz else ''}.json"

    def put_list(self, fmt: str, digests: list[str]) -> tuple[str, int]:
        """Write (once) the body made of these pieces; returns (list digest, body size)."""
        digest = hashlib.blake2b(f"{fmt}\0{','.join(digests)}".encode(), digest_size=16).hexdigest()
        pieces = [[d, *self.meta[d][fmt][:2]] for d in digests]
        size = sum(p[2] for p in pieces)
        path = self.list_path(digest)
        if not path.exists():
            body = {"format": fmt, "size": size, "pieces": pieces}
            self._write(path, json.dumps(body, separators=(",", ":")).encode())
        return digest, size

    def put_gzip_list(self, digest: str) -> dict:
        """Write (once) the deflated form of a list: its pieces' blocks and the body's CRC-32."""
        if digest in self.gz_lists:
            return self.gz_lists[digest]
        path = self.list_path(digest, gz=True)
        try:
            packed = self.gz_lists[digest] = json.loads(path.read_bytes())
            return packed
        except (OSError, ValueError):
            pass
        body = json.loads(self.list_path(digest).read_bytes())
        fmt, crc, pieces = body["format"], 0, []
        for d, _offset, size in body["pieces"]:
            self.has(d)
            crc = crc32_combine(crc, self.meta[d][fmt][2], size)
            zoffset, zsize = self.deflate(d)[fmt]
            pieces.append([d, zoffset, zsize])
        packed = {"crc": crc, "size": body["size"], "zsize": sum(p[2] for p in pieces)}
        packed["pieces"] = pieces
        self._write(path, json.dumps(packed, separators=(",", ":")).encode())
        if len(self.gz_lists) > 256:
            self.gz_lists.clear()
        self.gz_lists[digest] = packed
        return packed
