"""A first guess at a claim's type from its wording (the claim form pre-selects it). Headless."""

from __future__ import annotations

import re

_RULES = [
    ("COMPARISON", re.compile(r"上升|下降|增加|減少|减少|增長|增长|按年|按月|排名|第[一二三四五六七八九十0-9]+位|倍|較|较|相比")),
    ("PLAN", re.compile(r"預計|预计|計劃|计划|預料|预料|目標|目标|將會|将会|擬|拟|爭取|争取|預期|预期")),
]
_STATUS = re.compile(r"已|正在|投入運作|投入运作|啟用|启用|落成|完成")
_OPINION = re.compile(r"認為|认为|相信|期望|希望|深信|表示|指出")


def guess_claim_type(text: str, has_figure: bool) -> str:
    """COMPARISON (按年上升28%), PLAN (預計…), STATISTIC (a figure), STATUS (已…), else OPINION."""
    for name, pattern in _RULES:
        if pattern.search(text):
            return name
    if has_figure:
        return "STATISTIC"
    if _STATUS.search(text):
        return "STATUS"
    if _OPINION.search(text):
        return "OPINION"
    return "STATUS"
