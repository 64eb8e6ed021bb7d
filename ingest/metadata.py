"""Which product a guide is about: `product`, `model`, `category`, `language` and `aliases` per file.

A knowledge base holds many products' guides, and answers must not mix them. Each guide's tags come,
in order, from what the user wrote (a sidecar `X.meta.yaml` next to `X.ext`, or Markdown front matter),
the folder it sits in (`guides/<product>/...`), or the guide's title; an explicit `--product` (or the
upload form's product) names the product over all of them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.document import LoadError
from ingest.loaders.encoding import read_text
from ingest.loaders.markdown import FRONT_MATTER

FIELDS = ("product", "model", "category", "language")
METADATA_KEYS = (*FIELDS, "aliases")  # every chunk metadata key this module writes
SIDECAR_SUFFIX = ".meta.yaml"
ALIAS_SEPARATOR = "|"
MAX_FIELD_CHARS = 200

# Where a title stops naming the product and starts naming the document.
_TITLE_TAIL_EN = re.compile(
    r"\s*\b(?:user(?:'s)?|owner(?:'s)?|quick[- ]start|care|maintenance|service|operating|instruction|"
    r"manual|guide|handbook|instructions)\b.*$",
    re.IGNORECASE,
)
_TITLE_TAIL_ZH = re.compile(r"(?:清洁|保养|维护|维修|使用|洗护|操作|用户|安装|说明|手册|指南|故障).*$")
_MODEL = re.compile(
    r"(?<![\w-])(?=[\w+-]*[A-Za-z])(?=[\w+-]*\d)[A-Za-z0-9]+(?:[-+][A-Za-z0-9]+)*\+?"
    r"(?:\s+(?:Pro|Max|Plus|Ultra|Lite|Mini|Air|SE|GTX))*",
)


@dataclass(frozen=True)
class GuideMetadata:
    """The product tags every chunk of one guide carries (empty strings: unknown)."""

    product: str = ""
    model: str = ""
    category: str = ""
    language: str = ""
    aliases: tuple[str, ...] = field(default=())

    def chunk_fields(self) -> dict[str, str]:
        """The fields as Chroma chunk metadata (scalars only): aliases joined with `|`."""
        fields = {name: getattr(self, name) for name in FIELDS if getattr(self, name)}
        if self.aliases:
            fields["aliases"] = ALIAS_SEPARATOR.join(self.aliases)
        return fields

    def digest(self) -> str:
        """Recorded in the manifest: a change re-tags the guide's chunks without re-embedding them."""
        return hashlib.sha256(json.dumps(self.chunk_fields(), sort_keys=True).encode()).hexdigest()[:16]


def sidecar_path(path: Path) -> Path:
    """`tent_care_zh.md` -> `tent_care_zh.meta.yaml`."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar's fields, or {} when the guide has none."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        text = sidecar.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"{sidecar.name}: cannot read the metadata file ({exc})") from exc
    return _mapping(text, sidecar.name)


def read_front_matter(path: Path) -> dict[str, Any]:
    """A Markdown guide's front matter fields, or {} (other formats have none)."""
    if path.suffix.lower() != ".md":
        return {}
    try:
        text = read_text(path)
    except OSError:
        return {}  # the loader reports the unreadable file
    match = FRONT_MATTER.match(text)
    return _mapping(match.group(1), f"{path.name} (front matter)") if match else {}


def resolve(path: Path, source: str, title: str, language: str = "", product: str | None = None) -> GuideMetadata:
    """The guide's tags: explicit product > sidecar / front matter > folder > title; `language` is the
    one detected in the text, used when none is written."""
    sidecar = read_sidecar(path)
    written = {**read_front_matter(path), **sidecar}
    where = sidecar_path(path).name if sidecar else path.name
    fields = {name: _field(written, name, where) for name in FIELDS}
    aliases = _aliases(written.get("aliases"), where)
    folder = source.split("/")[0] if "/" in source else ""
    from_title = product_from_title(title)
    fields["product"] = (product or "").strip() or fields["product"] or folder or from_title or Path(source).stem
    if not fields["model"]:
        fields["model"] = model_from_title(title) if fields["product"] == from_title else ""
    fields["language"] = fields["language"] or language
    return GuideMetadata(aliases=aliases, **fields)


def product_from_title(title: str) -> str:
    """"Samsung Galaxy S10 User Manual" -> "Samsung Galaxy S10"; "岚峰 LF-2 Pro 双人三季帐篷清洁与保养指南" ->
    "岚峰 LF-2 Pro 双人三季帐篷"."""
    name = _TITLE_TAIL_ZH.sub("", _TITLE_TAIL_EN.sub("", title.strip())).strip(" -–—:：,，")
    return name if len(name) >= 2 else ""


def model_from_title(title: str) -> str:
    """The first model-number-like word of a title (letters and digits: S10, LF-2 Pro, QY-600), or ""."""
    match = _MODEL.search(product_from_title(title))
    return match.group().strip() if match else ""


def _mapping(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LoadError(f"{where}: not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise LoadError(f"{where}: metadata must be a mapping of fields such as 'product: ...'")
    return {str(k): v for k, v in data.items()}


def _field(data: Mapping[str, Any], name: str, where: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise LoadError(f"{where}: field '{name}' must be one text value")
    text = " ".join(str(value).split())
    if len(text) > MAX_FIELD_CHARS:
        raise LoadError(f"{where}: field '{name}' is longer than {MAX_FIELD_CHARS} characters")
    return text


def _aliases(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str | int | float) for v in items):
        raise LoadError(f"{where}: 'aliases' must be a text or a list of texts")
    return tuple(dict.fromkeys(a for a in (" ".join(str(v).replace(ALIAS_SEPARATOR, " ").split()) for v in items) if a))
