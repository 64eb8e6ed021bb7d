"""The answering layer: LLM answers through the real openai client against a fake server, and quotes."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_openai import ChatOpenAI
from pydantic import SecretStr
from support.clock import FakeClock
from support.fake_llm import FakeLLM, Fault
from support.net import closed_port_url

from ingest.text import detect_language
from rag_app.answer import REFUSAL_SENTENCE, Answer, Answerer, make_chat_model
from rag_app.settings import Settings


def doc(id_: str, text: str, source: str, section: str, page: int | None, score: float) -> Document:
    return Document(page_content=text,
                    metadata={"id": id_, "source": source, "section": section, "page": page, "score": score})


EN = [
    doc("a", "Filter care\n"
             "Clean the filter once a month to keep the dishwasher draining well.\n"
             "WARNING: Disconnect the power before removing the filter.\n"
             "1. Turn the filter anticlockwise and lift it out.\n"
             "2. Rinse the filter under warm running water.\n"
             "3. Refit the filter and turn it clockwise until it locks.",
        "dishwasher.pdf", "Care > Filter", 12, 0.91),
    doc("b", "Check the spray arms every three months. Remove limescale from the nozzles with a toothpick. "
             "The spray arms should turn freely.", "dishwasher.pdf", "Care > Spray arms", 13, 0.84),
    doc("c", "Descale the coffee machine every 200 cups. Use only the supplied descaling agent.",
        "coffee.pdf", "", None, 0.81),
]
ZH = [
    doc("d", "羽绒服建议使用中性洗涤剂手洗，水温不超过30℃。\n"
             "注意：不要拧干羽绒服，以免羽绒结块。\n"
             "1. 将羽绒服浸泡在温水中十分钟。\n"
             "2. 轻轻按压清洗，重点清洁领口和袖口。\n"
             "3. 用清水漂洗干净后平铺晾干。",
        "羽绒服保养.docx", "保养 > 清洗", None, 0.9),
    doc("e", "羊毛衫收纳前应清洗干净并完全晾干。存放时放入樟脑丸防虫。", "羊毛衫保养.docx", "保养 > 收纳", None, 0.85),
]
ANSWER_EN = "Turn the filter anticlockwise, lift it out and rinse it [1]. " \
            "WARNING: Disconnect the power before removing the filter [1]."


def llm_settings(base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"openai_base_url": base_url, "llm_model": "fake-model", "llm_timeout_s": 5.0,
                              "llm_max_retries": 0, **overrides}
    return Settings(_env_file=None, **values)


def answerer(fake: FakeLLM, **overrides: Any) -> Answerer:
    settings = llm_settings(fake.base_url, **overrides)
    return Answerer(settings, make_chat_model(settings))


def extractive() -> Answerer:
    return Answerer(Settings(_env_file=None), None)


def consume(items: list[str | Answer]) -> tuple[list[str], Answer]:
    *deltas, final = items
    assert all(isinstance(d, str) for d in deltas)
    assert isinstance(final, Answer)
    return [d for d in deltas if isinstance(d, str)], final


def prompt_text(request: dict[str, Any]) -> str:
    return "\n".join(m["content"] for m in request["messages"])


# --- setup -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "language"), [
    ("How do I clean the filter?", "en"),
    ("羽绒服怎么清洗？", "zh"),
    ("如何清洁 HEPA filter？", "zh"),
    ("How do I clean the 滤网 of my purifier?", "en"),
    ("LF-3 Pro 有多重？", "zh"),  # a model's letters are no English words
    ("R5 的 Wi-Fi 怎么重置？", "zh"),
    ("What does E21 on the 极光 800 mean?", "en"),
    ("", "en"),
])
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_chat_model_only_when_configured() -> None:
    assert make_chat_model(Settings(_env_file=None)) is None
    assert make_chat_model(Settings(_env_file=None, openai_base_url="http://127.0.0.1:9/v1")) is None

    model = make_chat_model(llm_settings("http://127.0.0.1:9/v1", llm_timeout_s=7.0, llm_max_retries=3))
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
    assert isinstance(model.openai_api_key, SecretStr) and model.openai_api_key.get_secret_value() == "not-needed"
    assert (model.model_name, model.request_timeout, model.max_retries) == ("fake-model", 7.0, 3)
    assert model.streaming is True


# --- LLM mode ----------------------------------------------------------------------------------------


def test_streams_deltas_then_a_cited_answer_from_a_grounded_prompt(fake_llm: FakeLLM) -> None:
    fake_llm.reply(ANSWER_EN)
    deltas, final = consume(list(answerer(fake_llm).stream("How do I clean the filter?", EN)))

    assert len(deltas) >= 3 and "".join(deltas) == ANSWER_EN
    assert final == Answer(text=ANSWER_EN, refused=False, mode="llm", sources=EN, notice=None)

    (request,) = fake_llm.chat_requests
    assert request["stream"] is True and request["model"] == "fake-model"
    assert request["auth"] == "Bearer not-needed"
    system, user = request["messages"]
    assert system["role"] == "system" and "English" in system["content"]
    assert REFUSAL_SENTENCE["en"] in system["content"] and "WARNING" in system["content"]
    for n, passage in enumerate(EN, 1):
        assert f"[{n}] guide: {passage.metadata['source']}" in user["content"]
        assert passage.page_content in user["content"]
    assert "section: Care > Filter | page 12" in user["content"]
    assert user["content"].rstrip().endswith("<question>\nHow do I clean the filter?\n</question>")


def test_answer_is_the_end_of_the_stream_in_the_question_language(fake_llm: FakeLLM) -> None:
    fake_llm.reply("用温水浸泡后轻轻按压清洗[1]。注意：不要拧干羽绒服[1]。")
    answer = answerer(fake_llm).answer("羽绒服怎么清洗？", ZH)

    assert answer.text == "用温水浸泡后轻轻按压清洗[1]。注意：不要拧干羽绒服[1]。"
    assert (answer.mode, answer.refused, answer.sources) == ("llm", False, ZH)
    assert "Simplified Chinese" in fake_llm.chat_requests[0]["messages"][0]["content"]
    assert REFUSAL_SENTENCE["zh"] in fake_llm.chat_requests[0]["messages"][0]["content"]


def test_plain_json_when_streaming_is_off(fake_llm: FakeLLM) -> None:
    fake_llm.reply(ANSWER_EN)
    deltas, final = consume(list(answerer(fake_llm, llm_streaming=False).stream("How do I clean it?", EN)))

    assert deltas == [ANSWER_EN] and final.text == ANSWER_EN and final.mode == "llm"
    assert not fake_llm.chat_requests[0].get("stream")
    assert fake_llm.chat_requests[0]["max_tokens"] == 1024


def test_uncited_answer_keeps_sources_and_unknown_citations_are_dropped(fake_llm: FakeLLM) -> None:
    fake_llm.reply("Rinse the filter under warm water [1][7].", "Rinse the filter under warm water.")
    model = answerer(fake_llm)

    assert model.answer("How do I clean the filter?", EN).text == "Rinse the filter under warm water [1]."
    uncited = model.answer("How do I clean the filter?", EN)
    assert uncited.text == "Rinse the filter under warm water." and uncited.sources == EN


@pytest.mark.parametrize(("question", "reply", "language"), [
    ("How do I repair the motor?", "The guides don’t cover this.", "en"),
    ("How do I repair the motor?", REFUSAL_SENTENCE["en"] + " Sorry!", "en"),
    ("电机坏了怎么修？", REFUSAL_SENTENCE["zh"], "zh"),
])
def test_llm_refusal_sentence_is_a_refusal(fake_llm: FakeLLM, question: str, reply: str,
                                           language: str) -> None:
    fake_llm.reply(reply)
    answer = answerer(fake_llm).answer(question, EN)

    assert answer.refused and answer.mode == "llm" and answer.sources == []
    assert answer.text.startswith(REFUSAL_SENTENCE[language])  # type: ignore[index]


@pytest.mark.parametrize(("question", "language"), [("How do I repair the motor?", "en"), ("电机坏了怎么修？", "zh")])
def test_no_passages_is_a_refusal_without_calling_the_llm(fake_llm: FakeLLM, question: str,
                                                          language: str) -> None:
    answer = answerer(fake_llm).answer(question, [])

    assert answer.refused and answer.sources == [] and answer.notice is None
    assert answer.text.startswith(REFUSAL_SENTENCE[language])  # type: ignore[index]
    assert len(answer.text) > len(REFUSAL_SENTENCE[language]) + 10  # type: ignore[index]
    assert fake_llm.requests == []


def test_history_reaches_the_answer_prompt_without_old_citations(fake_llm: FakeLLM) -> None:
    history = [{"role": "user", "content": "How do I clean the filter?"},
               {"role": "assistant", "content": "Rinse it under warm water [2]."}]
    answerer(fake_llm).answer("How often?", EN, history)

    roles = [m["role"] for m in fake_llm.chat_requests[0]["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert fake_llm.chat_requests[0]["messages"][2]["content"] == "Rinse it under warm water ."


# --- failures ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "reason"), [
    (Fault.ERROR_500, "HTTP 500"),
    (Fault.UNAUTHORIZED, "HTTP 401"),
    (Fault.SLOW, "timeout"),
    (Fault.DROP, "connection error"),
])
def test_llm_failure_falls_back_to_quotes_with_a_notice(fake_llm: FakeLLM, fault: Fault, reason: str) -> None:
    fake_llm.reply(fault)
    deltas, final = consume(list(answerer(fake_llm, llm_timeout_s=0.5).stream("How do I clean the filter?", EN)))

    assert final.mode == "extractive" and not final.refused and final.sources == EN
    assert final.notice == (f"The language model is unavailable ({reason}); "
                            "showing the most relevant passages instead.")
    assert final.text.startswith("Quoted from the guides:") and "[1]" in final.text
    if fault is not Fault.DROP:  # a dropped stream already showed its first deltas
        assert deltas == [final.text]


def test_401_is_not_retried(fake_llm: FakeLLM) -> None:
    fake_llm.reply(Fault.UNAUTHORIZED)
    answerer(fake_llm, llm_max_retries=3).answer("How do I clean the filter?", EN)

    assert len(fake_llm.chat_requests) == 1


def test_connection_refused_falls_back_in_chinese() -> None:
    settings = llm_settings(closed_port_url())
    answer = Answerer(settings, make_chat_model(settings)).answer("羽绒服怎么清洗？", ZH)

    assert answer.mode == "extractive" and answer.text.startswith("以下内容摘自指南：")
    assert answer.notice == "语言模型暂不可用（连接出错），以下为指南中最相关的原文。"


def test_an_outage_pauses_the_llm_then_it_is_tried_again(fake_llm: FakeLLM) -> None:
    fake_llm.reply(Fault.ERROR_500, ANSWER_EN)
    clock = FakeClock()
    settings = llm_settings(fake_llm.base_url, llm_retry_after_s=30)
    model = Answerer(settings, make_chat_model(settings), clock=clock)

    assert model.answer("How do I clean the filter?", EN).notice is not None
    paused = model.answer("How do I clean the filter?", EN)
    assert paused.mode == "extractive" and paused.notice is not None and "HTTP 500" in paused.notice
    assert len(fake_llm.chat_requests) == 1
    clock.advance(29)
    assert model.answer("How do I clean the filter?", EN).mode == "extractive"
    clock.advance(2)
    assert model.answer("How do I clean the filter?", EN).mode == "llm"
    assert len(fake_llm.chat_requests) == 2


def test_empty_reply_falls_back(fake_llm: FakeLLM) -> None:
    fake_llm.reply("   ")
    answer = answerer(fake_llm).answer("How do I clean the filter?", EN)

    assert answer.mode == "extractive" and answer.notice is not None and "empty reply" in answer.notice


# --- condensing follow-ups ---------------------------------------------------------------------------


HISTORY_EN = [{"role": "user", "content": "How do I clean the dishwasher filter?"},
              {"role": "assistant", "content": "Turn it anticlockwise, lift it out and rinse it [1]."}]
HISTORY_ZH = [{"role": "user", "content": "羊毛衫怎么洗？"},
              {"role": "assistant", "content": "用冷水手洗[1]。"}]


def test_condense_first_turn_makes_no_call(fake_llm: FakeLLM) -> None:
    assert answerer(fake_llm).condense("How do I clean the filter?", []) == "How do I clean the filter?"
    assert fake_llm.requests == []


def test_condense_rewrites_a_follow_up_from_the_history(fake_llm: FakeLLM) -> None:
    fake_llm.reply("Standalone question: \"How often should I clean the dishwasher filter?\"\nExtra chatter.")
    rewritten = answerer(fake_llm).condense("and how often?", HISTORY_EN)

    assert rewritten == "How often should I clean the dishwasher filter?"
    text = prompt_text(fake_llm.chat_requests[0])
    assert "How do I clean the dishwasher filter?" in text and "lift it out" in text
    assert "and how often?" in text


@pytest.mark.parametrize("reply", [Fault.ERROR_500, "You should wash it by hand [1].", ""])
def test_condense_falls_back_to_the_heuristic_without_a_rewritten_question(fake_llm: FakeLLM,
                                                                           reply: str | Fault) -> None:
    fake_llm.reply(reply)
    assert answerer(fake_llm).condense("那羽绒服呢？", HISTORY_ZH) == "羊毛衫怎么洗？ 那羽绒服呢？"
    assert len(fake_llm.chat_requests) == 1


@pytest.mark.parametrize(("question", "history", "expected"), [
    ("那羽绒服呢？", HISTORY_ZH, "羊毛衫怎么洗？ 那羽绒服呢？"),
    ("and how often?", HISTORY_EN, "How do I clean the dishwasher filter? and how often?"),
    ("How often?", [*HISTORY_EN, {"role": "user", "content": "what about it?"}],
     "How do I clean the dishwasher filter? How often?"),
    ("How do I descale the coffee machine?", HISTORY_EN, "How do I descale the coffee machine?"),
    ("咖啡机怎么除垢？", HISTORY_ZH, "咖啡机怎么除垢？"),
])
def test_condense_heuristic_in_extractive_mode(question: str, history: list[dict[str, str]],
                                               expected: str) -> None:
    assert extractive().condense(question, history) == expected


# --- extractive mode ---------------------------------------------------------------------------------


def test_extractive_english_quotes_the_steps_and_the_warning() -> None:
    deltas, answer = consume(list(extractive().stream("How do I clean the filter?", EN)))

    assert deltas == [answer.text]
    assert (answer.mode, answer.refused, answer.notice, answer.sources) == ("extractive", False, None, EN)
    assert answer.text == (
        "Quoted from the guides:\n"
        "- Clean the filter once a month to keep the dishwasher draining well. [1]\n"
        "- WARNING: Disconnect the power before removing the filter. [1]\n"
        "- 1. Turn the filter anticlockwise and lift it out. [1]\n"
        "- 2. Rinse the filter under warm running water. [1]\n"
        "- 3. Refit the filter and turn it clockwise until it locks. [1]"
    )


def test_extractive_chinese_picks_the_right_passage() -> None:
    answer = extractive().answer("羽绒服怎么清洗？", ZH)

    assert answer.text.startswith("以下内容摘自指南：\n")
    assert "注意：不要拧干羽绒服，以免羽绒结块。[1]" in answer.text
    assert "1. 将羽绒服浸泡在温水中十分钟。[1]" in answer.text
    assert "樟脑丸" not in answer.text and "[2]" not in answer.text


def test_extractive_cites_the_passage_the_sentences_come_from() -> None:
    answer = extractive().answer("How often should I descale the coffee machine?", EN)

    assert "- Descale the coffee machine every 200 cups. [3]" in answer.text
    assert "[1]" not in answer.text and answer.sources == EN


def test_extractive_mixed_question_over_chinese_passages() -> None:
    passages = [doc("f", "空气净化器说明\nHEPA 滤网每三个月更换一次。预滤网可以用吸尘器清洁。机身用干布擦拭。",
                    "purifier.pdf", "维护", 8, 0.9)]
    answer = extractive().answer("HEPA 滤网多久更换？", passages)

    assert answer.text.splitlines()[0] == "以下内容摘自指南："
    assert "- HEPA 滤网每三个月更换一次。[1]" in answer.text
    assert "空气净化器说明" not in answer.text  # a heading is not a sentence


def test_extractive_adds_a_warning_of_a_cited_passage_and_stays_short() -> None:
    long_passage = doc("g", " ".join(f"Sentence {i} is about the pump and other things." for i in range(30))
                       + "\nCAUTION: The pump may be hot.", "washer.pdf", "Pump", 3, 0.9)
    answer = extractive().answer("What about the pump?", [long_passage])
    quotes = [line for line in answer.text.splitlines()[1:] if "CAUTION" not in line]

    assert 2 <= len(quotes) and sum(len(q) for q in quotes) <= 700  # a long paragraph is cut to the budget
    assert "- CAUTION: The pump may be hot. [1]" in answer.text


def test_extractive_without_shared_terms_quotes_the_top_passage() -> None:
    answer = extractive().answer("Anything else?", EN)

    assert answer.text.splitlines()[1:4] == [
        "- Clean the filter once a month to keep the dishwasher draining well. [1]",
        "- WARNING: Disconnect the power before removing the filter. [1]",
        "- 1. Turn the filter anticlockwise and lift it out. [1]",
    ]


def test_extractive_skips_markdown_headings_and_off_topic_blocks() -> None:
    storage = doc("h", "## Storage\nStore the stove in its pouch in a dry place, with the canister detached.\n"
                       "Check the O-ring for cracks before every trip and replace it when it is brittle.",
                  "stove_en.md", "Storage", None, 0.9)
    cleaning = doc("i", "# TrailFlame Camping Stove Care\n## Cleaning the burner\n"
                        "1. Let the stove cool for at least 10 minutes.\n"
                        "2. Remove the burner cap and brush soot off with a soft brass brush.\n"
                        "3. Clear the jet with the cleaning needle supplied with the stove.",
                   "stove_en.md", "Cleaning the burner", None, 0.8)
    answer = extractive().answer("How should I store the stove?", [storage, cleaning])

    assert answer.text == (
        "Quoted from the guides:\n"
        "- Store the stove in its pouch in a dry place, with the canister detached. [1]"
    )


PURIFIER_CLEANING = doc("p1", "### 初效滤网清洁\n"
                        "初效滤网是复合滤网最外层的细网，用于拦截毛发和较大的灰尘颗粒。建议每 2 周清洁一次。\n"
                        "1. 关机并拔下电源插头。\n"
                        "2. 按下机身背部底部的卡扣，取下后盖板。\n"
                        "3. 取出复合滤网，将外层的初效滤网面朝上放置。\n"
                        "4. 用吸尘器的软毛刷头轻轻吸除初效滤网表面的灰尘和毛发。\n"
                        "5. 将滤网按原方向装回（拉手标签朝外），装好后盖板。\n"
                        "注意：复合滤网不可水洗。HEPA 层和活性炭层遇水后会失效。\n"
                        "- 160 -",
                        "air_purifier_zh.pdf", "日常清洁 > 初效滤网清洁", 160, 0.9)
PURIFIER_LIGHTS = doc("p2", "指示灯说明\n"
                      "- 滤网指示灯：绿色表示正常，红色常亮表示需准备更换滤网，红色闪烁表示必须立即更换。\n"
                      "- Wi-Fi 指示灯：快速闪烁表示等待配网，慢速闪烁表示正在连接。\n"
                      "- 童锁指示灯：亮起时所有按键锁定。",
                      "air_purifier_zh.pdf", "指示灯", 161, 0.8)


def test_extractive_quotes_a_procedure_from_its_first_step_with_its_warning() -> None:
    answer = extractive().answer("滤网怎么清洗？", [PURIFIER_CLEANING, PURIFIER_LIGHTS])
    lines = answer.text.splitlines()

    assert "- 1. 关机并拔下电源插头。[1]" in lines  # the safety step the old answers dropped
    assert lines.index("- 1. 关机并拔下电源插头。[1]") < lines.index("- 5. 将滤网按原方向装回（拉手标签朝外），装好后盖板。[1]")
    assert "- 注意：复合滤网不可水洗。HEPA 层和活性炭层遇水后会失效。[1]" in lines
    assert "160" not in answer.text  # a page number is never quoted
    assert "[2]" not in answer.text and "童锁" not in answer.text  # nor an unrelated list of lights


def test_extractive_quotes_the_list_item_the_question_names_not_its_neighbours() -> None:
    answer = extractive().answer("童锁指示灯亮了是什么意思？", [PURIFIER_LIGHTS, PURIFIER_CLEANING])

    assert answer.text.splitlines()[1:] == ["- 童锁指示灯：亮起时所有按键锁定。[1]"]


def test_extractive_quotes_the_table_row_asked_about() -> None:
    specs = doc("t", "Specifications\nItem | Value\nWeight | 92 g (stove only)\n"
                     "Burn time | About 75 minutes at full output on a 230 g canister\n"
                     "Boil time | 3 min 30 s for 1 L of water", "stove_en.md", "Specifications", None, 0.9)
    answer = extractive().answer("What is the burn time on one canister?", [specs])

    assert answer.text.splitlines()[1:] == ["- Burn time | About 75 minutes at full output on a 230 g canister [1]"]


def test_extractive_quotes_the_row_of_the_error_code_asked_about() -> None:
    codes = doc("c", "故障代码说明\n洗衣机出现故障时，显示屏会显示故障代码并发出提示音。\n"
                     "故障代码 | 含义 | 处理方法\nE10 | 进水超时 | 检查水龙头是否打开\n"
                     "E21 | 排水超时 | 检查排水管是否弯折或堵塞", "washer.docx", "故障代码说明", None, 0.9)
    answer = extractive().answer("洗衣机显示E21是什么意思？", [codes])

    assert answer.text.splitlines()[1:] == ["- 故障代码 | 含义 | 处理方法 [1]", "- E21 | 排水超时 | 检查排水管是否弯折或堵塞 [1]"]


def test_extractive_quotes_the_option_a_paragraph_lists_under_its_lead() -> None:
    settings = doc("s", "You can configure features that appear on the Lock screen. From Settings, tap Lock screen "
                        "for the following options: Clock style: Set the type and color of the clock. "
                        "Roaming clock: Change to digital clocks when roaming. "
                        "Notifications: Select which notifications to display on the Lock screen.",
                   "s10.md", "Clock and information", None, 0.9)
    answer = extractive().answer("How do I show notifications on the lock screen?", [settings])

    assert "Notifications: Select which notifications to display on the Lock screen." in answer.text
    assert "From Settings, tap Lock screen for the following options:" in answer.text
    assert "Roaming clock" not in answer.text and "Clock style" not in answer.text


def test_extractive_quotes_a_short_paragraph_whole() -> None:
    section = doc("z", "Set a time in a city on your World clock list to see the local times in other cities. "
                       "From Clock, tap World clock. Tap More options > Time zone converter. "
                       "Tap Menu to choose a different city. To return the clock to the current time, tap Reset.",
                  "s10.md", "Time zone converter", None, 0.9)
    answer = extractive().answer("How can I use the time zone converter?", [section])

    assert len(answer.text.splitlines()) == 6 and answer.text.endswith("tap Reset. [1]")


def test_extractive_a_step_that_mentions_danger_stays_in_its_procedure() -> None:
    stove = doc("w", "更换气罐\n1. 关闭炉头阀门，等待炉头冷却。\n2. 不要倒置气罐，以免造成危险。\n3. 逆时针拧下旧气罐，换上新气罐。",
                "stove_zh.md", "更换气罐", None, 0.9)
    answer = extractive().answer("怎么拧下旧气罐？", [stove])

    assert answer.text.splitlines()[1:] == [
        "- 1. 关闭炉头阀门，等待炉头冷却。[1]",
        "- 2. 不要倒置气罐，以免造成危险。[1]",
        "- 3. 逆时针拧下旧气罐，换上新气罐。[1]",
    ]


def test_extractive_a_procedure_too_long_to_quote_keeps_its_first_step_and_the_step_asked_about() -> None:
    steps = [f"{n}. Loosen bolt number {n} of the wheel cover a quarter turn with the supplied key and check "
             f"that the cover still sits flush against the rim." for n in range(1, 13)]
    steps[10] = "11. Lift the spare tyre out of the boot well and lay it flat next to the flat tyre."
    wheel = doc("v", "Changing a wheel\n" + "\n".join(steps), "car.md", "Changing a wheel", None, 0.9)
    answer = extractive().answer("How do I lift out the spare tyre?", [wheel])
    lines = answer.text.splitlines()[1:]

    assert lines[0].startswith("- 1. Loosen bolt number 1 ")
    assert "- 11. Lift the spare tyre out of the boot well and lay it flat next to the flat tyre. [1]" in lines
    assert sum(len(line) for line in lines) <= 800
