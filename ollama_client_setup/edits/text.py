"""Bytes <-> text without losing anything: line endings, BOM and undecodable bytes survive."""

from __future__ import annotations

from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Decoded:
    """A file's text as targets see it.

    `text` uses "\\n" when the file is uniformly CRLF (converted back on encode); a file with
    mixed endings is passed through as it is so no line outside ours changes. Bytes that are
    not UTF-8 become lone surrogates (surrogateescape) and are written back unchanged.
    """

    text: str
    newline: str
    bom: bool

    @property
    def has_undecodable(self) -> bool:
        return any("\udc80" <= ch <= "\udcff" for ch in self.text)

    def first_undecodable(self) -> tuple[int, int] | None:
        """1-based (line, column) of the first byte that is not UTF-8."""
        for index, ch in enumerate(self.text):
            if "\udc80" <= ch <= "\udcff":
                line = self.text.count("\n", 0, index) + 1
                col = index - (self.text.rfind("\n", 0, index) + 1) + 1
                return line, col
        return None

    def encode(self, text: str) -> bytes:
        if self.newline == "\r\n":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        data = text.encode("utf-8", errors="surrogateescape")
        return _BOM + data if self.bom else data


def decode(data: bytes, crlf: bool = True) -> Decoded:
    """`crlf=False`: a CRLF file's text keeps its CRs (so new lines are written LF only)."""
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM) :]
    text = data.decode("utf-8", errors="surrogateescape")
    lf = text.count("\n")
    if crlf and lf and text.count("\r\n") == lf:
        return Decoded(text.replace("\r\n", "\n"), "\r\n", bom)
    return Decoded(text, "\n", bom)


def new_file() -> Decoded:
    return Decoded("", "\n", False)
