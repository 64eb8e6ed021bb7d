"""The browser chat (`streamlit run streamlit_app.py`): widgets over rag_app's Assistant, nothing more.

Retrieval, prompts and answers live in rag_app; page state and wording in rag_app/ui_*.py and i18n.py.
"""

from __future__ import annotations

import io

import streamlit as st

from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.text import detect_language
from rag_app.answer.stream import AnswerStream
from rag_app.assistant import Assistant, KnowledgeBaseInfo
from rag_app.indexing import IngestReport
from rag_app.settings import Settings
from rag_app.ui.chat import (
    Turn,
    answer_markdown,
    guide_suggestion,
    history,
    product_filters,
    upload_outcome,
)
from rag_app.ui.citations import citation_label, cited_sources, escape_markdown, highlight
from rag_app.ui.feedback import FeedbackStore
from rag_app.ui.i18n import LANGUAGES, Lang, language_of_locale, t

MAX_K = 10
MEGABYTE = 1024 * 1024


@st.cache_resource(show_spinner="Loading the embedding model and the knowledge base…")
def load_assistant() -> Assistant:
    """One Assistant per server process: the embedding model and the store are loaded once."""
    return Assistant(Settings())


@st.cache_resource
def load_feedback() -> FeedbackStore:
    return FeedbackStore(load_assistant().settings.rag_data_dir / "feedback.sqlite3")


def record_feedback(turn: Turn) -> None:
    """on_change of an answer's thumbs: 1 is 👍, 0 is 👎, None means the thumb was taken back."""
    value = st.session_state[f"feedback-{turn.id}"]
    if value is None:
        load_feedback().forget(turn.id)
        return
    answer = turn.answer
    load_feedback().record(turn.question, answer.text, [doc for _, doc in cited_sources(answer)],
                           "up" if value == 1 else "down", answer_id=turn.id, refused=answer.refused)


def new_conversation() -> None:
    st.session_state.turns = []
    st.session_state.products = []


def product_picker(assistant: Assistant, lang: Lang) -> dict[str, list[str]] | None:
    """The products to answer from, kept for the conversation; shown when the guides cover several."""
    products = assistant.products()
    st.session_state.products = [p for p in st.session_state.products if p in products]
    if len(products) > 1:
        st.multiselect(t("products", lang), products, key="products", placeholder=t("products_all", lang),
                       help=t("products_help", lang))
    return product_filters(st.session_state.products)


def choose_product(turn: Turn, product: str) -> None:
    """A product button under a question back: answer the original question about that product."""
    st.session_state.pending_choice = (turn.question, product)


def cancel_removal() -> None:
    st.session_state.confirm_remove = None


def remove_guide(source: str, lang: Lang) -> None:
    removed = load_assistant().remove(source)
    st.session_state.confirm_remove = None
    st.session_state.kb_message = t("removed", lang, name=source, n=removed)


def render_answer(turn: Turn, info: KnowledgeBaseInfo, lang: Lang) -> None:
    """The final answer: notice, text, then its citations (or what to ask instead), then 👍/👎."""
    answer = turn.answer
    if answer.notice:
        st.warning(answer.notice, icon=":material/warning:")
    st.markdown(answer_markdown(answer.text))
    if answer.clarify is not None:
        for column, option in zip(st.columns(len(answer.clarify.options)), answer.clarify.options, strict=True):
            column.button(option["label"], key=f"choice-{turn.id}-{option['product']}", on_click=choose_product,
                          args=(turn, option["product"]), width="stretch")
        return
    if answer.refused:
        # The suggestion reads on from the refusal, so it takes the question's language too.
        suggestion = guide_suggestion(info.guides, detect_language(turn.question))
        st.info(suggestion if info.guides else t("empty_kb", lang), icon=":material/lightbulb:")
    elif answer.sources:
        st.caption(t("sources", lang))
        tokenize = load_assistant().keyword.tokenize
        for number, doc in cited_sources(answer):
            with st.expander(citation_label(number, doc)):
                meta = doc.metadata
                score = meta.get("score")
                facts = [("guide", meta.get("source")), ("section", meta.get("section")), ("page", meta.get("page")),
                         ("relevance", None if score is None else f"{score:.2f}")]
                st.caption(" · ".join(t("field", lang, label=t(key, lang), value=escape_markdown(str(value)))
                                      for key, value in facts if value not in (None, "")))
                st.markdown(highlight(doc.page_content, turn.question, tokenize), unsafe_allow_html=True)
    st.feedback("thumbs", key=f"feedback-{turn.id}", on_change=record_feedback, args=(turn,))


def ask(question: str, k: int, info: KnowledgeBaseInfo, lang: Lang, filters: dict[str, list[str]] | None,
        choice: str | None = None) -> None:
    """Stream the answer under the question, then keep the turn and show it in full."""
    with st.chat_message("user"):
        st.markdown(escape_markdown(choice or question))
    with st.chat_message("assistant"):
        stream = AnswerStream(load_assistant().stream(question, history(st.session_state.turns), k, filters))
        streaming = st.empty()
        with streaming.container():
            with st.spinner(t("thinking", lang)):
                stream.start()
            st.write_stream(stream)
        streaming.empty()
        assert stream.answer is not None, "Assistant.stream ends with an Answer"
        turn = Turn(question, stream.answer, choice=choice)
        st.session_state.turns.append(turn)
        render_answer(turn, info, lang)


def ingest_uploads(assistant: Assistant, lang: Lang) -> None:
    """Upload widget; each new file is ingested once (reruns keep the file but skip it), then reported."""
    files = st.file_uploader(
        t("upload", lang), type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES), accept_multiple_files=True,
        help=t("upload_help", lang), max_upload_size=max(1, assistant.settings.max_upload_bytes // MEGABYTE),
        key="uploads",
    )
    reports: dict[str, tuple[str, IngestReport]] = st.session_state.upload_reports
    new = [f for f in files if f.file_id not in reports]
    if new:
        bar = st.progress(0.0)
        for i, file in enumerate(new):
            bar.progress(i / len(new), text=t("ingesting", lang, name=file.name, i=i + 1, n=len(new)))
            reports[file.file_id] = (file.name, assistant.ingest_upload(file.name, file.getvalue()))
        bar.empty()
    for file in files:
        kind, message = upload_outcome(*reports[file.file_id], lang)
        getattr(st, kind)(escape_markdown(message))


def render_knowledge_base(info: KnowledgeBaseInfo, lang: Lang) -> None:
    st.subheader(t("kb", lang))
    st.markdown(t("guides_count", lang, guides=len(info.guides), chunks=info.chunks))
    if info.guides:
        guides = sorted(info.guides.items())
        st.dataframe({t("guide", lang): [g for g, _ in guides], t("chunks_header", lang): [n for _, n in guides]},
                     hide_index=True, width="stretch")
    mode = t("mode_llm", lang, model=info.llm_model) if info.mode == "llm" else t("mode_extractive", lang)
    facts = (("embedding_model", info.embedding_model), ("mode", mode), ("store", info.store))
    st.caption("  \n".join(t("field", lang, label=t(key, lang), value=escape_markdown(value)) for key, value in facts))


def remove_widgets(info: KnowledgeBaseInfo, lang: Lang) -> None:
    """Pick a guide, press remove, then confirm: deleting a guide cannot be undone."""
    source = st.selectbox(t("remove", lang), sorted(info.guides), index=None, placeholder="—")
    if st.button(t("remove_button", lang), disabled=source is None):
        st.session_state.confirm_remove = source
    pending = st.session_state.confirm_remove
    if pending in info.guides:
        st.warning(escape_markdown(t("remove_confirm", lang, name=pending, n=info.guides[pending])))
        yes, no = st.columns(2)
        yes.button(t("remove_yes", lang), type="primary", on_click=remove_guide, args=(pending, lang))
        no.button(t("cancel", lang), on_click=cancel_removal)
    if message := st.session_state.pop("kb_message", None):
        st.success(escape_markdown(message))


def export_feedback() -> bytes:
    buffer = io.StringIO()
    load_feedback().export_qa(buffer)
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    state = st.session_state
    state.setdefault("lang", language_of_locale(st.context.locale))
    for key, empty in (("turns", []), ("upload_reports", {}), ("confirm_remove", None), ("products", [])):
        state.setdefault(key, empty)
    lang: Lang = state.lang
    st.set_page_config(page_title=t("title", lang), page_icon="🧰")
    assistant = load_assistant()

    with st.sidebar:
        st.radio("语言 · Language", list(LANGUAGES), format_func=LANGUAGES.__getitem__, horizontal=True, key="lang")
        st.subheader(t("conversation", lang))
        st.button(t("new_chat", lang), icon=":material/add_comment:", on_click=new_conversation, width="stretch")
        filters = product_picker(assistant, lang)
        k = st.slider(t("k", lang), 1, MAX_K, min(assistant.settings.retrieval_k, MAX_K), help=t("k_help", lang))
        knowledge_base = st.container()  # filled after the uploads, so it counts them
        ingest_uploads(assistant, lang)
        info = assistant.info()
        with knowledge_base:
            render_knowledge_base(info, lang)
        remove_widgets(info, lang)
        st.subheader(t("feedback", lang))
        counts = load_feedback().counts()
        st.caption(t("feedback_counts", lang, **counts))
        st.download_button(t("export", lang), export_feedback, file_name="feedback_qa.jsonl",
                           mime="application/jsonl", help=t("export_help", lang), disabled=not counts["down"],
                           icon=":material/download:", width="stretch")

    st.title(t("title", lang))
    st.caption(t("subtitle", lang))
    if not info.chunks:
        st.info(t("empty_kb", lang))
    for turn in state.turns:
        with st.chat_message("user"):
            st.markdown(escape_markdown(turn.choice or turn.question))
        with st.chat_message("assistant"):
            render_answer(turn, info, lang)
    if choice := state.pop("pending_choice", None):
        question, product = choice
        ask(question, k, info, lang, {**(filters or {}), "product": [product]}, choice=product)
    if question := st.chat_input(t("ask", lang)):
        ask(question, k, info, lang, filters)


main()
