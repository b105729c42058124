"""Finds a date or a time frame in text a customer will read.

The support desk never gives a deadline: timing depends on the complexity of the work and
the development queue. So a public note that states or implies one ("next week", "by March",
"до конца месяца", "来月", "2026-03-01", "soon") is refused, and the phrase is quoted back
so that the product manager sees what to rephrase.

The patterns are deliberately a little eager: a note that is refused by mistake costs a
rewording, a date that slips through costs a broken promise to every customer that asked.
Words that are also ordinary words ("may", "march", "среда" as "environment") are only
taken as dates where the context makes them one.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# --- English ---------------------------------------------------------------------------

_EN_MONTHS = r"january|february|april|june|july|august|september|october|november|december"
_EN_MONTH_ABBREVIATIONS = r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_EN_WEEKDAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_EN_SEASONS = r"spring|summer|autumn|fall|winter"
_EN_UNITS = (
    r"(?:business\s+|working\s+)?"
    r"(?:hours?|days?|weeks?|fortnights?|months?|quarters?|years?|sprints?)"
)
_EN_COUNTS = (
    r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+few|few"
    r"|a\s+couple\s+of|couple\s+of|several"
)
_EN_PERIODS = rf"week|weekend|month|quarter|year|{_EN_SEASONS}|{_EN_WEEKDAYS}"
_EN_PREPOSITIONS = r"in|by|until|till|before|after|since|from|during|early|mid|late|through"

_ENGLISH = [
    # Relative periods: "next week", "this quarter", "the coming month", "later this year".
    re.compile(
        rf"\b(?:later\s+)?(?:this|next|coming|following|upcoming)\s+(?:{_EN_PERIODS})\b", _I
    ),
    re.compile(r"\b(?:next|coming|following|upcoming)\s+(?:sprint|release|update|version)\b", _I),
    re.compile(
        r"\b(?:end|beginning|start|middle)\s+of\s+(?:the\s+|this\s+|next\s+)?"
        rf"(?:week|month|quarter|year|{_EN_MONTHS}|march|may)\b",
        _I,
    ),
    # Durations: "in two weeks", "a few months", "within a month", "3 days".
    re.compile(rf"\b(?:{_EN_COUNTS})(?:\s+more)?\s+{_EN_UNITS}\b", _I),
    re.compile(
        r"\b(?:in|within|after|under|over|about|around|inside)\s+(?:the\s+next\s+)?(?:a|an)\s+"
        rf"{_EN_UNITS}\b",
        _I,
    ),
    re.compile(r"\b(?:within|over)\s+the\s+(?:next|coming)\s+" + _EN_UNITS, _I),
    # Quarters and halves: "Q3", "in Q3 2026", "H2".
    re.compile(r"\b[QH][1-4]\b(?:\s+20\d\d)?", _I),
    re.compile(r"\b(?:first|second|third|fourth|last)\s+(?:quarter|half)\b", _I),
    # Calendar dates: 2026-03-01, 01.03.2026, 3/1/2026.
    re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"),
    re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b"),
    # Months and weekdays. "May" and "March" are also words, so they count only when
    # capitalized and placed like a date.
    re.compile(rf"\b(?:{_EN_MONTHS})\b(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s+20\d\d)?", _I),
    re.compile(rf"\b(?:{_EN_MONTH_ABBREVIATIONS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b", _I),
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_EN_MONTHS}|{_EN_MONTH_ABBREVIATIONS}"
        r"|march|may)\b",
        _I,
    ),
    re.compile(rf"\b(?:{_EN_PREPOSITIONS})\s+(?:March|May)\b"),
    re.compile(r"\b(?:March|May)\s+(?:\d{1,2}(?:st|nd|rd|th)?|20\d\d)\b"),
    re.compile(rf"\b(?:{_EN_WEEKDAYS})s?\b", _I),
    re.compile(
        rf"\b(?:this|next|by|in|until|before|over\s+the|during\s+the)\s+(?:{_EN_SEASONS})\b", _I
    ),
    # Years standing alone.
    re.compile(r"\b20[2-4]\d\b"),
    # Named days and vague promises of timing.
    re.compile(r"\b(?:today|tonight|tomorrow|yesterday|fortnight)\b", _I),
    re.compile(r"\b(?<!as\s)(?:soon|sooner|shortly)\b(?!\s+as\b)", _I),
    re.compile(r"\b(?:asap|eod|eow|eom|eoq|eoy)\b", _I),
    re.compile(r"\bin\s+the\s+(?:near|foreseeable)\s+future\b", _I),
    re.compile(r"\bin\s+the\s+(?:coming|next)\s+(?:few\s+)?(?:days|weeks|months)\b", _I),
    re.compile(r"\bany\s+day\s+now\b", _I),
]

# --- Russian ---------------------------------------------------------------------------

_RU_MONTHS = (
    r"январ\w*|феврал\w*|март\w*|апрел\w*|ма[йяею]|июн\w*|июл\w*|август\w*|сентябр\w*"
    r"|октябр\w*|ноябр\w*|декабр\w*"
)
_RU_WEEKDAYS = r"понедельник\w*|вторник\w*|четверг\w*|пятниц\w*|суббот\w*|воскресень\w*"
_RU_UNITS = r"(?:час\w*|дн[яейи]\w*|день|сут\w*|недел\w*|месяц\w*|квартал\w*|год\w*|лет)"
_RU_COUNTS = (
    r"\d+|одну|один|одна|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять"
    r"|пару|пара|нескольк\w*"
)

_RUSSIAN = [
    re.compile(
        r"(?<!\w)(?:на|в|во|к|до|с|по)\s+(?:этой|этом|этот|эту|следующ\w+|будущ\w+"
        r"|ближайш\w+)\s+(?:недел\w*|месяц\w*|квартал\w*|год\w*)",
        _I,
    ),
    re.compile(
        r"(?<!\w)(?:следующ|будущ|ближайш)\w*\s+(?:релиз\w*|верси\w*|обновлени\w*|спринт\w*)",
        _I,
    ),
    re.compile(
        r"(?<!\w)(?:до|к|в|с)\s+(?:конц\w*|начал\w*|середин\w*)\s+(?:этой\s+|этого\s+|"
        r"следующ\w+\s+)?(?:недел\w*|месяц\w*|квартал\w*|год\w*|" + _RU_MONTHS + r")",
        _I,
    ),
    re.compile(
        rf"(?<!\w)(?:через|в\s+течени[ея]|за|в\s+пределах)\s+(?:(?:{_RU_COUNTS})\s+)?{_RU_UNITS}",
        _I,
    ),
    re.compile(rf"(?<!\w)(?:{_RU_COUNTS})[- ]?\s*{_RU_UNITS}(?!\w)", _I),
    re.compile(r"(?<!\w)пол(?:года|месяца|дня)(?!\w)", _I),
    re.compile(rf"(?<!\w)(?:{_RU_MONTHS})(?!\w)", _I),
    re.compile(rf"(?<!\w)(?:{_RU_WEEKDAYS})(?!\w)", _I),
    # "Среда" is also "environment": only "в среду", "до среды" and the like are dates.
    re.compile(r"(?<!\w)(?:в|во|к|до|по|со|с|после)\s+сред[уы](?!\w)", _I),
    re.compile(r"(?<!\w)(?:перв\w*|втор\w*|трет\w*|четв[её]рт\w*|\d+-?\w*)\s+квартал\w*", _I),
    re.compile(r"(?<!\w)(?:перв\w*|втор\w*)\s+полугоди\w*", _I),
    re.compile(r"(?<!\w)(?:весной|летом|осенью|зимой)(?!\w)", _I),
    re.compile(
        r"(?<!\w)(?:сегодня|завтра|послезавтра|вчера|скоро|вскоре|как\s+можно\s+скорее|на\s+днях"
        r"|в\s+ближайшее\s+время|в\s+скором\s+времени|в\s+обозримом\s+будущем"
        r"|в\s+ближайш\w+\s+(?:дни|недели|месяцы))(?!\w)",
        _I,
    ),
    # "до 01.03", "к 1 марта" (the month is caught above).
    re.compile(r"(?<!\w)(?:до|к|с|по)\s+\d{1,2}\.\d{1,2}(?!\d)", _I),
    re.compile(r"(?<!\w)\d{4}\s*(?:г\.|год\w*)", _I),
]

# --- Japanese --------------------------------------------------------------------------

# Not the digits of a product name: "Bitrix24日本語版" says nothing about a date.
_JA_NUM = r"(?<![A-Za-z\d])(?:\d+|[一二三四五六七八九十百]+)"

_JAPANESE = [
    re.compile(
        r"再来週|来週|今週|先週|再来月|来月|今月|先月|再来年|来年|今年度?|来年度|年度内|年度末"
        r"|今期|来期|年内|月内|週内|月末|年末|週末|期末|上旬|中旬|下旬|月初|年明け|年始"
        r"|上半期|下半期|上期|下期|近日中?|近いうち|近々|まもなく|間もなく|もうすぐ|じきに"
        r"|明後日|明日|今日|本日|今夜|今晩|数日|数週間|数[かヶカケヵ箇]月|数年"
        r"|次回?の(?:リリース|アップデート|バージョン|更新)"
        r"|今(?:春|夏|秋|冬)|来(?:春|夏|秋|冬)"
    ),
    re.compile(rf"{_JA_NUM}\s*[かヶカケヵ箇]月"),
    re.compile(rf"{_JA_NUM}\s*(?:月|日|週間|週|年|時間)"),
    re.compile(r"第\s*[1-4一二三四]\s*四半期"),
    re.compile(r"[月火水木金土日]曜日?"),
    re.compile(r"[春夏秋冬](?:頃|ごろ|まで|中|に)"),
]

_PATTERNS = [*_ENGLISH, *_RUSSIAN, *_JAPANESE]


def find_date_phrase(text: str) -> str | None:
    """The first phrase in `text` that states or implies a date or a time frame, or None."""
    first: re.Match[str] | None = None
    for pattern in _PATTERNS:
        match = pattern.search(text)
        # The earliest phrase, and of those starting there the longest, is the one to quote.
        if match and (
            first is None
            or match.start() < first.start()
            or (match.start() == first.start() and match.end() > first.end())
        ):
            first = match
    return first.group(0).strip() if first else None
