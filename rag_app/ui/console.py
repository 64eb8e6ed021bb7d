"""The staff console: the guides, the questions they could not answer, and answer quality.

Reachable only when a staff credential is configured (STAFF_PASSWORD_HASH, or Streamlit's OIDC
`st.login` with STAFF_EMAILS), and rendered only for a session that has signed in: a session that has
not sees the sign-in form and nothing else, and every action checks the sign-in again before it runs.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import get_args

import streamlit as st

from ingest.loaders import SUPPORTED_SUFFIXES
from rag_app.assistant import Assistant, GuideInfo
from rag_app.commands.eval import load_qa, run_eval
from rag_app.indexing import IngestReport
from rag_app.questions import Outcome, QuestionGroup
from rag_app.settings import Settings
from rag_app.ui.auth import Backoff, verify_password
from rag_app.ui.chat import upload_outcome
from rag_app.ui.citations import escape_markdown
from rag_app.ui.i18n import Lang, t
from rag_app.ui.resources import feedback_export, load_assistant, load_feedback

SIGNED_IN = "staff_signed_in"
BACKOFF = "staff_backoff"
MEGABYTE = 1024 * 1024
MAX_GROUPS_OPEN = 30
EVAL_METRICS = ("hit@k", "mrr", "refusal_accuracy", "wrong_refusals", "missed_refusals", "p50_ms")


def oidc_configured(settings: Settings) -> bool:
    """Streamlit's own sign-in counts only with an `[auth]` section in secrets.toml and a staff list."""
    return bool(settings.staff_email_list) and st.secrets.load_if_toml_exists() and "auth" in st.secrets


def staff_configured(settings: Settings) -> bool:
    return bool(settings.staff_password_hash) or oidc_configured(settings)


def signed_in(settings: Settings) -> bool:
    if st.session_state.get(SIGNED_IN):
        return True
    if not oidc_configured(settings) or not st.user.is_logged_in:
        return False
    return str(st.user.get("email", "")).lower() in settings.staff_email_list


def render() -> None:
    """The console page: the sign-in form, or for a signed-in session the three tabs."""
    assistant = load_assistant()
    settings = assistant.settings
    lang: Lang = st.session_state.lang
    if not signed_in(settings):
        sign_in_form(settings, lang)
        return
    with st.sidebar:
        st.button(t("sign_out", lang), icon=":material/logout:", on_click=sign_out, args=(settings,),
                  width="stretch")
    st.title(t("console", lang))
    guides_tab, questions_tab, quality_tab = st.tabs([t("tab_guides", lang), t("tab_unanswered", lang),
                                                      t("tab_quality", lang)])
    with guides_tab:
        guides_view(assistant, lang)
    with questions_tab:
        unanswered_view(assistant, lang)
    with quality_tab:
        quality_view(assistant, lang)


# Sign-in


def sign_in_form(settings: Settings, lang: Lang) -> None:
    st.title(t("console_sign_in", lang))
    if settings.staff_password_hash:
        with st.form("sign-in", enter_to_submit=True):
            password = st.text_input(t("password", lang), type="password")
            submitted = st.form_submit_button(t("sign_in", lang), type="primary")
        if submitted:
            check_password(settings.staff_password_hash, password, lang)
    if oidc_configured(settings):
        st.button(t("sign_in_oidc", lang), icon=":material/badge:", on_click=st.login)
        if st.user.is_logged_in:  # signed in with the provider, but not on the staff list
            st.error(t("not_staff", lang, email=str(st.user.get("email", ""))))


def check_password(stored_hash: str, password: str, lang: Lang) -> None:
    """Sign the session in, or count a failure; during a wait the password is not even checked."""
    backoff: Backoff = st.session_state.setdefault(BACKOFF, Backoff())
    if wait := backoff.wait_s():
        st.error(t("sign_in_wait", lang, s=math.ceil(wait)))
        return
    try:
        correct = verify_password(password, stored_hash)
    except ValueError as exc:
        st.error(str(exc))
        return
    if not correct:
        backoff.failed()
        st.error(t("wrong_password", lang))
        return
    backoff.succeeded()
    st.session_state[SIGNED_IN] = True
    st.rerun()


def sign_out(settings: Settings) -> None:
    st.session_state[SIGNED_IN] = False
    if oidc_configured(settings) and st.user.is_logged_in:
        st.logout()


def _staff_only() -> bool:
    """Actions run from callbacks: a session signed out meanwhile (or never signed in) runs none."""
    return signed_in(load_assistant().settings)


# Guides


def guides_view(assistant: Assistant, lang: Lang) -> None:
    upload_widget(assistant, lang)
    guides = assistant.guides()
    st.subheader(t("guides_count", lang, guides=len(guides), chunks=sum(g.chunks for g in guides)))
    if message := st.session_state.pop("kb_message", None):
        st.success(escape_markdown(message))
    if error := st.session_state.pop("kb_error", None):
        st.error(escape_markdown(error))
    if not guides:
        st.info(t("empty_kb_console", lang))
        return
    st.dataframe(guide_table(guides, lang), hide_index=True, width="stretch")
    source = st.selectbox(t("open_guide", lang), [g.source for g in guides], index=None, placeholder="—",
                          key="open_guide")
    if source is not None:
        guide_actions(assistant, next(g for g in guides if g.source == source), lang)
    info = assistant.info()
    mode = t("mode_llm", lang, model=info.llm_model) if info.mode == "llm" else t("mode_extractive", lang)
    facts = (("embedding_model", info.embedding_model), ("mode", mode), ("store", info.store))
    st.caption("  \n".join(t("field", lang, label=t(key, lang), value=escape_markdown(value))
                           for key, value in facts))


def guide_table(guides: list[GuideInfo], lang: Lang) -> dict[str, list[object]]:
    return {
        t("guide", lang): [g.source for g in guides],
        t("chunks_header", lang): [g.chunks for g in guides],
        t("language", lang): [g.language for g in guides],
        t("ingested_at", lang): [_when(g.ingested_at) for g in guides],
        t("sections", lang): [len(g.sections) for g in guides],
    }


def guide_actions(assistant: Assistant, guide: GuideInfo, lang: Lang) -> None:
    """Re-ingest or remove (with a confirm step) the open guide, then read its chunks as stored."""
    reingest, remove = st.columns(2)
    reingest.button(t("reingest", lang), icon=":material/refresh:", on_click=reingest_guide,
                    args=(guide.source, lang), width="stretch")
    remove.button(t("remove_button", lang), icon=":material/delete:", on_click=ask_removal,
                  args=(guide.source,), width="stretch")
    if st.session_state.get("confirm_remove") == guide.source:
        st.warning(escape_markdown(t("remove_confirm", lang, name=guide.source, n=guide.chunks)))
        yes, no = st.columns(2)
        yes.button(t("remove_yes", lang), type="primary", on_click=remove_guide, args=(guide.source, lang))
        no.button(t("cancel", lang), on_click=ask_removal, args=(None,))
    st.caption(t("field", lang, label=t("sections", lang), value=escape_markdown(" · ".join(guide.sections) or "—")))
    for chunk in assistant.guide_chunks(guide.source):
        meta = chunk.metadata
        title = f"#{meta.get('chunk_index', '?')} {meta.get('section') or guide.source}"
        if meta.get("page") is not None:
            title += f" · p. {meta['page']}"
        with st.expander(escape_markdown(title)):
            st.text(chunk.text)


def upload_widget(assistant: Assistant, lang: Lang) -> None:
    """Each new file is ingested once (reruns keep the file in the widget but skip it), with progress."""
    files = st.file_uploader(
        t("upload", lang), type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES), accept_multiple_files=True,
        help=t("upload_help", lang), max_upload_size=max(1, assistant.settings.max_upload_bytes // MEGABYTE),
        key="uploads",
    )
    reports: dict[str, tuple[str, IngestReport]] = st.session_state.setdefault("upload_reports", {})
    new = [f for f in files if f.file_id not in reports]
    if new and _staff_only():
        bar = st.progress(0.0)
        for i, file in enumerate(new):
            bar.progress(i / len(new), text=t("ingesting", lang, name=file.name, i=i + 1, n=len(new)))
            reports[file.file_id] = (file.name, assistant.ingest_upload(file.name, file.getvalue()))
        bar.empty()
    for file in files:
        if file.file_id in reports:
            kind, message = upload_outcome(*reports[file.file_id], lang)
            getattr(st, kind)(escape_markdown(message))


def reingest_guide(source: str, lang: Lang) -> None:
    if not _staff_only():
        return
    try:
        report = load_assistant().reingest(source)
    except FileNotFoundError as exc:
        st.session_state.kb_error = str(exc)
        return
    kind, message = upload_outcome(source, report, lang)
    st.session_state["kb_error" if kind == "error" else "kb_message"] = message


def ask_removal(source: str | None) -> None:
    st.session_state.confirm_remove = source


def remove_guide(source: str, lang: Lang) -> None:
    if not _staff_only():
        return
    removed = load_assistant().remove(source)
    st.session_state.confirm_remove = None
    st.session_state.open_guide = None
    st.session_state.kb_message = t("removed", lang, name=source, n=removed)


# Unanswered questions


def unanswered_view(assistant: Assistant, lang: Lang) -> None:
    st.caption(t("unanswered_help", lang))
    if assistant.questions is None:
        st.info(t("log_off", lang))
        return
    choice = st.segmented_control(t("outcome", lang), ["all", *get_args(Outcome)], default="all",
                                  format_func=lambda o: t(f"outcome_{o}", lang), key="outcome")
    groups = assistant.unanswered(None if choice in (None, "all") else choice)
    if not groups:
        st.info(t("none_unanswered", lang))
        return
    st.dataframe({
        t("question", lang): [g.label for g in groups],
        t("count", lang): [g.count for g in groups],
        t("last_asked", lang): [_when(g.last_asked) for g in groups],
        t("examples", lang): [" · ".join(g.examples) for g in groups],
    }, hide_index=True, width="stretch")
    for group in groups[:MAX_GROUPS_OPEN]:
        group_panel(group, lang)


def group_panel(group: QuestionGroup, lang: Lang) -> None:
    key = group.ids[0]
    with st.expander(escape_markdown(f"{group.count}× {group.label}")):
        outcomes = ", ".join(f"{t(f'outcome_{o}', lang)} {n}" for o, n in group.outcomes.most_common())
        found = ", ".join(group.found) or "—"
        st.caption(" · ".join([t("field", lang, label=t("last_asked", lang), value=_when(group.last_asked)),
                               outcomes, t("field", lang, label=t("found", lang), value=escape_markdown(found))]))
        st.markdown("\n".join(f"- {escape_markdown(example)}" for example in group.examples))
        export, done = st.columns(2)
        lines = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in group.eval_cases())
        export.download_button(t("export_group", lang), lines.encode("utf-8"), file_name=f"unanswered-{key}.jsonl",
                               mime="application/jsonl", icon=":material/download:", key=f"export-{key}",
                               on_click="ignore", width="stretch")
        done.button(t("mark_done", lang), icon=":material/done:", on_click=mark_done, args=(group.ids,),
                    key=f"done-{key}", width="stretch")


def mark_done(ids: list[int]) -> None:
    if _staff_only() and (log := load_assistant().questions) is not None:
        log.mark_done(ids)


# Quality


def quality_view(assistant: Assistant, lang: Lang) -> None:
    st.subheader(t("gate", lang))
    calibration = assistant.calibration
    st.caption(t("gate_help", lang, origin=calibration.origin, at=calibration.calibrated_at or "-",
                 self_check=calibration.self_check.get("answered", "-")))
    if calibration.overridden:
        st.caption(t("gate_overridden", lang, names=", ".join(calibration.overridden)))
    levels = calibration.thresholds
    st.dataframe({t("gate_language", lang): list(levels),
                  t("gate_threshold", lang): [v.threshold for v in levels.values()],
                  t("gate_confident", lang): [v.confident for v in levels.values()],
                  t("gate_floor", lang): [v.floor for v in levels.values()],
                  t("gate_certain", lang): [v.certain for v in levels.values()],
                  t("gate_bank", lang): [calibration.bank_scores.get(key, {}).get("p95") for key in levels]},
                 hide_index=True, width="stretch")

    st.subheader(t("eval", lang))
    settings = assistant.settings
    if settings.rag_eval_file is None or settings.rag_eval_docs is None:
        st.info(t("eval_unset", lang))
    else:
        st.caption(t("eval_help", lang, file=escape_markdown(str(settings.rag_eval_file)),
                     docs=escape_markdown(str(settings.rag_eval_docs))))
        if st.button(t("run_eval", lang), icon=":material/play_arrow:", type="primary") and _staff_only():
            with st.spinner(t("eval_running", lang)):
                try:
                    st.session_state.eval_summary = run_eval(
                        settings.rag_eval_docs, load_qa(settings.rag_eval_file), settings.retrieval_k,
                        settings, answers=True, report=None, embeddings=assistant.embeddings)
                except (OSError, ValueError) as exc:
                    st.error(escape_markdown(str(exc)))
        if summary := st.session_state.get("eval_summary"):
            columns = st.columns(len(EVAL_METRICS))
            for column, metric in zip(columns, EVAL_METRICS, strict=True):
                column.metric(metric, summary.get(metric, "—"))
            st.json(summary, expanded=False)

    st.subheader(t("feedback", lang))
    counts = load_feedback().counts()
    st.caption(t("feedback_counts", lang, **counts))
    st.download_button(t("export", lang), feedback_export, file_name="feedback_qa.jsonl", mime="application/jsonl",
                       help=t("export_help", lang), disabled=not counts["down"], icon=":material/download:",
                       on_click="ignore")


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"
