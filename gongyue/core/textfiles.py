"""Text files as spreadsheet programs in China write and read them.

Excel on Chinese Windows saves "CSV" in GBK (code page 936) and opens a UTF-8 file correctly
only when it starts with a byte order mark. Imports therefore accept UTF-8 (with or without the
mark) and GB18030, the superset of GBK; exports are UTF-8 with the mark and CRLF line ends.
Nothing here imports Django: the screening engine's command-line reader uses it too.
"""

import codecs
import csv
import io
from dataclasses import dataclass

UTF8 = "utf-8"
GB18030 = "gb18030"


@dataclass
class Undecodable(Exception):
    """The bytes are neither UTF-8 nor GB18030 text; `line` (from 1) and `byte` say where."""

    encoding: str  # the encoding the file was most likely meant to be in
    line: int
    byte: int  # the offending byte's value
    offset: int  # and where it is in the file, from 0

    def __str__(self):
        return f"line {self.line}: byte 0x{self.byte:02X} is not valid {self.encoding}"


def _failure(data: bytes, encoding: str, error: UnicodeDecodeError) -> Undecodable:
    start = error.start
    return Undecodable(encoding, data.count(b"\n", 0, start) + 1, data[start], start)


def decode_table_text(data: bytes) -> tuple[str, str]:
    """The text of an uploaded table and the encoding it was in (UTF-8 or GB18030).

    A file that is mostly good UTF-8 with a broken byte is reported as broken UTF-8, not read
    as GB18030 (which would turn it into nonsense without a word): it is taken for GB18030 only
    when UTF-8 reads fewer of its non-ASCII characters than it fails on.
    """
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode(UTF8), UTF8
    except UnicodeDecodeError as error:
        utf8_error = error
    if len(body) < len(data):  # a UTF-8 byte order mark: it was meant to be UTF-8
        raise _failure(data, "UTF-8", _shift(utf8_error, len(data) - len(body))) from None
    lenient = body.decode(UTF8, errors="replace")
    failures = lenient.count("\ufffd")
    readable = sum(1 for char in lenient if ord(char) > 127 and char != "\ufffd")
    if readable >= failures:
        raise _failure(data, "UTF-8", utf8_error) from None
    try:
        return body.decode(GB18030), GB18030
    except UnicodeDecodeError as error:
        raise _failure(data, "GBK/GB18030", error) from None


def _shift(error: UnicodeDecodeError, by: int) -> UnicodeDecodeError:
    return UnicodeDecodeError(
        error.encoding, error.object, error.start + by, error.end + by, error.reason
    )


def excel_csv(rows) -> bytes:
    """Rows as CSV that Excel opens cleanly: UTF-8 with a byte order mark, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode(UTF8)
