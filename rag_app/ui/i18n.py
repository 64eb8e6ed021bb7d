"""The chat page's labels in Chinese and English.

Only the page chrome is translated here; answers follow the question's language (the core decides).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGUAGES: dict[Lang, str] = {"zh": "中文", "en": "English"}

_LABELS: dict[str, dict[Lang, str]] = {
    "title": {"zh": "保养指南问答", "en": "Care guide assistant"},
    "subtitle": {
        "zh": "根据已收录的保养与维护指南回答问题，并注明出处。",
        "en": "Answers from the indexed care and maintenance guides, with citations.",
    },
    "ask": {"zh": "请输入问题，例如：帐篷怎么清洁？", "en": "Ask a question, e.g. How do I clean the burner?"},
    "thinking": {"zh": "正在检索指南…", "en": "Searching the guides…"},
    "sources": {"zh": "出处", "en": "Sources"},
    "guide": {"zh": "指南", "en": "Guide"},
    "section": {"zh": "章节", "en": "Section"},
    "page": {"zh": "页码", "en": "Page"},
    "relevance": {"zh": "相关度", "en": "Relevance"},
    "field": {"zh": "{label}：{value}", "en": "{label}: {value}"},
    "suggest": {
        "zh": "可以问问这些指南涉及的内容：",
        "en": "You can ask about what these guides cover:",
    },
    "empty_kb": {
        "zh": "知识库还是空的：请在侧边栏上传指南。",
        "en": "The knowledge base is empty: upload guides in the sidebar.",
    },
    # Sidebar
    "kb": {"zh": "知识库", "en": "Knowledge base"},
    "guides_count": {"zh": "{guides} 份指南，共 {chunks} 个片段", "en": "{guides} guides, {chunks} chunks in all"},
    "chunks_header": {"zh": "片段", "en": "Chunks"},
    "embedding_model": {"zh": "向量模型", "en": "Embedding model"},
    "mode": {"zh": "回答方式", "en": "Answers"},
    "mode_llm": {"zh": "大模型 {model}", "en": "LLM {model}"},
    "mode_extractive": {"zh": "摘录原文（未配置大模型）", "en": "extractive quotes (no LLM configured)"},
    "store": {"zh": "存储位置", "en": "Store"},
    "upload": {"zh": "上传指南", "en": "Upload guides"},
    "upload_help": {
        "zh": "支持 .md .txt .pdf .docx .html；上传后立即入库。",
        "en": "Supports .md .txt .pdf .docx .html; ingested right away.",
    },
    "ingesting": {"zh": "正在入库 {name}（{i}/{n}）", "en": "Ingesting {name} ({i}/{n})"},
    "ingested": {"zh": "{name}：已入库，新增 {chunks} 个片段", "en": "{name}: ingested, {chunks} chunks added"},
    "unchanged": {"zh": "{name}：内容未变，无需重新入库", "en": "{name}: unchanged, already ingested"},
    "failed": {"zh": "{name}：入库失败 — {error}", "en": "{name}: could not be ingested — {error}"},
    "remove": {"zh": "删除指南", "en": "Remove a guide"},
    "remove_button": {"zh": "删除", "en": "Remove"},
    "remove_confirm": {
        "zh": "确定删除 {name}（{n} 个片段）吗？此操作无法撤销。",
        "en": "Remove {name} ({n} chunks)? This cannot be undone.",
    },
    "remove_yes": {"zh": "确认删除", "en": "Yes, remove"},
    "cancel": {"zh": "取消", "en": "Cancel"},
    "removed": {"zh": "已删除 {name}（{n} 个片段）", "en": "Removed {name} ({n} chunks)"},
    "conversation": {"zh": "对话", "en": "Conversation"},
    "new_chat": {"zh": "新对话", "en": "New conversation"},
    "products": {"zh": "产品", "en": "Products"},
    "products_all": {"zh": "全部产品", "en": "All products"},
    "products_help": {
        "zh": "只从所选产品的指南中回答；本次对话中一直有效。",
        "en": "Answer from the chosen products' guides only; kept for this conversation.",
    },
    "k": {"zh": "参考片段数", "en": "Passages to use"},
    "k_help": {
        "zh": "每个回答检索并引用的指南片段数量。",
        "en": "How many guide passages each answer is drawn from.",
    },
    "feedback": {"zh": "反馈", "en": "Feedback"},
    "feedback_counts": {"zh": "👍 {up} · 👎 {down}", "en": "👍 {up} · 👎 {down}"},
    "export": {"zh": "导出 👎 问题为评测集", "en": "Export 👎 as eval cases"},
    "export_help": {
        "zh": "每行一个 JSON（id, question, answer, source, section, page），answer 留空待人工补写。",
        "en": "One JSON per line (id, question, answer, source, section, page); answer left null for review.",
    },
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The label in `lang`, with `{placeholders}` filled in."""
    text = _LABELS[key][lang]
    return text.format(**values) if values else text


def language_of_locale(locale: str | None) -> Lang:
    """Chinese for a zh-* browser, English otherwise (and when the browser does not say)."""
    return "zh" if locale and locale.lower().startswith("zh") else "en"
