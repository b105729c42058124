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
    CRITICALITY_RANK,
    ChannelKind,
    Criticality,
    DeclineReason,
    Kind,
    Plan,
    Priority,
    Status,
)
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


@dataclass
class _Figures:
    accounts: set[int] = field(default_factory=set)
    weight: float = 0.0
    mentions: int = 0
    crit: int = 0
    last: datetime | None = None


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
        requests = self._requests(sizes["requests"])
        figures = self._mentions(sizes["mentions"], requests, threads)
        self._figures(requests, figures)
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

    def _requests(self, count: int) -> list[FeatureRequest]:
        rng, made = self.rng, []
        with self._bar(count, "requests") as bar:
            for start in range(0, count, self.batch):
                rows = []
                for _ in range(min(self.batch, count - start)):
                    language = rng.choice(LANGUAGES)
                    verbs, objects, tails = WORDS[language]
                    title = f"{rng.choice(verbs)} {rng.choice(objects)} {rng.choice(tails)}"
                    if language == "ja":
                        title = title.replace(" ", "")
                    status = rng.choice(STATUS_MIX)
                    rows.append(
                        FeatureRequest(
                            title=title,
                            description=f"Synthetic load request: {title}",
                            kind=Kind.DEFECT if rng.random() < 0.2 else Kind.SUGGESTION,
                            # Duplicates are pointed at their survivors once numbers exist.
                            status=Status.UNDER_REVIEW if status == Status.DUPLICATE else status,
                            decline_reason=(
                                rng.choice(DeclineReason.values)
                                if status == Status.DECLINED
                                else ""
                            ),
                            priority=rng.choice(
                                [Priority.NONE] * 8
                                + [Priority.P1, Priority.P2, Priority.P3, Priority.P4]
                            ),
                            created_at=self.now - timedelta(days=rng.randint(1, 720)),
                        )
                    )
                    rows[-1].load_status = status  # type: ignore[attr-defined]
                with transaction.atomic():
                    FeatureRequest.objects.bulk_create(rows)
                    StatusChange.objects.bulk_create(
                        [StatusChange(request=r, to_status=Status.UNDER_REVIEW) for r in rows]
                        + [
                            StatusChange(
                                request=r,
                                from_status=Status.UNDER_REVIEW,
                                to_status=r.status,
                                reason=r.decline_reason,
                            )
                            for r in rows
                            if r.status != Status.UNDER_REVIEW
                        ]
                    )
                made += rows
                bar.update(len(rows))
        # Merge the chosen duplicates into requests that are themselves no duplicates.
        survivors = [
            r
            for r in made
            if r.load_status != Status.DUPLICATE  # type: ignore[attr-defined]
            and r.status != Status.DECLINED
        ]
        duplicates = [r for r in made if r.load_status == Status.DUPLICATE]  # type: ignore[attr-defined]
        if survivors:
            for r in duplicates:
                r.status = Status.DUPLICATE
                r.duplicate_of_id = rng.choice(survivors).number
            FeatureRequest.objects.bulk_update(
                duplicates, ["status", "duplicate_of"], batch_size=self.batch
            )
            StatusChange.objects.bulk_create(
                [
                    StatusChange(
                        request=r, from_status=Status.UNDER_REVIEW, to_status=Status.DUPLICATE
                    )
                    for r in duplicates
                ],
                batch_size=self.batch,
            )
        return made

    def _mentions(
        self,
        count: int,
        requests: list[FeatureRequest],
        threads: list[tuple[int, int, str]],
    ) -> dict[int, _Figures]:
        rng = self.rng
        order = list(range(len(requests)))
        rng.shuffle(order)  # popularity is not tied to the number
        cumulative = list(accumulate(1 / (i + 10) for i in range(len(requests))))
        top = cumulative[-1]
        figures: dict[int, _Figures] = {}
        seen: set[tuple[int, int]] = set()
        made = 0
        with self._bar(count, "mentions") as bar:
            while made < count:
                rows: list[Mention] = []
                while len(rows) < min(self.batch, count - made):
                    request = requests[order[bisect(cumulative, rng.random() * top)]]
                    thread_id, account_id, plan = rng.choice(threads)
                    if (thread_id, request.number) in seen:
                        continue
                    seen.add((thread_id, request.number))
                    criticality = rng.choice(CRITICALITY_MIX)
                    at = max(request.created_at, self.now - timedelta(days=rng.randint(0, 720)))
                    rows.append(
                        Mention(
                            request=request,
                            thread_id=thread_id,
                            criticality=criticality,
                            created_at=at,
                            quote="Synthetic customer words.",
                        )
                    )
                    # Figures count for the request and, if merged, for its survivor.
                    for number in {request.number, request.duplicate_of_id} - {None}:
                        f = figures.setdefault(number, _Figures())  # type: ignore[arg-type]
                        f.mentions += 1
                        if account_id not in f.accounts:
                            f.accounts.add(account_id)
                            f.weight += plan_weight(plan)
                        f.crit = max(f.crit, CRITICALITY_RANK[criticality])
                        f.last = at if f.last is None else max(f.last, at)
                Mention.objects.bulk_create(rows)
                made += len(rows)
                bar.update(len(rows))
        return figures

    def _figures(self, requests: list[FeatureRequest], figures: dict[int, _Figures]) -> None:
        weights = Weights.from_settings()
        criticalities = list(CRITICALITY_RANK)
        for r in requests:
            f = figures.get(r.number, _Figures())
            r.customer_count = len(f.accounts)
            r.demand_weight = f.weight
            r.mention_count = f.mentions
            r.mention_criticality = criticalities[f.crit]
            r.last_raised_at = f.last
            r.score = rank(
                weighted_customers=r.demand_weight,
                criticality=r.effective_criticality,
                priority=r.priority,
                weights=weights,
            ).score
        with self._bar(len(requests), "scores") as bar:
            for start in range(0, len(requests), self.batch):
                chunk = requests[start : start + self.batch]
                FeatureRequest.objects.bulk_update(
                    chunk,
                    [
                        "customer_count",
                        "demand_weight",
                        "mention_count",
                        "mention_criticality",
                        "last_raised_at",
                        "score",
                    ],
                )
                bar.update(len(chunk))
