"""Feed files kept as chunks: the state a publishing worker holds, and the chunk store on disk.

A feed file is a head, a body and a foot (``feeds.heads``). Each scope's body is a sorted
sequence of lines (recipe lines for txt/csv/json/stix.json, distinct names for hosts/rpz) cut
into *chunks*: a line starts a chunk when the CRC-32 of its key is 0 modulo ``n`` (or when it
is the first line), so an insertion or removal changes only the chunk it falls in (and, when
it removes a chunk's first line, the chunk before). A chunk of more than ``8 n`` lines is cut
into *pieces* of ``8 n`` lines; pieces are what is rendered and stored, once, under the digest
of their recipe (``piece_digest``), and shared by every file and publication that uses them.

On disk (``<feed dir>/chunks/``): ``<digest>`` holds a JSON line of its parts
({format: [offset, size]}) then the rendered bytes; ``<digest>.z`` the same parts as
raw-deflate blocks ended with ``Z_SYNC_FLUSH`` (they concatenate, as pigz's do). A *list*
(``<feed dir>/lists/<digest>.json``) is one scope's body: its pieces' digests in order (the four
entry formats share one). No ORM here.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import operator
import os
import secrets
import threading
import zlib
from collections import Counter
from pathlib import Path

from . import feeds

#: zlib level of the deflated pieces: most of what level 9 saves, at a fraction of the time.
GZIP_LEVEL = 1
#: A chunk longer than this many times the average is cut into pieces of that length.
MAX_FACTOR = 8
#: Chunks of DNS names are this many times longer than chunks of entries (cheap to render).
NAMES_FACTOR = 2
#: The gzip member header: deflate, no name, no time, unknown OS.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
#: The final empty deflate block that ends the concatenated blocks.
GZIP_END = b"\x03\x00"
#: Pieces folded together for the CRC-32 of a body, on average (see ``Store.body``).
SEGMENT = 32
#: Entry pieces hashed in one call for the list checksum, their txt parts kept joined and the
#: SHA-256 state kept after each such block (see ``State.list_sha256``).
SHA_BLOCK = 1024


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


def _copy(text: str) -> str:
    """A new string equal to ``text`` (slicing or ``str()`` would give the same object)."""
    return f"{text}\n"[:-1]


def piece_digest(kind: str, text: str, salt: str) -> str:
    return hashlib.blake2b(
        f"{feeds.FORMAT_VERSION}\0{kind}\0{salt}\0{text}".encode(), digest_size=16
    ).hexdigest()


class Chunks:
    """One sorted sequence of lines cut into chunks; ``pieces[i]`` are chunk i's pieces as
    (digest, their lines joined by newlines)."""

    def __init__(self, kind: str, n: int, *, salt: str = ""):
        self.kind, self.n, self.salt = kind, n, salt
        self.key = feeds.line_key if kind.startswith("entries") else _same
        self.firsts: list[str] = []  # each chunk's first key
        self.bodies: list[str] = []  # each chunk's lines joined by newlines
        self.counts: list[int] = []
        self.pieces: list[tuple[str, ...]] = []  # each chunk's piece digests
        self.sizes: list[tuple[int, ...] | None] = []  # each chunk's bytes in each format
        # the sums of the sizes known, per format (None while none is known)
        self.sized: tuple[int, ...] | None = None
        self.total = 0
        # the first piece as any other piece is rendered (a JSON comma before it): what the
        # "all" scope's CSV, JSON and STIX bodies take of a category not first among them
        self.twin: str | None = None

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
        for index in range(start, stop):
            self.unsize(index)
        self.sizes[start:stop] = [None] * len(chunks)
        return list(range(start, start + len(chunks)))

    def build(self, lines: list[str], starts: list[bool] | None = None) -> None:
        """All the chunks of a sorted list of lines (``starts``: which are boundaries)."""
        self.firsts, self.bodies, self.counts, self.pieces, self.total = [], [], [], [], 0
        self.sizes, self.sized = [], None
        if starts is None:
            n, key = self.n, self.key
            starts = [zlib.crc32(key(line).encode()) % n == 0 for line in lines]
        cuts = list(itertools.compress(range(1, len(starts)), starts[1:]))
        bounds = zip([0, *cuts], [*cuts, len(lines)], strict=True)
        self._set(0, 0, [lines[a:b] for a, b in bounds] if lines else [])

    def digests(self) -> list[str]:
        """Every piece's digest, in order (a body's list)."""
        return list(itertools.chain.from_iterable(self.pieces))

    def unsize(self, index: int) -> None:
        """Forget chunk ``index``'s sizes (its pieces change)."""
        old = self.sizes[index]
        if old is not None:
            self.sized = tuple(map(operator.sub, self.sized, old))
            self.sizes[index] = None

    def size(self, sizes_of) -> tuple[int, ...]:
        """The sequence's bytes in each format: ``sizes_of(pieces)`` gives a chunk's, asked
        only for the chunks whose sizes are not known."""
        sizes, index = self.sizes, -1
        while True:
            try:
                index = sizes.index(None, index + 1)  # a scan in C: few are unknown
            except ValueError:
                return self.sized
            known = sizes[index] = sizes_of(self.pieces[index])
            self.sized = (
                known if self.sized is None else tuple(map(operator.add, self.sized, known))
            )

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
        starts = self._starts
        for group in reversed(groups):  # from the end, so earlier indices stay valid
            # Which lines begin a chunk is known for the lines held (each chunk's first, but
            # the list's first may be no boundary); only the added ones are worked out.
            held: list[str] = []
            boundaries: set[str] = set()  # the lines that begin a chunk
            for index in group:
                body = self.bodies[index].split("\n")
                if index > 0 or starts(body[0]):
                    boundaries.add(body[0])
                held += body
            if removed:
                if key is _same:
                    held = [x for x in held if x not in removed]
                else:
                    held = [x for x in held if key(x) not in removed]
            for index in group:
                for line in inserts.get(index, ()):
                    bisect.insort(held, line, key=key)
                    if starts(line):
                        boundaries.add(line)
            cut: list[list[str]] = []
            for line in held:
                if not cut or line in boundaries:
                    cut.append([line])
                else:
                    cut[-1].append(line)
            new = self._set(group[0], group[-1] + 1, cut)
            shift = len(new) - len(group)
            changed = [i + shift for i in changed] + new
        return sorted(changed)


class Scope:
    """One scope's three sequences, and how many entries produce each DNS name beyond one.

    The entries of "all" are rendered as text only (kind ``entries-txt``): its CSV, JSON and
    STIX bodies are its categories' bodies one after another (``State.rows``)."""

    def __init__(self, name: str, n: int, salt: str, *, kind: str = "entries"):
        self.name = name
        self.entries = Chunks(kind, n, salt=salt)
        # Names are cheap to render: longer chunks, fewer files.
        self.hosts = Chunks("hosts", n * NAMES_FACTOR)
        self.rpz = Chunks("rpz", n * NAMES_FACTOR)
        self.extra: dict[str, dict[str, int]] = {"hosts": {}, "rpz": {}}
        self.list_sha256 = ""
        self.dirty = True

    def sequence(self, fmt: str) -> Chunks:
        return self.rpz if fmt == "rpz" else self.hosts if fmt == "hosts" else self.entries

    def build(self, lines, starts, hosts: Counter, rpz: Counter, boundaries: set) -> None:
        """From its sorted recipe lines (``starts``: which begin a chunk), the counts of its
        DNS names and the names that begin a chunk (a few: a small set is looked up fast)."""
        self.entries.build(lines, starts)
        for which, counts in (("hosts", hosts), ("rpz", rpz)):
            names = sorted(counts)
            self.sequence(which).build(names, [name in boundaries for name in names])
            # the names more than one entry gives (few), picked out in C
            shared = itertools.compress(counts, map((1).__lt__, counts.values()))
            self.extra[which] = {name: counts[name] - 1 for name in shared}
        self.dirty = True

    def build_from(self, lines: list[str]) -> None:
        """From its sorted recipe lines: each line's boundary and DNS names."""
        n, names_n, crc32 = self.entries.n, self.hosts.n, zlib.crc32
        starts: list[bool] = []
        hosts: list[str] = []
        rpz: list[str] = []
        for line in lines:
            indicator, _pk, kind, value, sub, _rest = line.split("\t", 5)
            starts.append(crc32(indicator.encode()) % n == 0)
            if kind == "domain":
                hosts.append(value)
                rpz.append(value)
                if sub:
                    rpz.append(f"*.{value}")
            elif kind not in ("sha256", "sha1", "md5"):
                line_hosts, line_rpz = feeds.line_names(line)
                hosts.extend(line_hosts)
                rpz.extend(line_rpz)
        host_counts, rpz_counts = Counter(hosts), Counter(rpz)
        boundaries = {
            name
            for names in (host_counts, rpz_counts)
            for name in names
            if crc32(name.encode()) % names_n == 0
        }
        self.build(lines, starts, host_counts, rpz_counts, boundaries)

    def build_entries(self, lines: list[str]) -> None:
        """Its entry chunks alone, from its sorted recipe lines (its DNS names then come from
        the scopes that make it up: ``build_names``)."""
        self.entries.build(lines)  # its boundaries by the lines' keys
        self.dirty = True

    def build_names(self, parts: list[Scope]) -> None:
        """Its DNS names from ``parts``, built scopes whose lines together are its lines ("all"
        from its categories): their names merged, without reading a recipe line again. A name
        is a chunk's first by its CRC-32 alone, so the parts' chunks' firsts are the merged
        list's boundaries (and a part's very first name may be one)."""
        for which in ("hosts", "rpz"):
            sequence = self.sequence(which)
            names: list[str] = []
            extra: Counter = Counter()
            boundaries: set[str] = set()
            for part in parts:
                other = part.sequence(which)
                if other.n != sequence.n:
                    raise ValueError("the parts are cut into chunks of another size")
                for body in other.bodies:
                    names += body.split("\n")
                extra.update(part.extra[which])
                boundaries.update(other.firsts[1:])
                if other.firsts and zlib.crc32(other.firsts[0].encode()) % sequence.n == 0:
                    boundaries.add(other.firsts[0])
            names.sort()  # the parts' sorted runs merged
            unique = list(dict.fromkeys(names))
            if len(unique) < len(names):  # a name of several parts: once, and counted
                extra.update(itertools.compress(names[1:], map(operator.eq, names, names[1:])))
            sequence.build(unique, [name in boundaries for name in unique])
            del names, unique
            # What stays of the million names just freed (each chunk's first, the names of
            # several entries), copied into the holes they left: the originals would keep
            # their arenas of the allocator, about 100 MB at 1,000,000 entries.
            sequence.firsts = [_copy(name) for name in sequence.firsts]
            self.extra[which] = {_copy(name): count for name, count in extra.items()}
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


def by_category(lines) -> dict[str, list[str]]:
    """Recipe lines by category, each in the order given."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        category = line.split("\t", 6)[5]
        group = groups.get(category)
        if group is None:
            group = groups[category] = []
        group.append(line)
    return groups


class State:
    """What a publishing worker holds between publications: every scope's chunks, for the
    list at ``serial``. About 250 bytes per entry and scope (the recipe lines and names)."""

    def __init__(self, scopes, *, n: int, site_url: str, folder: Path):
        self.n, self.site_url, self.folder = n, site_url, folder
        self.scopes = {
            name: Scope(name, n, site_url, kind="entries-txt" if name == "all" else "entries")
            for name in scopes
        }
        self.serial = 0
        self.watermark = None  # when the list was read (re-sightings after it are looked at)
        self.lists: dict[tuple[str, str], tuple[str, int]] = {}  # (scope, format) → (list, size)
        self.txt: dict[str, bytes] = {}  # entry piece digest → its txt part (for list sha256)
        # scope → (its entry pieces, the SHA-256 state after each SHA_BLOCK of them, each
        # block's pieces and their txt parts joined): a change re-hashes from the last state
        # before the first piece that changed, joining again only the blocks it changed
        self.sha_prefix: dict[str, tuple[list[str], list, list[tuple[tuple, bytes]]]] = {}

    def lookup(self, indicators) -> dict[str, str]:
        return self.scopes["all"].entries.lookup(indicators)

    def rows(self) -> list[str]:
        """The pieces of the "all" scope's CSV, JSON and STIX bodies: each category's entry
        pieces in turn, the first piece of each but the first category as its twin (with the
        comma a JSON object after others takes)."""
        out: list[str] = []
        for name, scope in self.scopes.items():
            if name == "all" or not scope.entries.pieces:
                continue
            digests = scope.entries.digests()
            if out:
                digests[0] = scope.entries.twin
            out += digests
        return out

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

    def list_sha256(self, scope: Scope, digests: list[str]) -> str:
        """SHA-256 of the scope's txt body (its indicators, one a line): the list checksum.

        It runs on a thread beside the rendering (hashlib lets go of the interpreter lock while
        it hashes), so it asks for the lock as seldom as it can: one call hashes a block of
        SHA_BLOCK pieces (about 3.6 MB at 1,000,000 entries) already joined, and taking the
        lock back may wait for the switch interval (5 ms) each time. A change joins again only
        the blocks whose pieces it changed (all those after it when it changed how many pieces
        there are, about one change in sixty) and hashes from the state after the last block
        before it. ``digests``: the scope's entry pieces (``scope.entries.digests()``).
        """
        old, states, blocks = self.sha_prefix.get(scope.name, ([], [hashlib.sha256()], []))
        # The first piece that differs, by halving (list comparisons run in C).
        low, high = 0, min(len(old), len(digests))
        while low < high:
            middle = (low + high + 1) // 2
            if old[:middle] == digests[:middle]:
                low = middle
            else:
                high = middle - 1
        kept = min(low // SHA_BLOCK, len(states) - 1)
        states, fresh = states[: kept + 1], blocks[:kept]
        digest = states[kept].copy()
        txt = self.txt
        for number in range(kept, -(-len(digests) // SHA_BLOCK)):
            pieces = tuple(digests[number * SHA_BLOCK : (number + 1) * SHA_BLOCK])
            if number < len(blocks) and blocks[number][0] == pieces:
                data = blocks[number][1]
            else:
                data = b"".join([txt[d] for d in pieces])
            fresh.append((pieces, data))
            digest.update(data)
            if len(pieces) == SHA_BLOCK:
                states.append(digest.copy())
        self.sha_prefix[scope.name] = (digests, states, fresh)
        return digest.hexdigest()

    def lines(self):
        """Every recipe line of the list, in order."""
        for body in self.scopes["all"].entries.bodies:
            yield from body.split("\n")

    def nbytes(self) -> int:
        """Roughly what the state holds in memory (its strings), in bytes."""
        total = sum(len(b) for b in self.txt.values())
        total += sum(
            len(data) for _d, _s, blocks in self.sha_prefix.values() for _p, data in blocks
        )
        for scope in self.scopes.values():
            for seq in (scope.entries, scope.hosts, scope.rpz):
                total += sum(len(b) + 49 for b in seq.bodies) + 100 * len(seq.bodies)
        return total


# -- the store on disk ---------------------------------------------------------------------------


def _write_all(fd: int, buffers: list[bytes]) -> int:
    """Write the buffers to ``fd`` one after another (``writev``: the kernel takes them where
    they are); returns the bytes written."""
    total = sum(map(len, buffers))
    left = total
    while left:
        done = os.writev(fd, buffers)
        left -= done
        if left:  # a short write (a signal, a full disk's last blocks): the rest again
            joined = memoryview(b"".join(buffers))[total - left :]
            buffers = [joined]
    return total


class Store:
    """Pieces and lists under one feed folder; pieces are written once, each in its own file
    (renamed into place) or, when a publication renders many, one after another in a *pack*
    (``<feed dir>/packs/<name>``) of the process that rendered them: creating a file costs the
    kernel far more than appending to one. A pack's index (``<name>.idx``, {digest: offset})
    is written when it is sealed, before any list names its pieces; lists name pieces by
    digest, and a reader finds a piece through the packs' indexes or in its own file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.chunks = folder / "chunks"
        self.lists = folder / "lists"
        self.packs = folder / "packs"
        self.where: dict[str, tuple[str, int]] = {}  # packed piece digest → (pack, offset)
        # what the packs' indexes say (read when first needed, again when one is missing)
        self._index: dict[str, tuple[str, int]] = {}
        self._indexed: set[str] | None = None  # the packs whose index is read
        self._reading = threading.Lock()
        self._pack: tuple[int, str, int] | None = None  # (pid, name, fd) being written
        self._pack_size = 0
        self._pack_pieces: dict[str, int] = {}  # digest → offset in the pack being written
        self.meta: dict[str, dict] = {}  # piece digest → {format: [offset, size]}
        # piece digest → {format: [offset, deflated size, CRC-32 of the plain part]}: the
        # CRC-32 only the gzipped form needs is worked out as the part is deflated
        self.zmeta: dict[str, dict] = {}
        # (format, run of piece digests) → (size, CRC-32, deflated size); see ``body``
        self.runs: dict[tuple, tuple[int, int, int]] = {}
        # (list, format) → (size, CRC-32, deflated size) of a whole body
        self.bodies: dict[tuple[str, str], tuple[int, int, int]] = {}
        self.written = 0  # bytes this process wrote (pieces and lists)

    def forget(self, pieces: set[str] | None = None, lists: set[str] | None = None) -> None:
        """Forget what is known of these pieces and lists (all when None): they were removed."""
        if pieces is None:
            self.meta, self.zmeta, self.runs, self.bodies = {}, {}, {}, {}
            self.where, self._index, self._indexed = {}, {}, None
            return
        for d in pieces:  # a piece's digest, or "digest.z" for its deflated parts alone
            if not d.endswith(".z"):
                self.meta.pop(d, None)
                self.where.pop(d, None)
            self.zmeta.pop(d.removesuffix(".z"), None)
            self.where.pop(f"{d.removesuffix('.z')}.z", None)
        if pieces:
            self.runs = {k: v for k, v in self.runs.items() if not pieces.intersection(k[1])}
        if lists:
            self.bodies = {k: v for k, v in self.bodies.items() if k[0] not in lists}

    def forget_packs(self, packs: set[str]) -> None:
        """Forget the pieces of these packs: they were removed."""
        if packs:
            self.forget({d for d, (pack, _o) in self.where.items() if pack in packs})
            self._index = {d: place for d, place in self._index.items() if place[0] not in packs}
            if self._indexed is not None:
                self._indexed -= packs

    def piece_path(self, digest: str, *, deflated: bool = False) -> Path:
        return self.chunks / digest[:2] / (f"{digest}.z" if deflated else digest)

    def path_of(self, digest: str) -> Path:
        """The file a piece's plain parts are in (its own, or its pack), as this process knows."""
        place = self.where.get(digest)
        return self.packs / place[0] if place else self.piece_path(digest)

    def record(self, digest: str, meta: dict, place: tuple[str, int] | None) -> None:
        """Know a piece another process wrote: its meta, and its pack's place or None (a
        file of its own; the same piece may have been packed by another)."""
        self.meta[digest] = meta
        if place is not None:
            self.record_place(digest, place)
        else:
            self.where.pop(digest, None)

    def record_place(self, digest: str, place: tuple[str, int]) -> None:
        """Know that a piece is packed there (another process packed it)."""
        self.where[digest] = place

    def locate(self, digest: str, *, fresh: bool = False) -> tuple[Path, int]:
        """The file and offset of a piece's plain parts: in a pack (as this process knows, or
        as the packs' indexes say; ``fresh``: read the indexes again, after a file named was
        not there), else in its own file."""
        pack, offset = self.place(digest, fresh=fresh)
        return (self.piece_path(digest), 0) if pack is None else (self.packs / pack, offset)

    def place(self, digest: str, *, fresh: bool = False) -> tuple[str | None, int]:
        """``locate`` as (pack name, offset), or (None, 0) for a piece in its own file."""
        return self.where.get(digest) or self.index(fresh=fresh).get(digest) or (None, 0)

    def index(self, *, fresh: bool = False) -> dict[str, tuple[str, int]]:
        """What the packs' indexes say: {digest: (pack, offset)}. Read once; ``fresh``: read
        those of packs written since, and forget those of packs gone."""
        if self._indexed is None or fresh:
            with self._reading:  # readers on threads (a follow-up hashes files on two)
                self._read_indexes()
        return self._index

    def _read_indexes(self) -> None:
        names = {p.name[:-4] for p in self.packs.glob("*.idx")} if self.packs.exists() else set()
        known = self._indexed or set()
        gone = known - names
        if gone:
            self._index = {d: place for d, place in self._index.items() if place[0] not in gone}
        for name in names - known:
            try:
                offsets = json.loads((self.packs / f"{name}.idx").read_bytes())
            except (OSError, ValueError):
                names.discard(name)
                continue
            self._index.update((d, (name, offset)) for d, offset in offsets.items())
        self._indexed = names

    def _append(self, digest: str, buffers: list[bytes]) -> tuple[str, int]:
        """Append a piece (its buffers, written as one) to this process's pack; returns
        (pack, offset)."""
        if self._pack is None or self._pack[0] != os.getpid():  # none yet, or a parent's
            self.packs.mkdir(parents=True, exist_ok=True)
            name = f"{os.getpid()}-{secrets.token_hex(8)}"
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
            fd = os.open(self.packs / name, flags, 0o644)
            self._pack, self._pack_size, self._pack_pieces = (os.getpid(), name, fd), 0, {}
        _pid, name, fd = self._pack
        offset, size = self._pack_size, _write_all(fd, buffers)
        self._pack_size += size
        self._pack_pieces[digest] = offset
        self.written += size
        return name, offset

    def seal(self) -> None:
        """Close this process's pack and write its index: the next pieces go to a new one."""
        if self._pack is not None and self._pack[0] == os.getpid():
            _pid, name, fd = self._pack
            os.close(fd)
            self._write(self.packs / f"{name}.idx", [json.dumps(self._pack_pieces).encode()])
        self._pack, self._pack_pieces = None, {}

    def pieces_on_disk(self) -> set[str]:
        """The digests of the pieces whose plain parts are on disk (for checks and tests)."""
        loose = {p.name for p in self.chunks.glob("*/*") if "." not in p.name}
        packed = {**self.index(fresh=True), **self.where}
        return loose | {d for d, (pack, _o) in packed.items() if (self.packs / pack).exists()}

    def _write(self, path: Path, buffers: list[bytes]) -> None:
        """Write a file (its buffers, in order) in one go: written aside, renamed into place."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            self.written += _write_all(fd, buffers)
        finally:
            os.close(fd)
        os.replace(temporary, path)

    @staticmethod
    def _read_meta(path: Path, base: int = 0) -> dict | None:
        try:
            with open(path, "rb") as source:
                source.seek(base)
                line = source.readline()
        except OSError:
            return None
        try:
            meta = json.loads(line)
        except ValueError:
            return None
        if not isinstance(meta, dict):
            return None
        start = base + len(line)
        return {fmt: [o + start, *rest] for fmt, (o, *rest) in meta.items()}

    def has(self, digest: str) -> bool:
        """Whether the piece is on disk (another process may have pruned one this process
        wrote: the file is looked at, not only what is known of it)."""
        if digest in self.meta:
            # its deflated parts too, when known: a pack outlives the deflated parts of the
            # pieces in it that no kept list uses (they are pruned)
            if self.path_of(digest).exists() and (
                digest not in self.zmeta or self.path_of(f"{digest}.z").exists()
            ):
                return True
            self.forget()  # what was worked out from pieces may name pieces no longer there
        meta = self._read_meta(self.piece_path(digest))
        if meta is None and (place := self.index().get(digest)):
            meta = self._read_meta(self.packs / place[0], place[1])
            if meta is not None:
                self.record_place(digest, place)
        if meta is not None:
            self.meta[digest] = meta
        return meta is not None

    def info(self, digest: str) -> dict:
        """The parts of a piece on disk: {format: [offset, size]}."""
        if digest not in self.meta and not self.has(digest):
            raise FileNotFoundError(self.piece_path(digest))
        return self.meta[digest]

    def _keep(self, key: str, parts: dict[str, bytes], extra=None, *, packed: bool) -> dict:
        """Write parts ({format: bytes}) under ``key`` (a piece's digest, or "<digest>.z" for
        its deflated form): a JSON line {format: [offset, size, *extra[format]]} then the
        bytes, in a file of its own or appended to this process's pack; returns that meta with
        the offsets in the file."""
        offsets, at = {}, 0
        for fmt, data in parts.items():
            offsets[fmt] = [at, len(data), *(extra[fmt] if extra else ())]
            at += len(data)
        line = json.dumps(offsets, separators=(",", ":")).encode() + b"\n"
        buffers, base = [line, *parts.values()], 0  # written as they are: no copy joins them
        if packed:
            _pack, base = place = self._append(key, buffers)
            self.record_place(key, place)
        else:
            self._write(self.piece_path(key), buffers)
            self.where.pop(key, None)  # packed before, in a pack since removed
        return {fmt: [o + base + len(line), *rest] for fmt, (o, *rest) in offsets.items()}

    def put(self, digest: str, parts: dict[str, bytes], *, packed: bool = False) -> dict:
        """Write a piece's parts ({format: bytes}), in its own file or appended to this
        process's pack; returns its meta."""
        meta = self.meta[digest] = self._keep(digest, parts, packed=packed)
        return meta

    def read_part(self, digest: str, fmt: str) -> bytes:
        offset, size = self.info(digest)[fmt]
        with open(self.path_of(digest), "rb") as source:
            source.seek(offset)
            return source.read(size)

    def deflate(self, digest: str, *, packed: bool = False) -> dict:
        """Write (once) the deflated parts of a piece (``digest.z``: in a file of its own, or
        appended to this process's pack when ``packed``); returns their meta."""
        key = f"{digest}.z"
        meta = self.zmeta.get(digest)
        if meta is None:
            path, base = self.locate(key)
            meta = self._read_meta(path, base)
            if meta is not None and path.parent == self.packs:
                self.record_place(key, (path.name, base))
        if meta is None:
            self.has(digest)
            spans = self.meta[digest].values()
            start = min(offset for offset, _size in spans)
            with open(self.path_of(digest), "rb") as source:
                source.seek(start)
                data = source.read(max(offset + size for offset, size in spans) - start)
            parts, crcs = {}, {}
            for fmt, (offset, size) in self.meta[digest].items():
                plain = data[offset - start : offset - start + size]
                parts[fmt], crcs[fmt] = deflate_block(plain), (zlib.crc32(plain),)
            meta = self._keep(key, parts, crcs, packed=packed)
        self.zmeta[digest] = meta
        return meta

    # lists

    def list_path(self, digest: str) -> Path:
        return self.lists / f"{digest}.json"

    def put_list(self, digests: list[str]) -> str:
        """Write (once) the body made of these pieces, in order; returns its digest. The
        entry formats of a scope share one list (each takes its own part of each piece)."""
        # The JSON array written directly (digests are hex: nothing to escape), and named by it.
        data = ('["' + '","'.join(digests) + '"]').encode() if digests else b"[]"
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        path = self.list_path(digest)
        if not path.exists():
            self._write(path, [data])
        return digest

    def body(self, digests: list[str], fmt: str, *, packed: bool = False) -> tuple[int, int, int]:
        """(size, CRC-32, deflated size) of the body these pieces make in one format,
        deflating the pieces that are not yet. Pieces are folded in content-defined runs
        (a piece whose digest is 0 modulo ``SEGMENT`` starts one), each run's result kept,
        so that after a change only the runs it touched are folded again."""
        size = crc = zsize = 0
        run: list[str] = []

        def fold(run):
            nonlocal size, crc, zsize
            key = (fmt, tuple(run))
            found = self.runs.get(key)
            if found is None:
                r_size = r_crc = r_zsize = 0
                for d in run:
                    self.has(d)
                    part_size = self.meta[d][fmt][1]
                    _offset, part_zsize, part_crc = self.deflate(d, packed=packed)[fmt]
                    r_crc = _multmodp(crc32_shift(part_size), r_crc) ^ part_crc
                    r_size += part_size
                    r_zsize += part_zsize
                if len(self.runs) > 20_000:  # the runs of older lists
                    self.runs.clear()
                found = self.runs[key] = (r_size, r_crc, r_zsize)
            r_size, r_crc, r_zsize = found
            crc = _multmodp(crc32_shift(r_size), crc) ^ r_crc
            size += r_size
            zsize += r_zsize

        for d in digests:
            if run and int(d[:4], 16) % SEGMENT == 0:
                fold(run)
                run = []
            run.append(d)
        if run:
            fold(run)
        return size, crc, zsize
