"""The staff console through Streamlit's AppTest over a tiny real knowledge base: sign-in, guides,
unanswered questions, quality."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support.ui import APP_TIMEOUT_S, plain

from rag_app.assistant import Assistant
from rag_app.settings import Settings
from rag_app.ui.auth import hash_password

PASSWORD = "staff password 1"


def console_app() -> None:
    """The console page alone (AppTest runs this function's body as a script)."""
    import streamlit as st

    from rag_app.ui import console

    st.session_state.setdefault("lang", "en")
    console.render()


@pytest.fixture
def console(rag_env: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("STAFF_PASSWORD_HASH", hash_password(PASSWORD))
    return AppTest.from_function(console_app, default_timeout=APP_TIMEOUT_S).run()


def sign_in(page: AppTest, password: str = PASSWORD) -> AppTest:
    page.text_input[0].input(password)
    return page.button[0].click().run()  # the form's submit button


def guides(page: AppTest) -> dict[str, int]:
    table = page.tabs[0].dataframe[0].value
    return dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))


def test_a_session_that_has_not_signed_in_sees_only_the_form(console: AppTest) -> None:
    assert console.title[0].value == "Staff console: sign in"
    assert not console.tabs and not console.get("file_uploader") and not console.dataframe

    sign_in(console, "wrong")

    assert plain(console.error[0].value) == "Wrong password."
    assert not console.tabs and not console.get("file_uploader") and not console.dataframe
    assert "tent_zh.md" not in json.dumps([plain(m.value) for m in console.markdown])


def test_failed_sign_ins_slow_down(console: AppTest) -> None:
    for _ in range(3):
        sign_in(console, "wrong")
    sign_in(console)  # right, but within the wait: not even checked

    assert plain(console.error[0].value).startswith("Too many attempts")
    assert not console.tabs


def test_after_sign_in_the_guides_are_listed_with_their_facts(console: AppTest) -> None:
    sign_in(console)

    assert [tab.label for tab in console.tabs] == ["Guides", "Unanswered questions", "Quality"]
    table = console.tabs[0].dataframe[0].value
    rows = {row.iloc[0]: list(row.iloc[1:]) for _, row in table.iterrows()}
    chunks, language, ingested, sections = rows["tent_zh.md"]
    assert chunks == 3 and language == "zh" and ingested.endswith("UTC") and sections == 3
    assert rows["stove_en.md"][:2] == [2, "en"]

    console.selectbox[0].select("tent_zh.md").run()
    texts = [e.text[0].value for e in console.tabs[0].expander]
    assert len(texts) == 3 and any("用软毛刷刷掉干燥的泥土" in text for text in texts)


def test_uploaded_guide_is_ingested_once_and_listed(console: AppTest) -> None:
    sign_in(console)
    guide = "# Boot care\n\n## Drying\nDry wet boots at room temperature, never next to a fire.\n"
    console.get("file_uploader")[0].upload("boots_en.md", guide.encode(), "text/markdown")
    console.run()

    assert guides(console) == {"boots_en.md": 1, "stove_en.md": 2, "tent_zh.md": 3}
    assert "boots_en.md: ingested" in plain(console.success[0].value)
    console.run()  # a rerun keeps the file in the widget without ingesting it again
    assert "boots_en.md: ingested" in plain(console.success[0].value)


def test_corrupt_upload_is_reported_by_name(console: AppTest) -> None:
    sign_in(console)
    console.get("file_uploader")[0].upload("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf")
    console.run()

    error = plain(console.error[0].value)
    assert error.startswith("broken.pdf: could not be ingested — ") and "pdf" in error.split(" — ", 1)[1].lower()
    assert set(guides(console)) == {"stove_en.md", "tent_zh.md"}


def test_guide_removal_needs_confirmation_and_reingest_keeps_it(console: AppTest) -> None:
    sign_in(console)
    console.selectbox[0].select("stove_en.md").run()
    next(b for b in console.button if b.label == "Re-ingest").click().run()
    assert "stove_en.md: ingested" in plain(console.success[0].value)
    assert guides(console)["stove_en.md"] == 2

    next(b for b in console.button if b.label == "Remove").click().run()
    assert "stove_en.md" in guides(console)
    assert "stove_en.md (2 chunks)" in plain(console.warning[0].value)
    next(b for b in console.button if b.label == "Yes, remove").click().run()

    assert guides(console) == {"tent_zh.md": 3}
    assert "Removed stove_en.md" in plain(console.success[0].value)


@pytest.mark.slow
def test_refused_questions_are_grouped_and_a_group_can_be_marked_done(console: AppTest, rag_env: Path) -> None:
    assistant = Assistant(Settings())  # the chat page's path: the Assistant logs what it refuses
    for question in ("怎么装车顶帐篷", "How do I bake sourdough bread?", "车顶帐篷安装步骤"):
        assert assistant.ask(question).refused
    sign_in(console)

    table = console.tabs[1].dataframe[0].value
    assert list(table.iloc[:, 1]) == [2, 1]
    assert sorted(table.iloc[0, 3].split(" · ")) == ["怎么装车顶帐篷", "车顶帐篷安装步骤"]
    assert plain(console.tabs[1].expander[0].label).startswith("2×")

    next(b for b in console.tabs[1].button if b.label == "Mark done").click().run()
    assert list(console.tabs[1].dataframe[0].value.iloc[:, 3]) == ["How do I bake sourdough bread?"]


def test_quality_shows_the_gate_and_runs_the_eval(rag_env: Path, small_guides: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"id": "1", "question": "How do I clean the burner?", "source": "stove_en.md",
                              "answer": "brush soot off with a soft brass brush"}) + "\n"
                  + json.dumps({"id": "2", "question": "How do I bake sourdough bread?", "source": None}) + "\n",
                  encoding="utf-8")
    monkeypatch.setenv("STAFF_PASSWORD_HASH", hash_password(PASSWORD))
    monkeypatch.setenv("RAG_EVAL_FILE", str(qa))
    monkeypatch.setenv("RAG_EVAL_DOCS", str(small_guides))
    page = sign_in(AppTest.from_function(console_app, default_timeout=APP_TIMEOUT_S).run())
    quality = page.tabs[2]
    # the levels this knowledge base calibrated, per question language (the guides hold both languages)
    gate = quality.dataframe[0].value.set_index("Question language")
    calibration = Assistant(Settings()).calibration
    assert calibration.origin == "calibrated" and set(gate.index) == {"en", "zh", "zh>en", "en>zh"}
    assert gate.loc["zh", "Refuse below"] == calibration.thresholds["zh"].threshold
    assert any(calibration.calibrated_at in c.value for c in quality.caption)

    next(b for b in quality.button if b.label == "Run the eval").click().run()

    metrics = {m.label: m.value for m in page.tabs[2].metric}
    assert metrics["hit@k"] == "1.0" and metrics["refusal_accuracy"] == "1.0"


def test_an_action_from_a_session_signed_out_meanwhile_does_not_run(console: AppTest) -> None:
    sign_in(console)
    console.selectbox[0].select("stove_en.md").run()
    next(b for b in console.button if b.label == "Remove").click().run()
    confirm = next(b for b in console.button if b.label == "Yes, remove")

    console.session_state["staff_signed_in"] = False  # e.g. signed out in another tab of the session
    confirm.click().run()

    assert console.title[0].value == "Staff console: sign in" and not console.tabs
    assert "stove_en.md" in Assistant(Settings()).store.sources()
