"""The labels of the chat page and the staff console in Chinese and English.

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
        "zh": "还没有收录任何指南。",
        "en": "No guides have been added yet.",
    },
    "page_chat": {"zh": "问答", "en": "Chat"},
    "page_console": {"zh": "管理后台", "en": "Staff console"},
    # Sidebar
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
    "feedback_counts": {"zh": ":material/thumb_up: {up} · :material/thumb_down: {down}",
                        "en": ":material/thumb_up: {up} · :material/thumb_down: {down}"},
    "export": {"zh": "导出差评问题为评测用例", "en": "Export disliked answers as eval cases"},
    "export_help": {
        "zh": "每行一个 JSON（id, question, answer, source, section, page），answer 留空待人工补写。",
        "en": "One JSON per line (id, question, answer, source, section, page); answer left null for review.",
    },
    # Staff console
    "console": {"zh": "管理后台", "en": "Staff console"},
    "console_sign_in": {"zh": "管理后台：登录", "en": "Staff console: sign in"},
    "password": {"zh": "密码", "en": "Password"},
    "sign_in": {"zh": "登录", "en": "Sign in"},
    "sign_in_oidc": {"zh": "用公司账号登录", "en": "Sign in with your company account"},
    "not_staff": {"zh": "{email} 不在管理员名单（STAFF_EMAILS）中。", "en": "{email} is not on the staff list (STAFF_EMAILS)."},
    "wrong_password": {"zh": "密码不正确。", "en": "Wrong password."},
    "sign_in_wait": {"zh": "尝试次数过多：请 {s} 秒后再试。", "en": "Too many attempts: try again in {s} s."},
    "sign_out": {"zh": "退出登录", "en": "Sign out"},
    "tab_guides": {"zh": "指南", "en": "Guides"},
    "tab_unanswered": {"zh": "未回答的问题", "en": "Unanswered questions"},
    "tab_quality": {"zh": "质量", "en": "Quality"},
    "empty_kb_console": {"zh": "知识库是空的：在上方上传指南。", "en": "The knowledge base is empty: upload guides above."},
    "open_guide": {"zh": "打开指南", "en": "Open a guide"},
    "language": {"zh": "语言", "en": "Language"},
    "ingested_at": {"zh": "入库时间", "en": "Ingested"},
    "sections": {"zh": "章节", "en": "Sections"},
    "reingest": {"zh": "重新入库", "en": "Re-ingest"},
    "unanswered_help": {
        "zh": "指南无法回答（拒答）或回答被评为没有帮助的问题，按含义归组，提问最多的在前：这就是接下来要写的指南。",
        "en": "Questions the guides could not answer (refused) or whose answer was rated unhelpful, grouped by "
              "meaning, most asked first: the guides to write next.",
    },
    "log_off": {"zh": "问题记录已关闭（QUESTION_LOG=false）。", "en": "Question logging is off (QUESTION_LOG=false)."},
    "outcome": {"zh": "类型", "en": "Outcome"},
    "outcome_all": {"zh": "全部", "en": "All"},
    "outcome_refused": {"zh": "拒答", "en": "Refused"},
    "outcome_disliked": {"zh": ":material/thumb_down: 差评", "en": ":material/thumb_down: Disliked"},
    "none_unanswered": {"zh": "目前没有未回答的问题。", "en": "No unanswered questions at the moment."},
    "question": {"zh": "问题", "en": "Question"},
    "count": {"zh": "次数", "en": "Asked"},
    "last_asked": {"zh": "最近提问", "en": "Last asked"},
    "examples": {"zh": "问法示例", "en": "Examples"},
    "found": {"zh": "最接近的指南", "en": "Closest guides"},
    "export_group": {"zh": "导出为评测用例", "en": "Export as eval cases"},
    "mark_done": {"zh": "标记为已处理", "en": "Mark done"},
    "gate": {"zh": "拒答门槛", "en": "Refusal gate"},
    "gate_help": {
        "zh": "本知识库按问题语言自动校准的相似度门槛（“zh>en”：中文问题、最相关片段为英文）：低于“拒答线”且无其他"
              "证据时拒答，达到“直接回答”时回答。来源：{origin}，校准于 {at}，自检问题回答率 {self_check}。",
        "en": "Similarity levels this knowledge base calibrated per question language (\"zh>en\": a Chinese question "
              "whose best passage is English): below \"refuse below\" a question is refused unless other evidence "
              "holds, from \"answer from\" it is answered. Origin: {origin}, calibrated {at}, own questions "
              "answered {self_check}.",
    },
    "gate_overridden": {"zh": "以下设置覆盖了校准值：{names}", "en": "Overridden by settings: {names}"},
    "gate_language": {"zh": "问题语言", "en": "Question language"},
    "gate_threshold": {"zh": "拒答线", "en": "Refuse below"},
    "gate_confident": {"zh": "直接回答", "en": "Answer from"},
    "gate_floor": {"zh": "下限", "en": "Floor"},
    "gate_certain": {"zh": "确定", "en": "Certain"},
    "gate_bank": {"zh": "无关问题 p95", "en": "Bank p95"},
    "eval": {"zh": "评测", "en": "Evaluation"},
    "eval_unset": {
        "zh": "设置 RAG_EVAL_FILE（问答集 JSONL）和 RAG_EVAL_DOCS（其指南目录）后可在此运行评测。",
        "en": "Set RAG_EVAL_FILE (a QA file, JSON lines) and RAG_EVAL_DOCS (the folder of its guides) to run "
              "the eval here.",
    },
    "eval_help": {"zh": "问答集 {file}，指南 {docs}", "en": "QA set {file}, guides {docs}"},
    "run_eval": {"zh": "运行评测", "en": "Run the eval"},
    "eval_running": {"zh": "正在评测（在临时库中入库并回答每个问题）…", "en": "Evaluating (ingests into a scratch store, "
                     "answers every question)…"},
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The label in `lang`, with `{placeholders}` filled in."""
    text = _LABELS[key][lang]
    return text.format(**values) if values else text


def language_of_locale(locale: str | None) -> Lang:
    """Chinese for a zh-* browser, English otherwise (and when the browser does not say)."""
    return "zh" if locale and locale.lower().startswith("zh") else "en"
