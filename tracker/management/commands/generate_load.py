"""Fill the database with vendor-scale synthetic data, in bulk.

Demand is skewed as in life: a request's share of mentions falls with its popularity rank
(weight 1 / (rank + 10)), so about a hundred requests are raised by a thousand threads or
more while the median request is raised by two or three.
"""

import random
import sys
import uuid
from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from tracker.choices import (
    ChannelKind,
    Criticality,
    DeclineReason,
    Kind,
    Plan,
    Priority,
    Status,
)
from tracker.demand import Demand
from tracker.models import Account, Channel, FeatureRequest, Mention, StatusChange, Thread
from tracker.ranking import Weights, plan_weight, rank

DEFAULTS = {"requests": 100_000, "mentions": 1_000_000, "accounts": 50_000, "threads": 200_000}

WORDS = {
    "en": (
        ["Export", "Import", "Filter", "Sort", "Print", "Share", "Archive", "Sync", "Tag", "Copy"],
        [
            "deals",
            "contacts",
            "invoices",
            "tasks",
            "projects",
            "calendar events",
            "chat messages",
            "documents",
            "leads",
            "reports",
            "workflows",
            "products",
            "quotes",
            "comments",
        ],
        [
            "to Excel",
            "by owner",
            "in bulk",
            "on mobile",
            "with templates",
            "by date created",
            "across departments",
            "from the Kanban board",
            "with attachments",
            "to PDF",
        ],
    ),
    "ru": (
        [
            "Выгрузка",
            "Загрузка",
            "Фильтр",
            "Сортировка",
            "Печать",
            "Архив",
            "Синхронизация",
            "Копирование",
            "Теги для",
            "Шаблоны для",
        ],
        [
            "сделок",
            "контактов",
            "счетов",
            "задач",
            "проектов",
            "событий календаря",
            "сообщений чата",
            "документов",
            "лидов",
            "отчётов",
            "бизнес-процессов",
            "товаров",
            "предложений",
        ],
        [
            "в Excel",
            "по ответственному",
            "массово",
            "в мобильном приложении",
            "по шаблону",
            "по дате создания",
            "по отделам",
            "из канбана",
            "с вложениями",
            "в PDF",
        ],
    ),
    "ja": (
        [
            "エクスポート:",
            "インポート:",
            "絞り込み:",
            "並べ替え:",
            "印刷:",
            "共有:",
            "アーカイブ:",
            "同期:",
            "タグ付け:",
            "コピー:",
        ],
        [
            "取引",
            "連絡先",
            "請求書",
            "タスク",
            "プロジェクト",
            "カレンダー",
            "チャット",
            "ドキュメント",
            "リード",
            "レポート",
            "ワークフロー",
            "商品",
            "見積",
        ],
        [
            "をExcelへ",
            "を担当者別に",
            "を一括で",
            "をモバイルで",
            "をテンプレートで",
            "を作成日順に",
            "を部署ごとに",
            "をかんばんから",
            "を添付付きで",
            "をPDFへ",
        ],
    ),
}
LANGUAGES = ["en"] * 4 + ["ru"] * 4 + ["ja"] * 2
STATUS_MIX = (
    [Status.UNDER_REVIEW] * 60
    + [Status.ACCEPTED] * 12
    + [Status.IN_PROGRESS] * 6
    + [Status.DONE] * 10
    + [Status.DECLINED] * 7
    + [Status.DUPLICATE] * 5
)
CRITICALITY_MIX = (
    [Criticality.LOW] * 2
    + [Criticality.NORMAL] * 6
    + [Criticality.HIGH] * 3
    + [Criticality.CRITICAL]
)
PLAN_MIX = (
    [Plan.FREE] * 4
    + [Plan.BASIC] * 2
    + [Plan.STANDARD] * 2
    + [Plan.PROFESSIONAL] * 2
    + [Plan.ENTERPRISE]
)


PRIORITY_MIX = [Priority.NONE] * 8 + [Priority.P1, Priority.P2, Priority.P3, Priority.P4]


@dataclass
class _Planned:
    row: FeatureRequest
    demand: Demand = field(default_factory=Demand)
    # The accounts that raised it, so that each counts once.
    accounts: set[int] = field(default_factory=set)
    # Index of the request this one is merged into, if it is a duplicate.
    survivor: int | None = None


# (request index, thread id, account id, criticality, when), in the order they are inserted.
_PlannedMention = tuple[int, int, int, str, datetime]


def _new_customers(requests: list[_Planned], mentions: list[_PlannedMention]) -> set[int]:
    """The positions of the mentions that mark a new customer: each account's first mention
    of a request or of one merged into it, the earliest, the first inserted (the lowest id)
    among equals. The rule intake and merges keep, and migration 0012 wrote for the mentions
    made before it; mentions are planned in no order of time, so it is applied afterwards."""
    seen: set[tuple[int, int]] = set()
    new: set[int] = set()
    for position in sorted(range(len(mentions)), key=lambda i: (mentions[i][4], i)):
        index, _, account_id, _, _ = mentions[position]
        survivor = requests[index].survivor
        family = index if survivor is None else survivor
        if (family, account_id) not in seen:
            seen.add((family, account_id))
            new.add(position)
    return new


class Command(BaseCommand):
    help = "Fill the database with synthetic requests, mentions, accounts and threads, in bulk."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Fraction of the default sizes, e.g. 0.01."
        )
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, help=f"How many (default {default:,}).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {
            name: options[name] or max(1, round(default * options["scale"]))
            for name, default in DEFAULTS.items()
        }
        self.rng = random.Random(options["seed"])  # noqa: S311
        self.batch = options["batch_size"]
        self.quiet = options["no_progress"]
        self.now = timezone.now()
        self.run_id = uuid.uuid4().hex[:8]  # keeps external ids unique across runs

        channels = self._channels()
        accounts = self._accounts(sizes["accounts"])
        threads = self._threads(sizes["threads"], accounts, channels)
        # Everything about requests and mentions is decided in memory first, so that every
        # row is inserted once, complete, and nothing is updated afterwards.
        requests = self._plan_requests(sizes["requests"])
        mentions = self._plan_mentions(sizes["mentions"], requests, threads)
        self._insert_requests(requests)
        self._insert_mentions(requests, mentions)
        self.stdout.write(
            "Generated "
            + ", ".join(f"{count:,} {name}" for name, count in sizes.items())
            + f" (run {self.run_id})."
        )

    # --- steps ------------------------------------------------------------------------------

    def _bar(self, total: int, what: str) -> "tqdm[Any]":
        return tqdm(total=total, unit=what, desc=what, disable=self.quiet, file=sys.stderr)

    def _channels(self) -> list[Channel]:
        specs = [
            ("load-bitrix24", ChannelKind.BITRIX24),
            ("load-slack", ChannelKind.SLACK),
            ("load-mail", ChannelKind.EMAIL),
            ("load-hooks", ChannelKind.WEBHOOK),
        ]
        return [
            Channel.objects.get_or_create(slug=slug, defaults={"name": slug, "kind": kind})[0]
            for slug, kind in specs
        ]

    def _accounts(self, count: int) -> list[tuple[int, str]]:
        rng, made = self.rng, []
        with self._bar(count, "accounts") as bar:
            for start in range(0, count, self.batch):
                rows = [
                    Account(
                        external_id=f"load{self.run_id}-{i}.example.com",
                        name=f"Load customer {i}",
                        plan=rng.choice(PLAN_MIX),
                    )
                    for i in range(start, min(count, start + self.batch))
                ]
                Account.objects.bulk_create(rows)
                made += [(a.pk, a.plan) for a in rows]
                bar.update(len(rows))
        return made

    def _threads(
        self, count: int, accounts: list[tuple[int, str]], channels: list[Channel]
    ) -> list[tuple[int, int, str]]:
        rng, made = self.rng, []
        with self._bar(count, "threads") as bar:
            for start in range(0, count, self.batch):
                rows = [
                    Thread(
                        channel=rng.choice(channels),
                        ref=f"load{self.run_id}-{i}",
                        account_id=accounts[i % len(accounts)][0],
                        language=rng.choice(LANGUAGES),
                    )
                    for i in range(start, min(count, start + self.batch))
                ]
                Thread.objects.bulk_create(rows)
                made += [
                    (t.pk, t.account_id, accounts[i % len(accounts)][1])
                    for i, t in enumerate(rows, start)
                ]
                bar.update(len(rows))
        return made

    def _plan_requests(self, count: int) -> list[_Planned]:
        rng, planned = self.rng, []
        for _ in range(count):
            language = rng.choice(LANGUAGES)
            verbs, objects, tails = WORDS[language]
            title = f"{rng.choice(verbs)} {rng.choice(objects)} {rng.choice(tails)}"
            if language == "ja":
                title = title.replace(" ", "")
            status = rng.choice(STATUS_MIX)
            planned.append(
                _Planned(
                    row=FeatureRequest(
                        title=title,
                        description=f"Synthetic load request: {title}",
                        kind=Kind.DEFECT if rng.random() < 0.2 else Kind.SUGGESTION,
                        status=status,
                        decline_reason=(
                            rng.choice(DeclineReason.values) if status == Status.DECLINED else ""
                        ),
                        priority=rng.choice(PRIORITY_MIX),
                        created_at=self.now - timedelta(days=rng.randint(1, 720)),
                    )
                )
            )
        survivors = [
            i
            for i, p in enumerate(planned)
            if p.row.status not in (Status.DUPLICATE, Status.DECLINED)
        ]
        for p in planned:
            if p.row.status == Status.DUPLICATE:
                if survivors:
                    p.survivor = rng.choice(survivors)
                else:
                    p.row.status = Status.UNDER_REVIEW
        return planned

    def _plan_mentions(
        self, count: int, requests: list[_Planned], threads: list[tuple[int, int, str]]
    ) -> list[_PlannedMention]:
        rng = self.rng
        order = list(range(len(requests)))
        rng.shuffle(order)  # popularity is not tied to the number
        cumulative = list(accumulate(1 / (i + 10) for i in range(len(requests))))
        top = cumulative[-1]
        seen: set[tuple[int, int]] = set()
        mentions: list[_PlannedMention] = []
        while len(mentions) < count:
            index = order[bisect(cumulative, rng.random() * top)]
            thread_id, account_id, plan = rng.choice(threads)
            if (thread_id, index) in seen:
                continue
            seen.add((thread_id, index))
            request = requests[index]
            criticality = rng.choice(CRITICALITY_MIX)
            at = max(request.row.created_at, self.now - timedelta(days=rng.randint(0, 720)))
            mentions.append((index, thread_id, account_id, criticality, at))
            # A merged request's mentions count for itself and for its survivor.
            for target in (index, request.survivor):
                if target is None:
                    continue
                figures = requests[target]
                new_customer = account_id not in figures.accounts
                figures.accounts.add(account_id)
                figures.demand = figures.demand.add_mention(
                    criticality=criticality,
                    at=at,
                    new_customer=new_customer,
                    plan_weight=plan_weight(plan),
                )
        return mentions

    def _insert_requests(self, requests: list[_Planned]) -> None:
        weights = Weights.from_settings()
        for p in requests:
            r = p.row
            p.demand.write_to(r)
            r.status_changed_at = r.created_at
            r.score = rank(
                weighted_customers=r.demand_weight,
                criticality=r.effective_criticality,
                priority=r.priority,
                weights=weights,
            ).score
        # Survivors first, so that duplicates can point at their numbers.
        survivors = [p for p in requests if p.survivor is None]
        duplicates = [p for p in requests if p.survivor is not None]
        with self._bar(len(requests), "requests") as bar:
            for group in (survivors, duplicates):
                for start in range(0, len(group), self.batch):
                    chunk = group[start : start + self.batch]
                    for p in chunk:
                        if p.survivor is not None:
                            p.row.duplicate_of_id = requests[p.survivor].row.number
                    rows = [p.row for p in chunk]
                    with transaction.atomic():
                        FeatureRequest.objects.bulk_create(rows)
                        StatusChange.objects.bulk_create(
                            [
                                StatusChange(
                                    request=r,
                                    to_status=Status.UNDER_REVIEW,
                                    created_at=r.created_at,
                                )
                                for r in rows
                            ]
                            + [
                                StatusChange(
                                    request=r,
                                    from_status=Status.UNDER_REVIEW,
                                    to_status=r.status,
                                    reason=r.decline_reason,
                                    created_at=r.created_at,
                                )
                                for r in rows
                                if r.status != Status.UNDER_REVIEW
                            ]
                        )
                    bar.update(len(chunk))

    def _insert_mentions(self, requests: list[_Planned], mentions: list[_PlannedMention]) -> None:
        new = _new_customers(requests, mentions)
        with self._bar(len(mentions), "mentions") as bar:
            for start in range(0, len(mentions), self.batch):
                chunk = mentions[start : start + self.batch]
                Mention.objects.bulk_create(
                    [
                        Mention(
                            request_id=requests[index].row.number,
                            thread_id=thread_id,
                            criticality=criticality,
                            created_at=at,
                            quote="Synthetic customer words.",
                            new_customer=position in new,
                        )
                        for position, (index, thread_id, _, criticality, at) in enumerate(
                            chunk, start
                        )
                    ]
                )
                bar.update(len(chunk))
