"""A gold annotation of seed 000 (數碼港, 2026-02-25): what a careful annotator tags in it.

Entities are (text, label): every occurrence of the text is tagged with the label. Claims are
(a fragment of the sentence, type): the whole sentence holding the fragment is the claim
(fragments are typed into the find bar by Pilot, so they hold no full-width punctuation).
``benchmarks/bench_session.py`` tags the release from this list through the app, counting keys;
``tests/test_flow_app.py`` checks that every entry is in the seed.
"""

from __future__ import annotations

ENTITIES: list[tuple[str, str]] = [
    ("數碼港", "ORG"),
    ("陳細明", "PERSON"),
    ("馮倩雯", "PERSON"),
    ("伍梓瑩", "PERSON"),
    ("特區政府", "ORG"),
    ("香港金融管理局", "ORG"),
    ("金管局", "ORG"),
    ("數字政策辦公室", "ORG"),
    ("數字辦", "ORG"),
    ("運輸署", "ORG"),
    ("民政及青年事務局", "ORG"),
    ("教育局", "ORG"),
    ("財經事務及庫務局", "ORG"),
    ("世聯顧問", "ORG"),
    ("順豐", "ORG"),
    ("百度", "ORG"),
    ("《財政預算案》", "DOCUMENT"),
    ("十五五規劃", "DOCUMENT"),
    ("人工智能超算中心", "FACILITY"),
    ("數碼港ABC服務中心", "FACILITY"),
    ("人工智能資助計劃", "PROGRAM"),
    ("區塊鏈與數字資產試點資助計劃", "PROGRAM"),
    ("青年初創實習計劃", "PROGRAM"),
    ("北大嶼山", "LOC"),
    ("東涌", "LOC"),
    ("中東", "LOC"),
    ("東盟", "LOC"),
    ("2026年2月25日", "DATE"),
    ("3,360億港元", "MONEY"),
    ("870億港元", "MONEY"),
    ("30億港元", "MONEY"),
    ("462億港元", "MONEY"),
    ("3,000 PFLOPS", "QUANTITY"),
    ("500間", "QUANTITY"),
    ("28%", "QUANTITY"),
]

CLAIMS: list[tuple[str, str]] = [
    ("人工智能超算中心已經提供3,000 PFLOPS算力水平", "STATISTIC"),
    ("數碼港現時匯聚超過500間", "STATISTIC"),
    ("兩期計劃吸引超過100個申請", "STATISTIC"),
    ("數碼港有超過490家企業進駐", "COMPARISON"),
    ("至今逾 15,000 人受惠", "STATISTIC"),
]
