"""Where a guide's product tags come from: sidecar, front matter, folder, title, or --product."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.document import LoadError
from ingest.loaders.markdown import strip_front_matter
from ingest.metadata import model_from_title, product_from_title, resolve


def guide(folder: Path, name: str, text: str = "# Guide\n\nText.\n") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("title", "product", "model"), [
    ("Samsung Galaxy S10 User Manual", "Samsung Galaxy S10", "S10"),
    ("Samsung Galaxy S10+ User Manual", "Samsung Galaxy S10+", "S10+"),
    ("Tidyo R7 Max Robot Vacuum and Mop Maintenance Guide", "Tidyo R7 Max Robot Vacuum and Mop", "R7 Max"),
    ("岚峰 LF-2 Pro 双人三季帐篷清洁与保养指南", "岚峰 LF-2 Pro 双人三季帐篷", "LF-2 Pro"),
    ("澜净 LJ-F10 滚筒洗衣机保养与故障排除手册", "澜净 LJ-F10 滚筒洗衣机", "LJ-F10"),
    ("Emberline Cirrus 2 Canister Stove Care and Maintenance Manual", "Emberline Cirrus 2 Canister Stove", ""),
])
def test_title_names_the_product_and_its_model(title: str, product: str, model: str) -> None:
    assert product_from_title(title) == product
    assert model_from_title(title) == model


def test_sidecar_wins_over_front_matter_folder_and_title(tmp_path: Path) -> None:
    path = guide(tmp_path, "acme/k1.md", "---\nproduct: From Front Matter\ncategory: kettle\n---\n# Acme K9 Guide\n")
    (tmp_path / "acme" / "k1.meta.yaml").write_text("product: Acme K1\nmodel: K1\naliases: [AK1, 电水壶]\n",
                                                    encoding="utf-8")
    tags = resolve(path, "acme/k1.md", "Acme K9 Guide", "en")
    assert (tags.product, tags.model, tags.category, tags.language) == ("Acme K1", "K1", "kettle", "en")
    assert tags.chunk_fields()["aliases"] == "AK1|电水壶"


def test_front_matter_then_folder_then_title(tmp_path: Path) -> None:
    fronted = guide(tmp_path, "a.md", "---\nproduct: Acme K1\nlanguage: zh\n---\n# T\n")
    assert (resolve(fronted, "a.md", "T", "en").product, resolve(fronted, "a.md", "T", "en").language) == (
        "Acme K1", "zh")
    foldered = guide(tmp_path, "galaxy-s10/manual.md")
    assert resolve(foldered, "galaxy-s10/manual.md", "Samsung Galaxy S10 User Manual").product == "galaxy-s10"
    titled = guide(tmp_path, "manual.md")
    tags = resolve(titled, "manual.md", "Samsung Galaxy S10 User Manual", "en")
    assert (tags.product, tags.model) == ("Samsung Galaxy S10", "S10")


def test_explicit_product_wins_and_changes_the_digest(tmp_path: Path) -> None:
    path = guide(tmp_path, "k.md")
    (tmp_path / "k.meta.yaml").write_text("product: Acme K1\n", encoding="utf-8")
    plain = resolve(path, "k.md", "Guide")
    forced = resolve(path, "k.md", "Guide", product="Acme K2")
    assert forced.product == "Acme K2" and plain.digest() != forced.digest()
    assert resolve(path, "k.md", "Guide").digest() == plain.digest()


@pytest.mark.parametrize(("sidecar", "names"), [
    ("product: [a, b]\n", "'product'"),
    ("- just\n- a list\n", "mapping"),
    ("product: 'unclosed\n", "not valid YAML"),
    (f"product: {'x' * 201}\n", "longer than 200"),
])
def test_bad_sidecar_is_reported_by_file_and_field(tmp_path: Path, sidecar: str, names: str) -> None:
    path = guide(tmp_path, "k.md")
    (tmp_path / "k.meta.yaml").write_text(sidecar, encoding="utf-8")
    with pytest.raises(LoadError, match="k.meta.yaml") as error:
        resolve(path, "k.md", "Guide")
    assert names in str(error.value)


def test_front_matter_is_stripped_only_at_the_start() -> None:
    assert strip_front_matter("---\nproduct: X\n---\n# Title\n") == "# Title\n"
    body = "# Title\n\n---\nnot: front matter\n---\n"
    assert strip_front_matter(body) == body
