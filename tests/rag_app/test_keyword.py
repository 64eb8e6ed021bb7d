"""The keyword index: Chinese and English terms, persistence, incremental updates."""

from __future__ import annotations

from pathlib import Path

from ingest.text import Tokenizer
from rag_app.keyword import KeywordIndex


def test_tokenizer_segments_chinese_and_stems_english() -> None:
    tokens = Tokenizer()("帐篷的防水涂层 Cleaning the tents' zippers")
    assert "帐篷" in tokens and "防水" in tokens
    assert "clean" in tokens and "zipper" in tokens
    assert "the" not in tokens and "的" not in tokens


def test_a_code_or_word_is_found_however_its_hyphen_is_written() -> None:
    tokenize = Tokenizer()
    assert tokenize("Error F-03 on the display") == tokenize("error F03 on the display")
    assert tokenize("故障代码E-21") == tokenize("故障代码 E21")
    assert tokenize("Wi-Fi setup") == tokenize("wifi setup") and "5-10" in tokenize("wait 5-10 min")  # a range


def test_search_finds_exact_terms_in_both_languages(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update(
        {
            "washer": "洗衣机显示 E21 错误代码：排水超时，请清洁排水泵过滤器。",
            "tent": "Remove tree sap from the tent fly with mineral oil, then rinse.",
            "boots": "Re-wax leather hiking boots every few months.",
        }
    )
    assert index.search("E21是什么意思", 3)[0][0] == "washer"
    assert index.search("E-21 error", 3)[0][0] == "washer"
    assert index.search("how do I get sap off my tent?", 3)[0][0] == "tent"
    assert index.search("quantum chromodynamics", 3) == []


def test_updates_persist_and_another_instance_sees_them(tmp_path: Path) -> None:
    writer = KeywordIndex(tmp_path / "kw")
    writer.update({"a": "stove burner jet cleaning", "b": "sleeping bag loft storage"})
    reader = KeywordIndex(tmp_path / "kw")
    assert len(reader) == 2
    writer.update({"c": "backpack buckle repair"}, deleted=["a"])
    assert len(reader) == 2 and {i for i, _ in reader.search("burner buckle", 5)} == {"c"}


def test_an_index_an_older_tokenizer_made_says_so_until_rebuilt(tmp_path: Path) -> None:
    class OldTokenizer(Tokenizer):
        VERSION = Tokenizer.VERSION - 1

    KeywordIndex(tmp_path / "kw", OldTokenizer()).update({"a": "stove burner jet cleaning"})
    index = KeywordIndex(tmp_path / "kw")
    assert len(index) == 1 and not index.current
    index.replace_all({"a": "stove burner jet cleaning"})
    assert index.current and KeywordIndex(tmp_path / "kw").current


def test_product_names_count_as_known_terms_and_frequencies_count_chunks(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"a": "Empty the dustbin after every run.", "b": "Rinse the dustbin weekly.", "c": "Replace the filter."})
    assert index.document_frequency("dustbin") == 2 and index.document_frequency("Filter") == 1
    assert index.document_frequency("boiler") == 0
    alias = frozenset(index.tokenize("扫地机器人"))
    assert index.absent_share("扫地机器人的 dustbin") > 0.5
    assert index.absent_share("扫地机器人的 dustbin", known=alias) == 0.0


def test_most_held_is_what_one_chunk_holds_of_the_question_not_all_together(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"a": "Empty the dustbin after every run.", "b": "Rinse the filter weekly.", "c": "Store it dry."})
    question = "Can I rinse the dustbin?"
    assert index.coverage(question, ["a", "b"]) == 1.0  # together the two hold every term
    alone = [index.coverage(question, [chunk]) for chunk in ("a", "b")]
    assert 0.0 < min(alone) and index.most_held(question, ["a", "b"]) == max(alone) < 1.0
    assert index.most_held(question, ["c"]) == 0.0 and index.most_held(question, []) == 0.0


def test_a_question_jieba_cuts_differently_from_the_guides_is_cut_as_the_guides_are(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"a": "地钉 | Y 型铝合金地钉 10 根，长 18 cm", "b": "拔地钉时顺着钉入方向往外拔。", "c": "帐篷晾干后收纳。"})
    # jieba cuts "多少根地钉" as 根地|钉; the guides hold 地钉 and 根
    assert "根地" in index.tokenize("帐篷标配多少根地钉？")
    terms = index.query_terms("帐篷标配多少根地钉？")
    assert "地钉" in terms and "根" in terms and "根地" not in terms
    assert index.absent_share("帐篷有多少根地钉？", frozenset({"多少"})) == 0.0
    assert index.search("帐篷有多少根地钉？", 1)[0][0] == "a"
    # a word the guides never hold stays unknown
    assert index.absent_share("烤箱内部怎么清洁？") > 0.5


def test_a_question_s_contractions_and_reflexives_are_not_words_the_guides_lack(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"a": "Set the date and time from Settings.", "b": "Charge the device with the supplied cable.",
                  "c": "Clean the charging port with a dry brush."})
    # "won't" is won + t, "kid's" is kid + s: no guide writes them, and they say nothing of the subject
    assert set(index.term_weights("My device won't charge, I've set the time myself")) == {"devic", "charg", "set", "time"}
    assert index.absent_share("the device won't charge and the time isn't set: can I set it myself?") == 0.0
    assert index.absent_share("my kid's espresso grinder won't grind") > 0.9


def test_a_compound_word_counts_once_not_once_per_part(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"intro": "净化器开机后会自动检测空气质量，指示灯随之变色。",
                  "clean": "初效滤网每两周清洗一次，用清水冲洗后晾干。",
                  "replace": "复合滤网不可水洗，请按提示更换滤网。",
                  "store": "长期不用时，将机器放在干燥的房间里。"})
    # jieba's search mode cuts 净化器 into 净化, 化器 and 净化器: as three words they would outweigh 滤网 and 清洗
    assert {"净化", "化器", "净化器"} <= set(index.query_terms("净化器滤网怎么清洗？"))
    assert index.search("净化器滤网怎么清洗？", 1)[0][0] == "clean"
    # where the guides never use the compound (大面积), its parts are the words: 面积 weighs in full
    index.update({"area": "适用面积：20~35 平方米。", "room": "关闭房间门窗时，净化效果更好。"})
    assert index.search("适合多大面积的房间？", 1)[0][0] == "area"


def test_a_word_the_guides_lack_counts_once_among_the_unknown_terms(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"smell": "新滤网在最初几天可能有轻微气味，属于正常现象。", "swap": "更换滤网后长按复位键。",
                  "light": "开机后指示灯亮起。", "shell": "每周清洁一次外壳。"})
    # search mode yields 吹出来 and its parts 吹出 and 出来: one unknown word among known ones (0.62 as three)
    assert {"吹出", "出来", "吹出来"} <= set(index.query_terms("新滤网吹出来有气味正常吗"))
    assert index.absent_share("新滤网吹出来有气味正常吗") < 0.5


def test_characters_jieba_cut_apart_are_searched_as_the_guides_word(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.update({"poles": "收起帐杆时，从中间节开始折叠。", "inner": "内帐面料为透气尼龙，外帐与内帐保持间距。",
                  "frame": "一体式交叉杆。", "pegs": "地钉弯曲后用手慢慢掰直。", "store": "帐篷完全干燥后再收纳。"})
    # in "的帐杆收" jieba cuts 帐|杆|收; the guides write 帐杆, a word of its own
    assert {"帐", "杆"} <= set(index.tokenize("LF-2 Pro 的帐杆收的时候应该怎么折"))
    assert "帐杆" in index.query_terms("LF-2 Pro 的帐杆收的时候应该怎么折")
    assert index.search("LF-2 Pro 的帐杆收的时候应该怎么折", 1)[0][0] == "poles"
    # two characters the guides never write as one word stay apart
    assert "收的" not in index.query_terms("LF-2 Pro 的帐杆收的时候应该怎么折")
