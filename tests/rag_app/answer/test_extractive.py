"""Extractive answers quote what answers the question: the procedure asked how to do, the step, sentence,
row or warning holding what was asked for, not the lines around it."""

from __future__ import annotations

from langchain_core.documents import Document

from ingest.text import Tokenizer
from rag_app.answer import Answerer
from rag_app.answer.extractive import quote
from rag_app.settings import Settings

TOKENIZE = Tokenizer()


def doc(text: str, section: str, **metadata: str) -> Document:
    return Document(page_content=text, metadata={"source": "guide.md", "section": section, **metadata})


def quoted(question: str, *passages: Document, weights: dict[str, float] | None = None) -> list[str]:
    """The quoted lines, without the label."""
    language = "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en"
    return quote(question, passages, language, TOKENIZE, weights).splitlines()[1:]


JACKET_WASHING = doc(
    "羽绒服不宜频繁清洗，一般每个冬季结束时清洗一次即可。出现以下情况时也需要清洗：羽绒明显变扁、不再蓬松；"
    "领口袖口有大面积油污；有汗味或异味。\n"
    "警告： 羽绒服不可干洗。干洗使用的有机溶剂会溶解羽绒表面的天然油脂，使羽绒变脆。\n"
    "1. 拉上拉链，将衣服翻面，放入洗衣袋中。\n"
    "2. 选择“羽绒服”程序，水温设定为 30°C。\n"
    "3. 脱水转速设定为 800 转/分以下。",
    "羽绒服洗护指南 > 清洗", product="北极羽 极光 800", model="极光 800")


def test_asked_whether_it_can_be_dry_cleaned_the_warning_is_quoted_not_the_intro_list() -> None:
    lines = quoted("羽绒服可以送干洗店干洗吗？", JACKET_WASHING)

    assert lines == ["- 警告： 羽绒服不可干洗。干洗使用的有机溶剂会溶解羽绒表面的天然油脂，使羽绒变脆。[1]"]


def test_asked_how_the_whole_procedure_is_quoted_from_step_1_with_its_warning() -> None:
    lines = quoted("极光 800 怎么机洗？", JACKET_WASHING)

    assert lines[0] == "- 警告： 羽绒服不可干洗。干洗使用的有机溶剂会溶解羽绒表面的天然油脂，使羽绒变脆。[1]"
    assert lines[1:] == ["- 1. 拉上拉链，将衣服翻面，放入洗衣袋中。[1]", "- 2. 选择“羽绒服”程序，水温设定为 30°C。[1]",
                         "- 3. 脱水转速设定为 800 转/分以下。[1]"]


def test_a_first_step_longer_than_a_whole_answer_is_quoted_cut_short() -> None:
    first = "1. 在浴缸中放入不超过 30°C 的温水，" + "然后检查水温、确认水量足以浸没帐篷，" * 20 + "再放入帐篷。"
    tub = doc(f"{first}\n2. 加入帐篷专用清洗剂。\n3. 浸泡不超过 30 分钟。", "帐篷保养 > 彻底清洗")

    lines = quoted("帐篷怎么在浴缸里清洗？", tub)

    assert len(lines) == 1 and lines[0].startswith("- 1. 在浴缸中放入不超过 30°C 的温水") and lines[0].endswith("… [1]")


def test_steps_a_converter_ran_together_on_one_line_are_quoted_one_by_one() -> None:
    tub = doc("1、在浴缸中放入不超过 30°C 的温水。2、加入帐篷专用清洗剂。3、浸泡不超过 30 分钟。", "帐篷保养 > 彻底清洗")

    assert quoted("帐篷怎么在浴缸里清洗？", tub) == [
        "- 1、在浴缸中放入不超过 30°C 的温水。[1]", "- 2、加入帐篷专用清洗剂。[1]", "- 3、浸泡不超过 30 分钟。[1]"]


def test_asked_one_setting_of_a_procedure_the_step_holding_it_is_quoted() -> None:
    lines = quoted("极光 800 脱水转速设多少合适？", JACKET_WASHING)

    assert lines == ["- 3. 脱水转速设定为 800 转/分以下。[1]"]


TENT_SPECS = doc("项目 | 参数\n型号 | LF-2 Pro（双人三季）\n外帐面料 | 20D 尼龙格子布\n外帐防水指数 | 3000 mm\n"
                 "帐杆 | 9.0 mm 航空铝合金\n总重量 | 1.85 kg（含地钉、风绳与收纳袋）\n收纳尺寸 | 46 × 15 cm",
                 "岚峰 LF-2 Pro 帐篷保养指南 > 产品规格", product="岚峰 LF-2 Pro", model="LF-2 Pro")


def test_asked_two_specs_both_rows_are_quoted_not_the_model_row_nor_a_header_saying_nothing() -> None:
    lines = quoted("LF-2 Pro 的外帐防水指数是多少？整顶帐篷有多重？", TENT_SPECS)

    assert {"- 外帐防水指数 | 3000 mm [1]", "- 总重量 | 1.85 kg（含地钉、风绳与收纳袋）[1]"} <= set(lines)
    assert not any("型号" in line or "收纳尺寸" in line for line in lines)
    # "项目 | 参数" (item | value) says nothing the row's own first cell does not
    assert not any("项目" in line for line in lines), lines


def test_a_rows_header_is_quoted_where_it_says_what_the_row_does_not() -> None:
    colours = doc("指示灯颜色 | PM2.5（μg/m3）\n蓝色 | 0~35\n绿色 | 36~75\n黄色 | 76~115\n红色 | 116 以上",
                  "清屿 QY-600 > 空气质量指示")

    # the unit is in the header alone
    assert quoted("灯圈变成黄色了是多少 PM2.5？", colours) == ["- 指示灯颜色 | PM2.5（μg/m3）[1]", "- 黄色 | 76~115 [1]"]
    # a table of three columns keeps its header: "Every 2 to 4 months" means "Replace"
    assert quoted("How often should I replace the filter?", ROBOT_SCHEDULE)[0] == "- Part | Clean | Replace [1]"


def test_a_chinese_word_the_manual_writes_differently_still_finds_its_row() -> None:
    stains = doc("1. 将羽绒服浸泡在温水中。\n2. 用手掌轻轻按压揉洗，重点清洁领口。\n"
                 "污渍类型 | 处理方法\n咖啡、茶渍 | 先用冷水冲洗背面\n血渍 | 只能用冷水，热水会使蛋白质凝固\n泥点 | 等泥干透后刷掉",
                 "羽绒服洗护指南 > 局部污渍")

    lines = quoted("领口蹭上了血迹，用热水洗可以吗？", stains)

    assert "- 血渍 | 只能用冷水，热水会使蛋白质凝固 [1]" in lines
    assert not any("咖啡" in line or "泥点" in line for line in lines)


MAPS = doc("A map can become distorted if the dock was moved. In the app, open the map editor to divide or merge "
           "rooms again. The R5 stores one map, so it suits single-level homes. The R7 Max stores up to four maps.",
           "Robot vacuum > Maps", product="Tidyo R5", model="R5")


def test_asked_for_a_value_the_sentence_stating_it_is_quoted_not_its_paragraph() -> None:
    lines = quoted("How many maps does the R7 Max keep?", MAPS)

    assert lines == ["- The R7 Max stores up to four maps. [1]"]


def test_asked_yes_or_no_the_answer_and_what_follows_it_are_quoted_not_what_comes_before() -> None:
    down = doc("Down feathers sometimes poke through the shell in the first weeks; this is normal. "
               "Do not pull a feather out from the outside, as this enlarges the hole. "
               "Instead, pinch it from the inside and pull it back, then rub the hole closed.",
               "Jacket care > Feathers")

    assert quoted("A feather pokes out of my jacket. Can I pull it out?", down) == [
        "- Do not pull a feather out from the outside, as this enlarges the hole. [1]",
        "- Instead, pinch it from the inside and pull it back, then rub the hole closed. [1]",
    ]


def test_the_knowledge_base_weights_make_a_common_word_weigh_little() -> None:
    security = doc("You can check the date of the last installed security update. "
                   "From Settings, tap Security update to see the latest update.", "Phone > Security update")
    certificates = doc("You can manage the trusted security certificates installed on your device. "
                       "View security certificates: Display certificates you have installed.",
                       "Phone > Credential storage")
    question = "How can I see what certificates are installed?"

    weights = {"see": 0.1, "certif": 5.0, "instal": 1.0}
    lines = quoted(question, security, certificates, weights=weights)
    answerer = Answerer(Settings(_env_file=None), None, TOKENIZE, term_weights=lambda text: weights)

    assert lines and all(line.endswith("[2]") for line in lines)
    assert answerer.answer(question, [security, certificates]).text.splitlines()[1:] == lines


def test_the_section_whose_title_says_what_was_asked_is_quoted_not_one_sharing_a_word() -> None:
    door = doc("洗衣程序结束后，门锁会延迟约 2 分钟才解锁，这是正常的安全保护。\n"
               "停电或故障导致机门无法打开时，向下拉动检修盖板内的橙色应急开门拉环，即可打开机门。",
               "洗衣机手册 > 常见问题处理 > 洗衣结束后机门打不开")
    smell = doc("异味通常来自门封圈积水、洗涤剂盒发霉或长期低温洗涤。请运行一次筒自洁程序，清洁门封圈和洗涤剂盒，"
                "并在每次洗衣后让机门保持半开。洗涤剂用量过多也会造成残留，请按照衣物量和脏污程度投放。",
                "洗衣机手册 > 常见问题处理 > 衣物有异味或滚筒有霉味")

    lines = quoted("衣服洗完了机门怎么也打不开，怎么办？", door, smell)

    assert lines and all(line.endswith("[1]") for line in lines) and "门锁会延迟" in lines[0]


def test_a_code_is_answered_by_its_row_in_the_code_table_not_a_sentence_mentioning_it() -> None:
    filter_text = doc("排水泵过滤器位于机器正面右下角。过滤器堵塞会导致排水缓慢或出现 E21 故障代码。建议每 3 个月清洁一次。",
                      "洗衣机保养 > 排水泵过滤器")
    codes = doc("请根据下表进行处理。\n故障代码 | 含义 | 处理方法\nE10 | 进水超时 | 检查水龙头\n"
                "E21 | 排水超时：6 分钟内未能排空 | 检查排水管是否弯折或堵塞", "洗衣机保养 > 故障代码")
    lines = quoted("My washer shows E-21", filter_text, codes)
    assert "- E21 | 排水超时：6 分钟内未能排空 | 检查排水管是否弯折或堵塞 [2]" in lines
    assert not any("E10" in line or "过滤器堵塞" in line for line in lines)


def test_a_code_without_digits_that_the_code_table_lists_weighs_as_a_code() -> None:
    codes = doc("故障代码 | 含义 | 处理方法\nE40 | 加热故障 | 断电 5 分钟后重启；仍然出现请联系售后\n"
                "E52 | 水位传感器故障 | 断电后重新启动；仍然出现请联系售后\n"
                "tCL | 筒自洁提醒（不是故障） | 运行一次筒自洁程序，提示会自动消失", "洗衣机保养 > 故障代码")
    lines = quoted("屏幕上突然出现 tCL，洗衣机是不是坏了？", codes)
    assert lines == ["- 故障代码 | 含义 | 处理方法 [1]", "- tCL | 筒自洁提醒（不是故障） | 运行一次筒自洁程序，提示会自动消失 [1]"]


def test_a_brands_characters_do_not_match_the_questions_words() -> None:
    # 清屿's 清 is not the 清 of 清洗: only the line about cleaning shares a character with 清洗
    purifier = doc("1. 关机并拔下电源插头。\n2. 取出旧滤网。\n3. 放入新滤网。\n注意：请使用清屿原装滤网，非原装滤网会漏风。\n"
                   "初效滤网每两周用吸尘器清洁一次。", "净化器指南 > 滤网", product="清屿 QY-600", model="QY-600",
                   aliases="air purifier|净化器")
    assert quoted("滤网怎么清洗？", purifier) == ["- 初效滤网每两周用吸尘器清洁一次。[1]"]


def test_a_procedure_keeps_the_first_step_another_procedure_has_too() -> None:
    replace = doc("1. 关机并拔下电源插头。\n2. 取下后盖板，将旧滤网取出。\n3. 放入新滤网。", "净化器 > 滤网更换 > 更换步骤")
    clean = doc("1. 关机并拔下电源插头。\n2. 取出复合滤网。\n3. 用吸尘器的软毛刷头吸除初效滤网表面的灰尘。\n"
                "注意：复合滤网不可水洗。", "净化器 > 日常清洁 > 初效滤网清洁")
    assert quoted("滤网怎么清洗？", replace, clean) == [
        "- 1. 关机并拔下电源插头。[2]", "- 2. 取出复合滤网。[2]", "- 3. 用吸尘器的软毛刷头吸除初效滤网表面的灰尘。[2]",
        "- 注意：复合滤网不可水洗。[2]"]


TENT_SPECS = doc("项目 | 参数\n型号 | LF-2 Pro\n外帐防水指数 | 3000 mm\n总重量 | 1.85 kg（含地钉、风绳与收纳袋）\n"
                 "最小包装重量 | 1.62 kg\n收纳尺寸 | 46 × 15 cm\n地钉 | Y 型铝合金地钉 10 根", "帐篷保养 > 产品规格",
                 product="岚峰 LF-2 Pro", model="LF-2 Pro")


def test_asked_in_another_language_the_rows_stating_the_quantity_asked_for_are_quoted() -> None:
    # no row shares a word with an English question: the rows in kg answer "how much does it weigh"
    assert quoted("How much does the LF-2 Pro weigh?", TENT_SPECS) == [
        "- 总重量 | 1.85 kg（含地钉、风绳与收纳袋）[1]", "- 最小包装重量 | 1.62 kg [1]"]
    zipper = doc("LF-2 Pro 的门帘和内帐使用 YKK 5 号拉链。拉链卡滞多数是沙粒和灰尘造成的。", "帐篷保养 > 拉链保养",
                 product="岚峰 LF-2 Pro", model="LF-2 Pro")
    # nor with the first passage: the block that states a size answers "what size"
    assert quoted("What size is the LF-2 Pro when packed?", zipper, TENT_SPECS) == ["- 收纳尺寸 | 46 × 15 cm [2]"]


def test_the_section_whose_title_says_what_is_asked_is_quoted_before_one_that_mentions_it() -> None:
    take = doc("Capture an image of your screen. Your device will automatically create a Screenshots album.\n"
               "From any screen, press and release the Power and Volume down keys.", "Phone manual > Take a screenshot")
    settings = doc("Control screenshot and screen recorder settings.\n"
                   "From Settings, tap Advanced features > Screenshots and screen recorder.\n"
                   "Screenshot toolbar: Show additional options after you take a screenshot.",
                   "Phone manual > Screenshot settings")
    lines = quoted("how do i take a screenshot on this phone", take, settings)

    assert lines and all(line.endswith("[1]") for line in lines)
    assert any("press and release the Power and Volume down keys" in line for line in lines)


def test_asked_how_a_procedure_too_long_to_quote_with_its_lead_in_is_quoted_without_it() -> None:
    steps = "\n".join(f"{n}. {text}" for n, text in enumerate([
        "Remove the canister and let the stove cool completely before you touch the burner or the jet.",
        "Turn the stove upside down and tap it gently on your palm to shake out loose debris from the tube.",
        "Use the 6 mm socket on the multi-tool to unscrew the jet counter-clockwise from the mixing tube.",
        "Soak the jet in isopropyl alcohol for 10 minutes and then blow through it with compressed air.",
        "Screw the jet back in hand-tight, then tighten a further one-eighth of a turn with the tool.",
    ], start=1))
    jet = doc("The jet is the tiny brass nozzle at the bottom of the mixing tube that meters the gas into the "
              "burner. Soot, dust or fuel residue in the jet gives a weak, yellow or sputtering flame.\n" + steps,
              "Stove manual > Cleaning the jet")
    lines = quoted("How do I clean the jet?", jet)

    assert lines[0].startswith("- 1. Remove the canister")
    assert not any("tiny brass nozzle" in line for line in lines)


def test_the_words_asking_for_a_quantity_are_not_its_subject() -> None:
    filter_life = doc("QY-600 会根据运行时间和风量档位计算滤网剩余寿命，并在 App 上显示。\n出现以下情况时，请更换滤网：\n"
                      "- 滤网指示灯变为红色。\n- 距离上次更换已超过 12 个月。",
                      "清屿 QY-600 > 何时需要更换滤网", product="清屿 QY-600", model="QY-600")
    # the 时间 of 多长时间 is not the 时间 of 运行时间
    assert "- 距离上次更换已超过 12 个月。[1]" in quoted("滤网一般多长时间需要换一次？", filter_life)
    maps = doc("The R5 stores one map, so it suits single-level homes.\nMany rooms of the map can be renamed in the app.",
               "Tidyo R5 > Maps", product="Tidyo R5", model="R5")
    # "how many" asks for a number, not for the sentence that says "many"
    assert quoted("How many maps does the R5 keep?", maps)[0] == "- The R5 stores one map, so it suits single-level homes. [1]"


def test_asked_how_often_steps_stating_no_quantity_are_quoted_from_the_first_one() -> None:
    pre_filter = doc("初效滤网堵塞会明显降低进风量。建议每 2 周清洁一次，家中有宠物时每周清洁一次。\n"
                     "1. 关机并拔下电源插头。\n2. 取下后盖板，取出复合滤网。\n3. 用吸尘器的软毛刷头吸除初效滤网表面的灰尘。\n"
                     "4. 将滤网装回，装好后盖板。",
                     "清屿 QY-600 > 日常清洁 > 初效滤网清洁", product="清屿 QY-600", model="QY-600")

    lines = quoted("滤网怎么清洁？ 多久清洁一次？", pre_filter)

    # a step's number is no quantity: the steps about the filter answer "how often" nothing, and a quote
    # from their middle would drop "unplug first"
    assert lines[0] == "- 建议每 2 周清洁一次，家中有宠物时每周清洁一次。[1]"
    assert lines[1:] in ([], ["- 1. 关机并拔下电源插头。[1]", "- 2. 取下后盖板，取出复合滤网。[1]",
                              "- 3. 用吸尘器的软毛刷头吸除初效滤网表面的灰尘。[1]", "- 4. 将滤网装回，装好后盖板。[1]"]), lines


def test_a_section_titled_with_what_is_asked_is_quoted_before_one_sharing_more_common_words() -> None:
    emoji = doc("Turn yourself into an emoji that you can add to text messages. From Camera, swipe to More. Tap AR Emoji.",
                "Galaxy S10 > AR Emoji")
    face = doc("Your device could be unlocked by someone or something that looks like your image. Make sure you look "
               "at the camera when registering your face.", "Galaxy S10 > Face recognition")
    weights = {"make": 1.0, "cartoon": 6.0, "emoji": 4.0, "look": 1.5, "like": 1.0}

    lines = quoted("how do i make a cartoon emoji that looks like me", emoji, face, weights=weights)

    assert lines == ["- Turn yourself into an emoji that you can add to text messages. [1]",
                     "- From Camera, swipe to More. [1]", "- Tap AR Emoji. [1]"]


ROBOT_SIDE_BRUSH = doc("Unscrew the screw in the centre of the side brush and pull it off.\n"
                       "Replace the side brush if the bristles are shorter than 3 cm or badly frayed.",
                       "Tidyo R5 > Routine Maintenance > Cleaning the side brush", product="Tidyo R5", model="R5")
ROBOT_SCHEDULE = doc("Part | Clean | Replace\nFilter | Tap clean every week | Every 2 to 4 months\n"
                     "Main brush | Remove hair every week | Every 6 to 12 months\n"
                     "Side brush | Clean every month | Every 3 to 6 months\nDustbin | Empty after every run | Not required",
                     "Tidyo R5 > Routine Maintenance > Maintenance schedule", product="Tidyo R5", model="R5")


def test_asked_how_often_the_row_under_the_column_saying_so_is_quoted_not_a_sentence_with_another_quantity() -> None:
    lines = quoted("How often do I need to replace the side brush?", ROBOT_SIDE_BRUSH, ROBOT_SCHEDULE)

    # "Replace" heads the column of "Every 3 to 6 months"; "shorter than 3 cm" says nothing of how often
    assert lines[0] == "- Part | Clean | Replace [2]"
    assert "- Side brush | Clean every month | Every 3 to 6 months [2]" in lines
    assert not any("Dustbin" in line or "Filter" in line or "3 cm" in line for line in lines), lines


def test_asked_how_often_where_no_passage_states_a_frequency_the_best_sentence_is_still_quoted() -> None:
    assert quoted("How often do I need to replace the side brush?", ROBOT_SIDE_BRUSH) == [
        "- Replace the side brush if the bristles are shorter than 3 cm or badly frayed. [1]"]


HAND_WASH = doc("1. 在盆中放入不超过 30°C 的温水，加入专用洗涤剂。\n2. 将衣服翻面后压入水中，浸泡 15~20 分钟。\n"
                "3. 换清水漂洗 3 次以上。\n4. 用手轻压排出水分，或放入洗衣机单独脱水 1 分钟（低转速）。切勿用力拧干。\n"
                "警告： 切勿将羽绒服放入烘干机高温烘干。",
                "羽绒服洗护指南 > 手洗", product="北极羽 极光 800", model="极光 800")


def test_asked_whether_a_step_may_be_done_otherwise_the_step_saying_so_is_quoted_with_the_warning() -> None:
    lines = quoted("羽绒服手洗完能使劲拧干吗", HAND_WASH)

    assert lines == ["- 4. 用手轻压排出水分，或放入洗衣机单独脱水 1 分钟（低转速）。切勿用力拧干。[1]",
                     "- 警告： 切勿将羽绒服放入烘干机高温烘干。[1]"]


def test_asked_whether_where_a_warning_says_it_the_warning_comes_first_then_the_whole_procedure() -> None:
    lines = quoted("洗完能放进洗衣机高温烘干吗？", HAND_WASH)

    # step 4 mentions the washing machine, the warning says no to the hot dryer: that answer first, then what
    # to do instead, the procedure from its first step
    assert [line[:4] for line in lines] == ["- 警告", "- 1.", "- 2.", "- 3.", "- 4."], lines


def test_asked_how_long_it_runs_the_row_named_run_time_is_quoted_not_a_sentence_on_charging() -> None:
    battery = doc("If you will not use the robot for more than a month, charge it fully, switch it off by holding the "
                  "Power button for 3 seconds, and store it in a cool, dry place. Recharge it at least every 3 months.\n"
                  "If the run time becomes much shorter than usual after two to three years, the battery can be "
                  "replaced by an authorised service centre.",
                  "Tidyo R5 > Battery Care", product="Tidyo R5", model="R5")
    specs = doc("Item | Value\nMaximum suction | 2,700 Pa\nRun time | Up to 120 minutes in Quiet mode\n"
                "Charging time | About 5 hours from empty\nDustbin capacity | 300 ml",
                "Tidyo R5 > Specifications", product="Tidyo R5", model="R5")

    lines = quoted("How long does the Tidyo R5 run on one charge?", battery, specs)

    # a row's first cell names what it states: "Run time" says what "how long does it run" asks
    assert lines[0] == "- Run time | Up to 120 minutes in Quiet mode [2]", lines


def test_asked_for_one_spec_the_row_naming_it_is_quoted_not_rows_sharing_one_of_its_words() -> None:
    specs = doc("Item | Value\nDustbin capacity | 400 ml\nWater tank capacity | 250 ml\n"
                "Dock dust bag capacity | 3 L, about 60 days of use\nHeight | 9.7 cm",
                "Tidyo R7 Max > Specifications", product="Tidyo R7 Max", model="R7 Max")

    assert quoted("What is the dustbin capacity?", specs) == ["- Dustbin capacity | 400 ml [1]"]
    # each thing asked names its own rows
    assert quoted("What is the dustbin capacity? And the water tank capacity?", specs) == [
        "- Dustbin capacity | 400 ml [1]", "- Water tank capacity | 250 ml [1]"]


def test_asked_how_often_a_step_saying_how_long_to_wait_is_no_answer() -> None:
    dustbin = doc("1. Remove the filter by lifting its tab.\n2. Tap the filter gently against the side of the bin.\n"
                  "3. Rinse the dustbin, but not the filter, with water. Let the dustbin dry for 24 hours.\n"
                  "CAUTION: The filter is not washable. If the filter gets wet, replace it.",
                  "Tidyo R5 > Routine Maintenance > Emptying the dustbin and cleaning the filter", product="Tidyo R5")

    lines = quoted("How often should I replace the filter?", dustbin, ROBOT_SCHEDULE)

    assert lines == ["- Part | Clean | Replace [2]", "- Filter | Tap clean every week | Every 2 to 4 months [2]"]


def test_asked_what_a_feature_is_for_its_sections_paragraph_is_quoted_from_the_start() -> None:
    routines = doc("You can use Bixby to show you information or change device settings based on where you are and "
                   "what you are doing. From Settings, tap Advanced features > Bixby Routines.",
                   "Galaxy S10 > Bixby Routines")

    # the title names what is asked: the sentence saying what it does comes first, not only the one naming it
    lines = quoted("what are bixby routines for", routines, weights={"bixbi": 2.0, "routin": 6.0})

    assert lines[0].startswith("- You can use Bixby to show you information or change device settings"), lines
    assert lines[1:] == ["- From Settings, tap Advanced features > Bixby Routines. [1]"]


def test_asked_in_another_language_for_a_suction_or_a_battery_capacity_the_row_in_its_unit_is_quoted() -> None:
    specs = doc("Item | Value\nModel | Tidyo R7 Max (TR7M)\nMaximum suction | 5,000 Pa\n"
                "Battery | 14.4 V, 5,200 mAh lithium-ion\nHeight | 9.7 cm including the LiDAR turret",
                "Tidyo R7 Max > Specifications", product="Tidyo R7 Max", model="TR7M")

    # no row shares a word with the question: the unit says which row states what is asked
    assert quoted("TR7M 的最大吸力是多少？", specs) == ["- Maximum suction | 5,000 Pa [1]"]
    assert quoted("R7 Max 的电池容量是多少？", specs) == ["- Battery | 14.4 V, 5,200 mAh lithium-ion [1]"]


def test_asked_for_a_spin_speed_the_step_in_revolutions_per_minute_is_quoted_not_one_spinning_for_a_minute() -> None:
    hand_wash = doc("1. 在盆中放入不超过 30°C 的温水，加入羽绒专用洗涤剂。\n2. 用手掌轻轻按压揉洗。\n"
                    "3. 用手轻压排出水分，或放入洗衣机单独脱水 1 分钟（低转速）。切勿用力拧干。",
                    "羽绒服洗护指南 > 清洗方法 > 手洗步骤", product="北极羽 极光 800", model="极光 800")
    machine_wash = doc("1. 拉上拉链，将衣服翻面，放入洗衣袋中。\n2. 洗衣机内只放一件羽绒服，不要与其他衣物混洗。\n"
                       "3. 选择“羽绒服”程序，水温设定为 30°C。\n4. 脱水转速设定为 800 转/分以下。",
                       "羽绒服洗护指南 > 清洗方法 > 机洗步骤", product="北极羽 极光 800", model="极光 800")

    # weighed as in a knowledge base of washing guides, where 洗衣机 is a common word
    weights = {"洗衣机": 1.0, "洗衣": 1.0, "洗": 0.5, "用": 0.2, "脱水": 2.0, "转速": 3.0, "滚筒": 2.5, "设": 1.5}
    lines = quoted("用滚筒洗衣机洗极光 800，脱水转速设多少合适？", hand_wash, machine_wash, weights=weights)

    assert lines == ["- 4. 脱水转速设定为 800 转/分以下。[2]"]


DRYING = doc("1. 将洗好的羽绒服放入滚筒烘干机，选择低温档（不超过 40°C）。\n"
             "2. 同时放入 2~3 个干净的网球或烘干球，打散羽绒团。\n"
             "3. 一般需要 2~3 小时，直到羽绒服完全干燥、蓬松均匀。",
             "羽绒服洗护指南 > 烘干与恢复蓬松 > 烘干机烘干")


def test_asked_only_how_long_the_step_stating_a_duration_is_quoted_not_the_steps_naming_the_dryer() -> None:
    assert quoted("用烘干机烘羽绒服一般要烘多久", DRYING) == ["- 3. 一般需要 2~3 小时，直到羽绒服完全干燥、蓬松均匀。[1]"]


def test_asked_how_long_and_at_what_heat_the_steps_naming_the_dryer_are_quoted_too() -> None:
    lines = quoted("用烘干机烘羽绒服要烘多久？开哪一档？", DRYING)

    assert lines[0] == "- 1. 将洗好的羽绒服放入滚筒烘干机，选择低温档（不超过 40°C）。[1]"


def test_asked_how_many_years_in_another_language_the_sentences_stating_years_are_quoted_not_the_parts_table() -> None:
    parts = doc("Part | Part number\nO-ring kit (3 O-rings and silicone grease) | CS-OR3\nPiezo igniter assembly | CS-PZ2\n"
                "The Cirrus 2 is covered by a 3-year limited warranty from the date of purchase. Registering the stove "
                "within 30 days of purchase extends the warranty to 5 years.",
                "Emberline Cirrus 2 > Spare parts and warranty", product="Emberline Cirrus 2", model="Cirrus 2")

    lines = quoted("Cirrus 2 炉头保修几年？", parts)

    assert lines[0].startswith("- The Cirrus 2 is covered by a 3-year limited warranty"), lines
    assert not any("CS-OR3" in line for line in lines), lines


def test_asked_in_another_language_for_the_room_size_the_row_in_square_metres_is_quoted_not_the_size_row() -> None:
    specs = doc("项目 | 参数\n外形尺寸 | 36 × 36 × 60 cm\n适用面积 | 42～72 m²\n滤网寿命 | 约 2000 小时",
                "清屿 QY-600 > 产品规格", product="清屿 QY-600", model="QY-600")

    # a room's size is an area: square metres, not the purifier's own size in cm
    assert quoted("What room size is the QY-600 suited for?", specs) == ["- 适用面积 | 42～72 m² [1]"]


def test_asked_two_things_without_a_question_mark_both_answers_are_quoted() -> None:
    warranty = doc("QY-600 整机保修 2 年，电机保修 5 年。滤网属于耗材，不在保修范围内。",
                   "清屿 QY-600 > 保修说明", product="清屿 QY-600", model="QY-600")

    # "滤网保不保" asks a second thing: the sentence stating no number of years answers it
    assert quoted("净化器保修几年 滤网保不保", warranty) == ["- QY-600 整机保修 2 年，电机保修 5 年。[1]",
                                                  "- 滤网属于耗材，不在保修范围内。[1]"]
