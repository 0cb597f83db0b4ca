"""The quantity normaliser: figures in mixed Arabic and Chinese numerals → value, unit, qualifier.

    >>> normalise("超過 15 億 5 千萬港元")
    Quantity(value=1550000000, unit='HKD', qualifier='>', ...)

``find_quantities(text)`` lists every figure in a text with its offsets (code points into the
text given); ``normalise(text)`` is the first of them. Values are exact (``Decimal`` arithmetic):
an ``int`` when whole, else a ``float``. Years and dates are left to ``dates.find_dates``.

* Chinese decimals: 一點五億元 → 150000000 HKD.
* A written sign makes the value negative: -3.5% → -3.5 %, 負百分之四十 → -40 %. A word of change
  before the figure (上升, 增加 / 下跌, 減少, 下降 …) is kept as ``direction`` "up" / "down" and
  leaves the value as written (下跌 5% → 5 %, direction "down"); 增加至 500 (a new level) has none.
* Compound units stay whole: 1.5萬人次 → 15000 人次. Computing power in Chinese is normalised to the
  English unit, so the two compare: 3,000 千萬億次 → 3000 PFLOPS (萬億次 TFLOPS, 百億億次 EFLOPS).
* Latin units come from a list (``LATIN_UNITS``): a number glued to other letters is a name, not a
  figure (5G, 4K, 3D).

Headless: no UI code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from hkpr_tui.annotate.dates import find_dates

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "兩": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_LARGE = {"萬": 10**4, "万": 10**4, "億": 10**8, "亿": 10**8, "兆": 10**12}
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")

ARABIC = re.compile(r"[0-9０-９]+(?:[,，][0-9０-９]{3})*(?:[.．][0-9０-９]+)?")
_SPACES = re.compile(r"[ \t\u3000]*")

CURRENCIES = {
    "港元": "HKD", "港幣": "HKD", "港币": "HKD", "元": "HKD", "圓": "HKD", "圆": "HKD",
    "美元": "USD", "人民幣": "CNY", "人民币": "CNY", "歐元": "EUR", "欧元": "EUR",
    "英鎊": "GBP", "英镑": "GBP", "日圓": "JPY", "日元": "JPY",
}  # fmt: skip
PREFIX_CURRENCIES = {
    "HK$": "HKD",
    "HKD": "HKD",
    "US$": "USD",
    "USD": "USD",
    "RMB": "CNY",
    "港幣": "HKD",
    "港币": "HKD",
    "人民幣": "CNY",
    "人民币": "CNY",
    "$": "HKD",
}
MEASURES = (
    "人次", "架次", "班次", "車次", "车次", "個百分點", "个百分点", "百分點", "百分点", "平方米", "平方呎", "平方英尺", "平方公里", "公里", "公頃", "公顷",
    "個月", "个月", "小時", "小时", "分鐘", "分钟", "公噸", "公吨",
    "個", "个", "間", "间", "家", "人", "名", "項", "项", "所", "宗", "幅", "架", "座", "台", "部", "位", "次",
    "倍", "隻", "只", "張", "张", "條", "条", "棵", "輛", "辆", "艘", "層", "层", "米", "噸", "吨", "呎", "秒", "天",
    "週", "周", "場", "场", "款", "份", "支", "套", "批", "隊", "队", "屆", "届", "篇", "本", "件", "株",
)  # fmt: skip
UNIT_ALIASES = {"个": "個", "间": "間", "项": "項", "张": "張", "条": "條", "辆": "輛", "层": "層", "吨": "噸", "场": "場",
                "队": "隊", "届": "屆", "只": "隻", "个月": "個月", "小时": "小時", "分钟": "分鐘", "公吨": "公噸",
                "公顷": "公頃", "个百分点": "百分點", "個百分點": "百分點", "百分点": "百分點", "车次": "車次"}  # fmt: skip
# computing power: the Chinese names are counts of operations per second, the same as the English units
FLOPS_WORDS = sorted(
    {"千萬億次": "PFLOPS", "千万亿次": "PFLOPS", "萬億次": "TFLOPS", "万亿次": "TFLOPS",
     "百億億次": "EFLOPS", "百亿亿次": "EFLOPS"}.items(),
    key=lambda kv: -len(kv[0]),
)  # fmt: skip
LATIN_UNITS = frozenset(
    "PFLOPS TFLOPS EFLOPS GFLOPS FLOPS flops km m cm mm kg g mg t kt ha sqm sq ft m² m³ km² "
    "kW MW GW kWh MWh GWh TWh W V Mbps Gbps Tbps kbps KB MB GB TB PB ppm ml mL L °C "
    "HKD USD RMB CNY EUR GBP JPY bn million billion".split()
)
"""Latin units after a figure, case as written; any other letters after a number make it a name."""
MONEY_SCALES = {"k": Decimal(10**3), "K": Decimal(10**3), "m": Decimal(10**6), "M": Decimal(10**6),
                "mn": Decimal(10**6), "million": Decimal(10**6), "b": Decimal(10**9), "B": Decimal(10**9),
                "bn": Decimal(10**9), "billion": Decimal(10**9)}  # fmt: skip
"""After a currency sign only (HK$5M): the letters are a multiplier, not a unit."""
_MONEY_SCALE = re.compile(r"[ ]?(million|billion|mn|bn|[kKmMbB])(?![A-Za-z])")
CN_POINT = "點点"
MINUS = "-－−﹣"
NEGATIVE_WORDS = ("負", "负")
# words of change before a figure (with 了, 達, spaces, a qualifier between): the direction
_DIRECTION = re.compile(
    r"(?P<down>下跌|下降|減少|减少|回落|下滑|縮減|缩减|下調|下调|降低|跌|降|減|减)"
    r"|(?P<up>上升|增加|增長|增长|上漲|上涨|上調|上调|提高|回升|擴大|扩大|升|增|漲|涨)"
)
# before the figure; longer first so 不超過 wins over 超過
QUALIFIERS_BEFORE = sorted(
    {
        "超過": ">", "超过": ">", "逾": ">", "多於": ">", "多于": ">", "高於": ">", "高于": ">", "超": ">",
        "至少": ">=", "不少於": ">=", "不少于": ">=", "最少": ">=",
        "最多": "<=", "不多於": "<=", "不多于": "<=", "不超過": "<=", "不超过": "<=",
        "近": "≈-", "接近": "≈-", "將近": "≈-", "将近": "≈-", "差不多": "≈-",
        "約": "≈", "约": "≈", "大約": "≈", "大约": "≈", "約為": "≈", "约为": "≈",
        "少於": "<", "少于": "<", "不足": "<", "不到": "<", "低於": "<", "低于": "<", "未滿": "<", "未满": "<",
    }.items(),
    key=lambda kv: -len(kv[0]),
)  # fmt: skip
QUALIFIERS_BETWEEN = {"多": ">", "餘": ">", "余": ">"}  # 500多間, 100餘項
QUALIFIERS_AFTER = {"以上": ">=", "或以上": ">=", "以下": "<=", "左右": "≈"}


@dataclass(frozen=True)
class Quantity:
    value: int | float
    unit: str  # "HKD", "%", "PFLOPS", "間", "" …
    qualifier: str  # "=", ">", ">=", "<", "<=", "≈"
    start: int  # the figure (number and unit), code points into the text searched
    end: int
    text: str
    approach: str | None = None  # "below" for 近 / 接近: close to, and under
    qualifier_start: int | None = None  # where a qualifier before the figure starts
    direction: str | None = None  # "up" / "down": a word of change before the figure (上升 28%, 下跌 5%)

    @property
    def is_money(self) -> bool:
        return self.unit in set(CURRENCIES.values())

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"value": self.value, "unit": self.unit, "qualifier": self.qualifier}
        if self.approach:
            out["approach"] = self.approach
        if self.direction:
            out["direction"] = self.direction
        return out


def _latin_alnum(char: str) -> bool:
    return (char.isascii() and char.isalnum()) or char in "０１２３４５６７８９"


def _skip_spaces(text: str, pos: int) -> int:
    """Where the white space (``_SPACES``) from ``pos`` ends."""
    m = _SPACES.match(text, pos)
    return m.end() if m else pos


def _number(text: str, pos: int) -> tuple[list[tuple[str, Decimal]], int]:
    """Read a number expression at ``pos``: tokens and the end. Spaces may sit between parts
    (1 億 7 千萬) but never between two Arabic numbers."""
    tokens: list[tuple[str, Decimal]] = []
    end = pos
    while True:
        look = _skip_spaces(text, end) if tokens else end
        if tokens and any(text.startswith(word, look) for word, _ in FLOPS_WORDS):
            break  # 3,000 千萬億次: the multipliers are the unit's, not the number's
        m = ARABIC.match(text, look)
        if m and not (tokens and tokens[-1][0] == "arabic"):
            tokens.append(("arabic", Decimal(m.group().translate(_FULLWIDTH).replace(",", ""))))
            end = m.end()
            continue
        if look < len(text):
            char = text[look]
            if char in CN_POINT and tokens and tokens[-1][0] == "digit":
                fraction, after = _fraction(text, look + 1)
                if fraction is None:
                    break  # 三點 (o'clock), 十二點三十分: not a decimal
                tokens.append(("fraction", fraction))
                end = after
                continue
            if char in CN_DIGITS:
                tokens.append(("digit", Decimal(CN_DIGITS[char])))
            elif char in CN_SMALL and (tokens or char in "十拾"):
                tokens.append(("small", Decimal(CN_SMALL[char])))
            elif char in CN_LARGE and tokens:
                tokens.append(("large", Decimal(CN_LARGE[char])))
            else:
                break
            end = look + 1
            continue
        break
    return tokens, end


def _fraction(text: str, pos: int) -> tuple[Decimal | None, int]:
    """The digits after a Chinese decimal point at ``pos`` (五 in 一點五) as a fraction, and the end;
    None when there are none, or a 十/百/千 follows them (then it was a time, not a decimal)."""
    end = pos
    while end < len(text) and text[end] in CN_DIGITS:
        end += 1
    if end == pos or (end < len(text) and text[end] in CN_SMALL):
        return None, pos
    digits = "".join(str(CN_DIGITS[c]) for c in text[pos:end])
    return Decimal("0." + digits), end


def _evaluate(tokens: list[tuple[str, Decimal]]) -> Decimal:
    kinds = {kind for kind, _ in tokens}
    if kinds == {"digit"} and len(tokens) > 1:  # 二〇二四: positional
        return Decimal("".join(str(int(v)) for _, v in tokens))
    total = section = Decimal(0)
    number: Decimal | None = None
    largest = Decimal(0)
    for kind, value in tokens:
        if kind == "fraction":
            number = (number or Decimal(0)) + value
        elif kind in ("arabic", "digit"):
            number = value if number is None else number * 10 + value
        elif kind == "small":
            section += (number if number is not None else 1) * value
            number = None
        else:
            chunk = section + (number or 0) or Decimal(1)
            if value > largest:
                total = (total + chunk) * value
                largest = value
            else:
                total += chunk * value
            section, number = Decimal(0), None
    return total + section + (number or 0)


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _unit(text: str, pos: int) -> tuple[str, str, int]:
    """(unit as written, normalised unit, end) after a number; ("", "", pos) when none."""
    look = _skip_spaces(text, pos)
    if text.startswith(("%", "％"), look):
        return text[look], "%", look + 1
    if text.startswith("成", look):
        return "成", "成", look + 1
    for written, unit in FLOPS_WORDS:
        if text.startswith(written, look):
            return written, unit, look + len(written)
    for written in sorted(CURRENCIES, key=len, reverse=True):
        if text.startswith(written, look):
            return written, CURRENCIES[written], look + len(written)
    for written in MEASURES:
        if text.startswith(written, look):
            return written, UNIT_ALIASES.get(written, written), look + len(written)
    m = _LATIN.match(text, look)
    if m and look - pos <= 1 and m.group() in LATIN_UNITS:
        return m.group(), m.group(), m.end()
    return "", "", pos


_LATIN = re.compile(r"°?[A-Za-z][A-Za-z0-9²³/]{0,9}(?![A-Za-z0-9])")


_DATE_UNITS = re.compile(r"[ \t]*(?:年|月|日|號|号|時|时|点|點|週年|周年)")


_BETWEEN_CHANGE = re.compile(r"(?:了|達|达|約|约|大約|大约|近|逾|超過|超过|[ \t\u3000])*")


def _direction(text: str, start: int) -> str | None:
    """ "up" or "down" when a word of change ends just before ``start`` (上升28%, 減少了約3成)."""
    window = text[max(0, start - 12) : start]
    best: str | None = None
    for m in _DIRECTION.finditer(window):
        if _BETWEEN_CHANGE.fullmatch(window, m.end()):
            best = "down" if m.group("down") else "up"
    return best


def find_quantities(text: str) -> list[Quantity]:
    """Every figure in ``text`` with its value, unit and qualifier, in order."""
    found: list[Quantity] = []
    dates = [(d.start, d.end) for d in find_dates(text)]
    pos = 0
    start_chars = re.compile(r"[0-9０-９零〇一二兩两三四五六七八九十拾]|百分之|HK\$|US\$|RMB|\$")
    while True:
        m = start_chars.search(text, pos)
        if m is None:
            return found
        start = m.start()
        percent_words = prefix_unit = ""
        cursor = start
        if m.group() == "百分之":
            percent_words, cursor = "百分之", m.end()
        elif m.group() in PREFIX_CURRENCIES:
            prefix_unit, cursor = PREFIX_CURRENCIES[m.group()], _skip_spaces(text, m.end())
        if prefix_unit == "" and start >= 2 and text[start - 2 : start] in ("港幣", "港币"):
            prefix_unit = "HKD"
        tokens, end = _number(text, cursor)
        if not tokens or (start and text[start - 1].isascii() and text[start - 1].isalnum()):
            pos = max(m.end(), end, start + 1)
            continue
        if _DATE_UNITS.match(text, end) and not percent_words:
            pos = end
            continue
        value = _evaluate(tokens)
        qualifier, approach = "=", None
        between = text[end] if end < len(text) else ""
        unit_from = end
        if between in QUALIFIERS_BETWEEN:
            qualifier, unit_from = QUALIFIERS_BETWEEN[between], end + 1
        scale = _MONEY_SCALE.match(text, end) if prefix_unit else None
        if scale:  # HK$5M, US$1.2 billion: a multiplier, then the currency before the figure
            value *= MONEY_SCALES[scale.group(1)]
            written, unit, figure_end = scale.group(1), prefix_unit, scale.end()
        else:
            written, unit, figure_end = _unit(text, unit_from)
        if not written and unit_from != end:  # 多 not followed by a unit: not a qualifier
            qualifier, unit_from = "=", end
            figure_end = end
        if not written and end < len(text) and text[end].isascii() and text[end].isalpha():
            pos = end
            continue  # 5G, 4K, 3D: a name, not a figure
        if percent_words:
            unit, figure_end = "%", end
        elif unit == "成":
            value, unit = value * 10, "%"
        if prefix_unit and unit in ("", "HKD"):
            unit = prefix_unit
        only_chinese = all(kind == "digit" for kind, _ in tokens) and len(tokens) == 1
        if not unit and (only_chinese or not any(kind == "arabic" for kind, _ in tokens)):
            pos = end
            continue  # a bare Chinese numeral (一起, 十五五規劃) is not a figure
        if only_chinese and not (written in CURRENCIES or unit == "%"):
            pos = figure_end
            continue  # 一個, 三間: too common to suggest
        sign = 1
        if start and text[start - 1] in MINUS and not (start >= 2 and _latin_alnum(text[start - 2])):
            sign, start = -1, start - 1  # -3.5%, but not the 27 of 2026-27
        elif start and text[start - 1] in NEGATIVE_WORDS:
            sign, start = -1, start - 1
        qualifier_start = None
        before = text[max(0, start - 4) : start].rstrip(" \t\u3000")
        for word, q in QUALIFIERS_BEFORE:
            if before.endswith(word):
                qualifier = q
                qualifier_start = start - (len(text[max(0, start - 4) : start]) - len(before)) - len(word)
                break
        for word, q in QUALIFIERS_AFTER.items():
            if text.startswith(word, figure_end):
                qualifier = q
        if qualifier == "≈-":
            qualifier, approach = "≈", "below"
        direction = _direction(text, start if qualifier_start is None else qualifier_start)
        if any(s < figure_end and start < e for s, e in dates):
            pos = max(figure_end, start + 1)
            continue
        found.append(
            Quantity(
                value=_plain(value * sign),
                unit=unit,
                qualifier=qualifier,
                start=start,
                end=figure_end,
                text=text[start:figure_end],
                approach=approach,
                qualifier_start=qualifier_start,
                direction=direction,
            )
        )
        pos = max(figure_end, start + 1)


def normalise(text: str) -> Quantity | None:
    """The first figure with a unit in ``text`` (a claim, a phrase), else the first bare number."""
    quantities = find_quantities(text)
    with_unit = [q for q in quantities if q.unit]
    return (with_unit or quantities or [None])[0]  # type: ignore[list-item]


def normalise_unit(unit: str) -> str:
    """A unit as the normaliser writes it, so two claims' units compare: 港元 → HKD, 间 → 間,
    ％ → %, 千萬億次 → PFLOPS; a unit it does not know is returned trimmed."""
    unit = unit.strip()
    if unit in ("%", "％", "百分比"):
        return "%"
    if unit.upper() in CURRENCIES.values() or unit.upper() in PREFIX_CURRENCIES:
        return PREFIX_CURRENCIES.get(unit.upper(), unit.upper())
    written, normalised, end = _unit(unit, 0)
    if written and end == len(unit):
        return normalised
    return unit
