"""Reading a text file whose encoding nobody declared."""

from __future__ import annotations

from pathlib import Path

from charset_normalizer import from_bytes

from ingest.document import LoadError

_GB_ENCODINGS = frozenset({"gb18030", "gbk", "gb2312", "hz"})


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else the encoding charset-normalizer finds,
    preferring GB18030 among equally plausible CJK encodings since short Chinese text is ambiguous."""
    data = path.read_bytes()
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise LoadError("not a readable text file: its encoding cannot be detected (binary or corrupt data?)")
    gb = next((m for m in matches if m.encoding in _GB_ENCODINGS and m.chaos <= best.chaos + 0.05), None)
    return str(gb or best)
