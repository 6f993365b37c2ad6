"""Host names looked up a batch at a time, in arrays: the matcher's fast path for many hosts.

:meth:`Matcher.match_host` walks one host's suffixes with one dictionary probe each. Against
1,000,000 listed names each probe waits for memory (the dictionaries do not fit in the cache),
one probe after the other. :class:`HostIndex` answers the same question for a batch of hosts
with a few dozen NumPy operations over all of them at once, so the waits overlap:

1. The batch is joined into one byte string. Every place a looked-up name starts is found: each
   host, and each label after a dot except the last (the top-level domain alone is never
   looked up, as in ``match_host``).
2. Each of those names (``host[start:]``) gets a 64-bit hash from prefix sums over the bytes: a
   polynomial hash modulo 2**64, whose value for ``bytes[s:e]`` is ``(C[e] - C[s]) * B**(e-1)``
   with ``C`` the running sum of ``byte[j] * B**-j``. The index's own names are hashed by the
   same function.
3. The hash picks a bucket of eight slots in one table, a 64-byte row on a cache line of its
   own: eight fingerprints (24 bits of the hash and the name's length), then the eight names'
   numbers. Full buckets spill into the next one and are marked, so a look-up reads one row
   and rarely more.
4. Per host, the answer is its own name's entry, else the longest suffix found: the same
   precedence as ``match_host``.
5. **Every answer is checked against the listed name's bytes** before it is taken (names are
   kept as 32 zero-padded bytes). A fingerprint that matches a different name, a name longer
   than 32 bytes, or a batch the arrays cannot split (a host with a newline in it) goes to
   ``match_host``, so the answers are always exactly ``match_host``'s.

Which suffixes are in the table follows ``match_host``: a ``*.`` entry answers for a proper
suffix only with two to five labels, so suffix names with one label or more than five are left
out of the table (a host's own name is always looked up whole, in the names).

The index is read-only; the matcher builds it on first use and drops it when an entry is added.
What follows a publication saves its arrays beside the matcher's file (``save``), and the web
workers map them from there (``load``): built once, not once per worker, and their pages are
shared between the workers.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

U64 = np.uint64
#: Bytes a name is compared on in the arrays; longer names are checked by ``match_host``.
WIDTH = 32
#: Hosts looked up in one pass; a longer list is cut into passes of this many.
PASS = 4096
#: Names longer than this many bytes are left to ``match_host`` (a host name has at most 253).
LONGEST = 255
#: The most bytes one pass hashes: PASS names of LONGEST bytes and their separators.
MAX_BYTES = PASS * (LONGEST + 1)
#: Fewer hosts than this are walked one by one (``Matcher.match_hosts``): the arrays' fixed
#: cost is not worth it.
SMALL = 64

_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_SUFFIX_SALT = U64(0x5851F42D4C957F2D)  # a suffix's hash differs from the same whole name's
_MIX = U64(0xBF58476D1CE4E5B9)
_SHIFT_MIX, _SHIFT_FP = U64(29), U64(32)
_FP_HIGH, _FP_USED = U64(0xFFFFFF00), U64(1 << 31)
_MASKS = [(1 << (8 * n)) - 1 for n in range(9)]
#: MASK_ROWS[length] keeps the first ``length`` bytes of WIDTH bytes read as 64-bit words.
_MASK_ROWS = np.array(
    [
        [_MASKS[min(max(length - offset, 0), 8)] for offset in range(0, WIDTH, 8)]
        for length in range(WIDTH + 1)
    ],
    U64,
)
_PAD = b"\0" * (WIDTH + 8)

_powers_lock = threading.Lock()
_powers: tuple[np.ndarray, np.ndarray] | None = None


def _power_tables() -> tuple[np.ndarray, np.ndarray]:
    """B**j and B**-j modulo 2**64 for j < MAX_BYTES (16 MB, made once a process)."""
    global _powers
    with _powers_lock:
        if _powers is None:
            tables = []
            for base in (_BASE, pow(_BASE, -1, 1 << 64)):
                steps = np.full(MAX_BYTES, base, dtype=U64)
                steps[0] = 1
                tables.append(np.cumprod(steps, dtype=U64))
            _powers = (tables[0], tables[1])
        return _powers


def _hashes(data: np.ndarray, starts: np.ndarray, ends: np.ndarray, suffixes_from: int):
    """The hash of ``data[s:e]`` for each (s, e); those from ``suffixes_from`` on are
    suffixes (salted apart from whole names)."""
    powers, inverse = _power_tables()
    sums = np.empty(len(data) + 1, dtype=U64)
    sums[0] = 0
    np.cumsum(np.multiply(data, inverse[: len(data)], dtype=U64), out=sums[1:])
    hashed = (sums[ends] - sums[starts]) * powers[ends - 1]
    hashed[suffixes_from:] ^= _SUFFIX_SALT
    hashed ^= hashed >> _SHIFT_MIX
    hashed *= _MIX
    return hashed


def _fingerprints(hashed: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return ((hashed >> _SHIFT_FP) & _FP_HIGH) | np.minimum(lengths, 255).astype(U64) | _FP_USED


def _split(data: np.ndarray, breaks: np.ndarray | None = None):
    """Where each name of a newline-joined byte string starts and ends (``breaks``: where its
    newlines are, when known)."""
    if breaks is None:
        breaks = np.flatnonzero(data == 10)
    return np.concatenate(([0], breaks + 1)), np.append(breaks, len(data))


def _words(encoded: list[bytes]) -> np.ndarray:
    """Each name's first WIDTH bytes, zero-padded, as a row of 64-bit words."""
    padded = b"".join(key.ljust(WIDTH, b"\0")[:WIDTH] for key in encoded)
    return np.frombuffer(padded, U64).reshape(-1, WIDTH // 8)


def _bits(count: int) -> int:
    """The table has 2**bits buckets (and one for spills): about two names a bucket of eight."""
    return max(1, (count - 1).bit_length() - 2)


class HostIndex:
    """The names of a matcher's ``names`` and ``suffixes`` dictionaries in one bucketed hash
    table, with each name's first 32 bytes to check answers against."""

    #: The arrays ``save`` writes and ``load`` maps, each to ``hostindex-<name>.npy``.
    ARRAYS = ("table", "spilled", "words")

    def __init__(self, names: dict[str, str], suffixes: dict[str, str]):
        keys, own = self._set_lines(names, suffixes)
        count = len(keys)
        lengths = np.empty(count, np.intp)
        hashed = np.empty(count, U64)
        self.words = np.zeros((count + 1, WIDTH // 8), U64)
        for done in range(0, count, PASS):  # PASS names of LONGEST bytes fit the power tables
            encoded = [key.encode() for key in keys[done : done + PASS]]
            stop = done + len(encoded)
            lengths[done:stop] = [len(key) for key in encoded]
            self.words[done:stop] = _words(encoded)
            data = np.frombuffer(b"\n".join(encoded), np.uint8)
            starts, ends = _split(data)
            hashed[done:stop] = _hashes(data, starts, ends, max(0, own - done))
        self._build_table(hashed, lengths)

    def _set_lines(self, names: dict[str, str], suffixes: dict[str, str]) -> tuple[list, int]:
        """Which names the arrays hold, in their order, and the line of each (``lines``);
        returns the names and how many of them are whole names (the rest are suffixes)."""
        # Names longer than LONGEST bytes (none is a valid host name) stay out of the arrays;
        # while there are any, hosts that long are walked.
        own = [name for name in names if len(name.encode()) <= LONGEST]
        kept = [
            name for name in suffixes if 0 < name.count(".") < 5 and len(name.encode()) <= LONGEST
        ]
        self.has_long = len(own) < len(names)
        self.lines = np.array(
            [*(names[k] for k in own), *(suffixes[k] for k in kept), None], object
        )
        return [*own, *kept], len(own)

    def save(self, folder: Path) -> None:
        """Write the arrays into ``folder`` (each renamed into place once written)."""
        for name in self.ARRAYS:
            temporary = folder / f".hostindex-{name}.npy.{os.getpid()}"
            with open(temporary, "wb") as out:
                np.save(out, getattr(self, name), allow_pickle=False)
            os.replace(temporary, folder / f"hostindex-{name}.npy")

    @classmethod
    def load(cls, folder: Path, names: dict[str, str], suffixes: dict[str, str]):
        """The index ``save`` wrote into ``folder`` for these dictionaries, its arrays mapped
        from the files (read-only, their pages shared by every process that maps them); None
        when a file is missing or does not fit these names."""
        try:
            arrays = {
                name: np.load(folder / f"hostindex-{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in cls.ARRAYS
            }
        except (OSError, ValueError):
            return None
        index = cls.__new__(cls)
        keys, _own = index._set_lines(names, suffixes)
        bits = _bits(len(keys))
        buckets = (1 << bits) + 1
        shapes = {
            "table": (buckets, 16),
            "spilled": (buckets,),
            "words": (len(keys) + 1, WIDTH // 8),
        }
        types = {"table": np.uint32, "spilled": np.bool_, "words": U64}
        for name, array in arrays.items():
            if array.shape != shapes[name] or array.dtype != types[name]:
                return None
        # The names in the same order: 64 of them, spread over the list, compared by bytes.
        sample = sorted({round(i * (len(keys) - 1) / 63) for i in range(64)} if keys else ())
        if not np.array_equal(arrays["words"][sample], _words([keys[i].encode() for i in sample])):
            return None
        for name, array in arrays.items():
            # A plain array over the mapping: NumPy's memmap subclass adds to every operation.
            setattr(index, name, array.view(np.ndarray))
        index.shift = U64(64 - bits)
        return index

    def _build_table(self, hashed: np.ndarray, lengths: np.ndarray) -> None:
        count = len(hashed)
        bits = _bits(count)
        self.shift = U64(64 - bits)
        buckets = (1 << bits) + 1  # the last one only takes spills
        # A bucket is one 64-byte row, on a cache line of its own: eight fingerprints, then
        # the eight names' numbers.
        room = np.zeros(buckets * 16 + 16, np.uint32)
        skip = (-room.ctypes.data % 64) // 4
        self.table = room[skip : skip + buckets * 16].reshape(buckets, 16)
        self.spilled = np.zeros(buckets, bool)
        bucket = (hashed >> self.shift).astype(np.intp)
        prints = _fingerprints(hashed, lengths)
        flat = self.table.reshape(-1)
        filled = np.zeros(buckets, np.intp)
        todo = np.arange(count)
        while todo.size:
            order = todo[np.argsort(bucket[todo], kind="stable")]
            target = bucket[order]
            first = np.ones(len(target), bool)
            first[1:] = target[1:] != target[:-1]
            starts = np.flatnonzero(first)
            rank = np.arange(len(target)) - np.repeat(
                starts, np.diff(np.append(starts, len(target)))
            )
            slot = filled[target] + rank
            fits = slot < 8
            place = target[fits] * 16 + slot[fits]
            flat[place] = prints[order[fits]]
            flat[place + 8] = order[fits]
            np.add.at(filled, target[fits], 1)
            over = order[~fits]
            self.spilled[bucket[over]] = True
            bucket[over] += 1
            if bucket[over].max(initial=0) >= buckets:
                raise OverflowError("host index table too full")  # cannot happen at 2 a bucket
            todo = over

    def _find(self, hashed: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Each hash's name number by fingerprint (not yet checked), or -1."""
        bucket = (hashed >> self.shift).astype(np.intp)
        wanted = _fingerprints(hashed, lengths).astype(np.uint32)
        found = self._in_buckets(bucket, wanted)
        # Misses in a bucket that spilled look on in the next ones.
        todo = np.flatnonzero((found < 0) & self.spilled[bucket])
        while todo.size:
            bucket[todo] += 1
            more = self._in_buckets(bucket[todo], wanted[todo])
            found[todo] = more
            todo = todo[(more < 0) & self.spilled[bucket[todo]]]
        return found

    def _in_buckets(self, bucket: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        rows = np.take(self.table, bucket, axis=0)
        same = rows.reshape(-1) == np.repeat(wanted, 16)  # flat: much faster than broadcast
        # The eight fingerprints' answers as the bytes of one word: the first slot that matches
        # is its lowest set byte (a power of two, exact as a float, whose exponent tells it).
        word = same.view(U64)[::2]
        hit = np.flatnonzero(word)
        word = word[hit]
        lowest = word & (~word + U64(1))
        slot = (np.frexp(lowest.astype(np.float64))[1] - 1) >> 3
        found = np.full(len(bucket), -1, np.intp)
        found[hit] = rows.reshape(-1)[hit * 16 + 8 + slot]
        return found

    def match(self, hosts: list[str], walk) -> list[str | None]:
        """The line listing each host, exactly as ``walk`` (``Matcher.match_host``) answers."""
        answers: list[str | None] = []
        for at in range(0, len(hosts), PASS):
            answers += self._match_pass(hosts[at : at + PASS], walk)
        return answers

    def _match_pass(self, hosts: list[str], walk) -> list[str | None]:
        count = len(hosts)
        try:
            raw = "\n".join(hosts).encode()
        except UnicodeEncodeError:
            raw = b""  # a lone surrogate: walked, as below
        if not raw or len(raw) > MAX_BYTES or raw.count(b"\n") != count - 1:
            return [walk(host) for host in hosts]
        data = np.frombuffer(raw, np.uint8)
        cuts = np.flatnonzero((data == 46) | (data == 10))
        is_break = data[cuts] == 10
        starts, ends = _split(data, cuts[is_break])
        # A dot starts a suffix to look up unless the next cut ends its host: the TLD alone.
        dots = np.flatnonzero(~is_break & ~np.append(is_break[1:], True))
        host_of = np.concatenate((np.arange(count), np.cumsum(is_break)[dots]))
        begin = np.concatenate((starts, cuts[dots] + 1))
        end = ends[host_of]
        found = self._find(_hashes(data, begin, end, count), end - begin)

        # Per host: its own name, else the first (longest) suffix found.
        answer, probe = found[:count], np.arange(count)
        suffix_hits = np.flatnonzero(found[count:] >= 0) + count
        hit_host = host_of[suffix_hits]
        first = np.ones(len(hit_host), bool)
        first[1:] = hit_host[1:] != hit_host[:-1]
        hosts_hit, suffix_hits = hit_host[first], suffix_hits[first]
        open_ = answer[hosts_hit] < 0
        hosts_hit, suffix_hits = hosts_hit[open_], suffix_hits[open_]
        answer[hosts_hit] = found[suffix_hits]
        probe[hosts_hit] = suffix_hits

        # Check each answer's bytes against the listed name's.
        listed = np.flatnonzero(answer >= 0)
        number, probe = answer[listed], probe[listed]
        begin, length = begin[probe], end[probe] - begin[probe]
        words = np.ndarray((len(raw) + 1, WIDTH // 8), U64, buffer=raw + _PAD, strides=(1, 8))
        mine = words[begin] & _MASK_ROWS[np.minimum(length, WIDTH)]
        exact = (mine == np.take(self.words, number, axis=0)).all(1) & (length <= WIDTH)
        chosen = np.full(count, -1, np.intp)  # -1 picks the None after the lines
        chosen[listed[exact]] = number[exact]
        answers = self.lines[chosen].tolist()
        unsure = listed[~exact]
        if self.has_long:
            unsure = np.union1d(unsure, np.flatnonzero(ends - starts > LONGEST))
        for host in unsure.tolist():
            answers[host] = walk(hosts[host])
        return answers
