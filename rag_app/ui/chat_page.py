"""The public chat page: the conversation, citations, 👍/👎, language, products and a new chat; nothing else.

Customers see no upload, removal, export, store path or model name: those are the staff console's.
"""

from __future__ import annotations

import streamlit as st

from ingest.text import detect_language
from rag_app.answer.stream import AnswerStream
from rag_app.assistant import Assistant, KnowledgeBaseInfo
from rag_app.ui.chat import Turn, answer_markdown, guide_suggestion, history, product_filters
from rag_app.ui.citations import citation_label, cited_sources, escape_markdown, highlight
from rag_app.ui.i18n import Lang, t
from rag_app.ui.resources import load_assistant, load_feedback

MAX_K = 10


def record_feedback(turn: Turn) -> None:
    """on_change of an answer's thumbs: 1 is 👍, 0 is 👎, None means the thumb was taken back.

    A 👎 also goes to the unanswered-questions log, which the console groups for the guide writers.
    With QUESTION_LOG off no question text is kept anywhere, so ratings are not stored either.
    """
    value = st.session_state[f"feedback-{turn.id}"]
    assistant = load_assistant()
    if not assistant.settings.question_log:
        return
    assistant.forget_dislike(turn.id)
    if value is None:
        load_feedback().forget(turn.id)
        return
    answer = turn.answer
    load_feedback().record(turn.question, answer.text, [doc for _, doc in cited_sources(answer)],
                           "up" if value == 1 else "down", answer_id=turn.id, refused=answer.refused)
    if value == 0:
        assistant.record_dislike(turn.question, answer, turn.id)


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


def render() -> None:
    """The chat page (the app's default page)."""
    state = st.session_state
    for key, empty in (("turns", []), ("products", [])):
        state.setdefault(key, empty)
    lang: Lang = state.lang
    assistant = load_assistant()
    with st.sidebar:
        st.subheader(t("conversation", lang))
        st.button(t("new_chat", lang), icon=":material/add_comment:", on_click=new_conversation, width="stretch")
        filters = product_picker(assistant, lang)
        k = st.slider(t("k", lang), 1, MAX_K, min(assistant.settings.retrieval_k, MAX_K), help=t("k_help", lang))

    info = assistant.info()
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
