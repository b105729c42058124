"""Who reads which version of a note, as the confirmation pages say it before anything is
sent: "12 Japanese threads will read the English note"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker.selectors import Audience

LANGUAGE_NAMES = {"en": _("English"), "ru": _("Russian"), "ja": _("Japanese")}


def who_reads(group: Audience) -> str:
    """One whole sentence per pair of languages, so that each translates naturally:
    "12 Japanese threads will read the English note"."""
    n = group.threads
    pair = (group.language, group.reads)
    if not group.reads:
        return ngettext(
            "%(n)d thread will read no note.", "%(n)d threads will read no note.", n
        ) % {"n": n}
    if pair == ("en", "en"):
        text = ngettext(
            "%(n)d English thread will read the English note.",
            "%(n)d English threads will read the English note.",
            n,
        )
    elif pair == ("ru", "ru"):
        text = ngettext(
            "%(n)d Russian thread will read the Russian note.",
            "%(n)d Russian threads will read the Russian note.",
            n,
        )
    elif pair == ("ja", "ja"):
        text = ngettext(
            "%(n)d Japanese thread will read the Japanese note.",
            "%(n)d Japanese threads will read the Japanese note.",
            n,
        )
    elif pair == ("en", "ru"):
        text = ngettext(
            "%(n)d English thread will read the Russian note.",
            "%(n)d English threads will read the Russian note.",
            n,
        )
    elif pair == ("en", "ja"):
        text = ngettext(
            "%(n)d English thread will read the Japanese note.",
            "%(n)d English threads will read the Japanese note.",
            n,
        )
    elif pair == ("ru", "en"):
        text = ngettext(
            "%(n)d Russian thread will read the English note.",
            "%(n)d Russian threads will read the English note.",
            n,
        )
    elif pair == ("ru", "ja"):
        text = ngettext(
            "%(n)d Russian thread will read the Japanese note.",
            "%(n)d Russian threads will read the Japanese note.",
            n,
        )
    elif pair == ("ja", "en"):
        text = ngettext(
            "%(n)d Japanese thread will read the English note.",
            "%(n)d Japanese threads will read the English note.",
            n,
        )
    else:
        text = ngettext(
            "%(n)d Japanese thread will read the Russian note.",
            "%(n)d Japanese threads will read the Russian note.",
            n,
        )
    return text % {"n": n}
