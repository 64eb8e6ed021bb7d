"""The browser app (`streamlit run streamlit_app.py`): the public chat, and the staff console behind sign-in.

Each page lives in rag_app/ui (chat_page.py, console.py); this file only picks the pages. The console
is registered only when a staff credential is configured, and listed in the navigation only for a
signed-in session: customers see a chat with no way in, staff open /console.
"""

from __future__ import annotations

import streamlit as st

from rag_app.ui import chat_page, console
from rag_app.ui.i18n import LANGUAGES, Lang, language_of_locale, t
from rag_app.ui.resources import load_assistant


def main() -> None:
    st.session_state.setdefault("lang", language_of_locale(st.context.locale))
    lang: Lang = st.session_state.lang
    st.set_page_config(page_title=t("title", lang), page_icon="🧰")
    settings = load_assistant().settings
    pages = [st.Page(chat_page.render, title=t("page_chat", lang), icon=":material/chat:", url_path="chat",
                     default=True)]
    if console.staff_configured(settings):
        pages.append(st.Page(console.render, title=t("page_console", lang), icon=":material/admin_panel_settings:",
                             url_path="console"))
    page = st.navigation(pages, position="sidebar" if console.signed_in(settings) else "hidden")
    with st.sidebar:
        st.radio("语言 · Language", list(LANGUAGES), format_func=LANGUAGES.__getitem__, horizontal=True, key="lang")
    page.run()


main()
