"""The synthetic corpus of `rag-bench`: guides of invented products in Chinese and English, seeded."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.text import estimate_tokens

BRANDS_EN = ["AquaPro", "Nordhaus", "Kestrel", "Brightline", "Veltra", "Oakridge", "Zenith", "Halcyon",
             "Marlow", "TerraMax", "Lumio", "Corvid", "Brisa", "Fjordline"]
BRANDS_ZH = ["海川", "北辰", "云杉", "明澜", "泰科", "远峰", "青禾", "星河", "鼎力", "安澜", "松石", "启航"]
PRODUCTS = [  # (English, Chinese)
    ("dishwasher", "洗碗机"), ("washing machine", "洗衣机"), ("tumble dryer", "干衣机"),
    ("air purifier", "空气净化器"), ("robot vacuum", "扫地机器人"), ("espresso machine", "咖啡机"),
    ("water heater", "热水器"), ("air conditioner", "空调"), ("refrigerator", "冰箱"),
    ("range hood", "油烟机"), ("microwave oven", "微波炉"), ("dehumidifier", "除湿机"),
    ("pressure washer", "高压清洗机"), ("lawn mower", "割草机"), ("e-bike", "电动自行车"),
    ("camping stove", "露营炉"), ("water purifier", "净水器"), ("heat pump", "热泵"),
]
PARTS = [
    ("filter", "过滤网"), ("drain pump", "排水泵"), ("door seal", "门封条"), ("spray arm", "喷淋臂"),
    ("water tank", "水箱"), ("brush roll", "滚刷"), ("heating element", "加热管"), ("fan motor", "风扇电机"),
    ("thermostat", "温控器"), ("inlet valve", "进水阀"), ("drive belt", "传动皮带"), ("carbon brush", "碳刷"),
    ("HEPA filter", "HEPA滤网"), ("compressor", "压缩机"), ("condenser coil", "冷凝器盘管"),
    ("grinder burr", "磨盘"), ("nozzle", "喷嘴"), ("spark plug", "火花塞"), ("chain", "链条"),
    ("brake pad", "刹车片"), ("battery pack", "电池组"), ("control board", "控制板"), ("gasket", "密封垫"),
    ("O-ring", "O形圈"), ("inlet hose", "进水管"), ("impeller", "叶轮"), ("descaling cartridge", "除垢滤芯"),
    ("temperature sensor", "温度传感器"), ("door hinge", "门铰链"), ("blade", "刀片"),
]
TASKS = [("clean", "清洁"), ("replace", "更换"), ("inspect", "检查"), ("descale", "除垢"),
         ("lubricate", "润滑"), ("reset", "复位"), ("tighten", "紧固"), ("remove", "拆卸")]
SYMPTOMS = [("won't start", "无法启动"), ("leaks water", "漏水"), ("makes a grinding noise", "发出异响"),
            ("does not drain", "不排水"), ("overheats", "过热"), ("smells burnt", "有焦糊味"),
            ("trips the breaker", "跳闸"), ("loses suction", "吸力下降"), ("shows a flashing display", "显示屏闪烁")]
TOPICS = [("Safety", "安全须知"), ("Daily care", "日常保养"), ("Cleaning", "清洁"), ("Descaling", "除垢"),
          ("Troubleshooting", "故障排除"), ("Replacing parts", "更换零件"), ("Storage", "存放"),
          ("Specifications", "技术参数"), ("Service and warranty", "维修与保修")]

SENTENCES_EN = [
    "Switch off the {p} and unplug it before you remove the {q}.",
    "Rinse the {q} under warm running water (about {t} °C) and let it dry completely before refitting it.",
    "If the display shows {code}, check that the {q} is seated correctly and restart the {p}.",
    "Clean the {q} every {n} weeks, or more often if the {p} runs daily in hard-water areas.",
    "Do not use abrasive cleaners or solvents on the {q}; they damage the coating and void the warranty.",
    "A noisy {p} usually means the {q} is blocked by debris; remove it with a soft brush.",
    "Replace the {q} after {n} months of normal use; the spare part number is {pn}.",
    "Tighten the {q} screws to {nm} N·m, since over-tightening cracks the plastic housing.",
    "On the {brand} {model}, the {q} sits behind the lower front panel, held by {k} Torx T{tx} screws.",
    "Error {code} means the {q} has not responded for {s} seconds after the cycle started.",
    "Inspect the {q} for cracks, discoloration or a burnt smell at least every {n} weeks.",
    "Run an empty maintenance cycle at {t} °C once a month to keep the {q} free of limescale.",
    "Measure the resistance of the {q}: between {r1} and {r2} ohms is normal at room temperature.",
    "Keep at least {cm} cm of free space around the {p} so that the {q} can cool down.",
    "When the {q} is worn, the {p} {symptom}; order part {pn} from an authorised service centre.",
]
STEPS_EN = [
    "Turn the {q} a quarter turn anticlockwise and lift it out.",
    "Wipe the housing of the {q} with a damp cloth.",
    "Soak the {q} for {n} minutes in warm water with a little mild detergent.",
    "Refit the {q} and turn it clockwise until it clicks.",
    "Press and hold the Start button for {s} seconds to reset the {p}.",
    "Remove the {k} screws that hold the cover of the {q}.",
    "Disconnect the connector of the {q}, noting the colour of each wire.",
]
WARNINGS_EN = [
    "WARNING: The {q} can reach {t} °C. Let the {p} cool for {n} minutes before touching it.",
    "CAUTION: Never run the {p} without the {q} fitted; debris would damage the pump.",
    "WARNING: Disconnect the {p} from the mains before opening any panel.",
]
SENTENCES_ZH = [
    "拆下{q}之前，请先关闭{p}并拔下电源插头。",
    "用约{t}°C的温水冲洗{q}，待其完全晾干后再装回{p}。",
    "如果显示屏出现故障代码{code}，请检查{q}是否安装到位，然后重新启动{p}。",
    "每{n}周清洁一次{q}；在硬水地区每天使用{p}时应更频繁地清洁。",
    "请勿使用研磨性清洁剂或溶剂擦拭{q}，否则会损坏涂层并导致保修失效。",
    "{p}噪音过大通常说明{q}被杂物堵塞，请用软毛刷清除异物。",
    "正常使用{n}个月后应更换{q}，备件编号为{pn}。",
    "将{q}的螺丝拧紧至{nm}牛·米，拧得过紧会使塑料外壳开裂。",
    "{brand}{model}的{q}位于下部前面板后方，由{k}颗T{tx}梅花螺丝固定。",
    "故障代码{code}表示程序启动后{q}在{s}秒内没有响应。",
    "至少每{n}周检查一次{q}是否有裂纹、变色或焦糊味。",
    "每月以{t}°C空载运行一次保养程序，防止{q}积聚水垢。",
    "测量{q}的电阻：室温下在{r1}至{r2}欧姆之间为正常。",
    "{p}四周应至少留出{cm}厘米的空间，以便{q}散热。",
    "{q}磨损后{p}会{symptom}，请到授权服务中心订购备件{pn}。",
]
STEPS_ZH = [
    "将{q}逆时针旋转四分之一圈后取出。",
    "用湿布擦拭{q}的外壳。",
    "把{q}放入加有少量中性洗涤剂的温水中浸泡{n}分钟。",
    "装回{q}并顺时针旋转，直到听到咔嗒声。",
    "按住启动键{s}秒，使{p}复位。",
    "拧下固定{q}盖板的{k}颗螺丝。",
    "断开{q}的插头，并记下每根导线的颜色。",
]
WARNINGS_ZH = [
    "警告：{q}温度可达{t}°C，请让{p}冷却{n}分钟后再触摸。",
    "注意：未安装{q}时切勿运行{p}，否则杂物会损坏水泵。",
    "警告：打开任何面板之前，请先断开{p}的电源。",
]
QUERIES_EN = [
    "How do I {task} the {q} on the {brand} {model}?",
    "What does error {code} mean on my {p}?",
    "How often should I {task} the {q} of the {p}?",
    "My {brand} {p} {symptom}, what should I check?",
    "Which spare part number fits the {q} of the {model}?",
    "What torque for the {q} screws on the {brand} {model}?",
]
QUERIES_ZH = [
    "{brand}{model}的{q}怎么{task}？",
    "{p}显示{code}是什么意思？",
    "{q}多久{task}一次？",
    "{brand}{p}{symptom}怎么办？",
    "{model}的{q}备件编号是多少？",
    "{p}的{q}螺丝要拧多紧？",
]


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]  # heading path, title first
    markdown: str  # the body as written in the guide file
    text: str  # the body as a chunk holds it (list markers kept, markup dropped)


@dataclass(frozen=True)
class Guide:
    name: str
    lang: str
    slots: dict[str, str]  # brand, model, p (product): what queries about this guide name
    sections: tuple[Section, ...]

    def markdown(self) -> str:
        """The guide file: a title, topics, one sub-heading per section."""
        lines = [f"# {self.sections[0].path[0]}", ""]
        topic = ""
        for section in self.sections:
            if section.path[1] != topic:
                topic = section.path[1]
                lines += [f"## {topic}", ""]
            lines += [f"### {section.path[2]}", "", section.markdown, ""]
        return "\n".join(lines)


class Corpus:
    """Deterministic guides, half Chinese, half English: guide i is the same for a given seed."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def guide(self, index: int) -> Guide:
        rng = random.Random(f"{self.seed}:{index}")
        zh = index % 2 == 1
        product = rng.choice(PRODUCTS)[zh]
        brand = rng.choice(BRANDS_ZH if zh else BRANDS_EN)
        model = f"{rng.choice('ABCDEFGHKMNPRSTVXZ')}{rng.choice('ABCDEFGHKMNPRSTVXZ')}-{rng.randint(100, 9999)}"
        model += rng.choice(["", "", "X", "S", "Pro", "Plus"])
        slots = {"brand": brand, "model": model, "p": product}
        title = f"{brand}{model}{product}维护保养指南" if zh else f"{brand} {model} {product} maintenance guide"
        sections = []
        for topic in rng.sample(TOPICS, rng.randint(2, 4)):
            for _ in range(rng.randint(2, 4)):
                sections.append(self._section(rng, zh, slots, (title, topic[zh])))
        return Guide(f"{'zh' if zh else 'en'}-{index:06d}-{brand}-{model}", "zh" if zh else "en", slots, tuple(sections))

    def guides(self, start: int = 0) -> Iterator[Guide]:
        index = start
        while True:
            yield self.guide(index)
            index += 1

    def chunks(self, count: int) -> Iterator[tuple[str, Section]]:
        """(source, section) for the first `count` sections of the corpus: one chunk each."""
        made = 0
        for guide in self.guides():
            for section in guide.sections:
                if made == count:
                    return
                yield f"{guide.name}.md", section
                made += 1

    def queries(self, count: int, guides: int) -> list[str]:
        """Questions a user would ask about the first `guides` guides: tasks, codes, symptoms, parts."""
        rng = random.Random(f"{self.seed}:queries")
        out = []
        for _ in range(count):
            guide = self.guide(rng.randrange(guides))
            zh = guide.lang == "zh"
            template = rng.choice(QUERIES_ZH if zh else QUERIES_EN)
            out.append(template.format(**guide.slots, **_slots(rng, zh)))
        return out

    def _section(self, rng: random.Random, zh: bool, slots: dict[str, str], parents: tuple[str, str]) -> Section:
        """One sub-section of about 150-250 model tokens: sentences, maybe steps, maybe a callout."""
        part = rng.choice(PARTS)[zh]
        task = rng.choice(TASKS)[zh]
        heading = f"{task}{part}" if zh else f"How to {task} the {part}"
        budget = rng.randint(150, 250)
        markdown: list[str] = []
        text: list[str] = []
        sentences: list[str] = []

        def fill(template: str) -> str:
            return template.format(**slots, **_slots(rng, zh, part))

        while estimate_tokens(" ".join(text + sentences)) < budget:
            roll = rng.random()
            if roll < 0.12 and len(sentences) > 1:
                paragraph = "".join(sentences) if zh else " ".join(sentences)
                steps = [fill(s) for s in rng.sample(STEPS_ZH if zh else STEPS_EN, rng.randint(2, 4))]
                numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(steps, start=1))
                markdown += [paragraph, numbered]
                text += [paragraph, numbered]
                sentences = []
            elif roll < 0.2:
                warning = fill(rng.choice(WARNINGS_ZH if zh else WARNINGS_EN))
                markdown.append(f"> {warning}")
                text.append(warning)
            else:
                sentences.append(fill(rng.choice(SENTENCES_ZH if zh else SENTENCES_EN)))
        if sentences:
            block = "".join(sentences) if zh else " ".join(sentences)
            markdown.append(block)
            text.append(block)
        return Section((*parents, heading), "\n\n".join(markdown), "\n".join(text))


def _slots(rng: random.Random, zh: bool, part: str | None = None) -> dict[str, Any]:
    r1 = rng.randint(10, 400)
    return {
        "q": part or rng.choice(PARTS)[zh],
        "task": rng.choice(TASKS)[zh],
        "symptom": rng.choice(SYMPTOMS)[zh],
        "code": f"{rng.choice('EFHCL')}{rng.randint(1, 99):02d}",
        "pn": f"{rng.randint(1000, 9999)}-{rng.randint(100, 999)}",
        "n": rng.randint(2, 12), "t": rng.choice([40, 50, 60, 65, 70, 85, 90]), "s": rng.choice([3, 5, 10, 30, 60]),
        "k": rng.randint(2, 8), "tx": rng.choice([10, 15, 20, 25]), "nm": rng.choice([0.8, 1.2, 2.5, 4, 6]),
        "cm": rng.choice([5, 10, 15, 20, 30]), "r1": r1, "r2": r1 + rng.randint(5, 200),
    }


def write_guides(corpus: Corpus, folder: Path, chunks: int) -> int:
    """Guide files holding at least `chunks` sections; returns how many files."""
    folder.mkdir(parents=True, exist_ok=True)
    sections = files = 0
    for guide in corpus.guides():
        if sections >= chunks:
            break
        (folder / f"{guide.name}.md").write_text(guide.markdown(), encoding="utf-8")
        sections += len(guide.sections)
        files += 1
    return files
