import os
import random
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tracker import demo, services
from tracker.choices import ChannelKind
from tracker.embeddings.worker import embed_pending
from tracker.models import Account, Channel, FeatureRequest, Mention, StatusChange
from tracker.services import AccountData, DefectReport, ThreadData

DEMO_USERS = [
    ("pm", "Product managers", "Paula", "Product"),
    ("support", "Support staff", "Sam", "Support"),
]


def read_demo_passwords() -> dict[str, str]:
    """The demo users' passwords as loaddemo last set them: `username password` lines."""
    try:
        lines = Path(settings.DEMO_PASSWORDS_FILE).read_text().splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split(" ", 1) for line in lines if " " in line)


def write_demo_passwords(passwords: dict[str, str]) -> None:
    path = Path(settings.DEMO_PASSWORDS_FILE)
    # Readable by its owner only, from the moment it exists.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.writelines(f"{username} {password}\n" for username, password in passwords.items())


class Command(BaseCommand):
    help = "Load multilingual demo data and local demo users. Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(2026)  # the same demo every time  # noqa: S311
        channels = self._channels()
        accounts = self._accounts(rng)
        users = self._users()
        created = 0
        for rank, (key, language, kind, title, fate) in enumerate(demo.REQUESTS):
            if FeatureRequest.objects.filter(title=title).exists():
                continue
            with transaction.atomic():
                self._request(
                    rng, rank, key, language, kind, title, fate, channels, accounts, users
                )
            created += 1
        self.stdout.write(
            f"Demo data: {len(demo.REQUESTS) - created} requests were there, {created} added."
        )
        # The similar search and the duplicates queue work from stored vectors, which the
        # worker makes in the background; the demo is ready before the server starts.
        done = embed_pending()
        self.stdout.write(
            f"Similar search: {done.vectors} request vectors made, {done.pairs} likely duplicates."
        )

    def _channels(self) -> dict[str, Channel]:
        channels = {}
        for slug, name, _ in demo.CHANNELS:
            # Demo channels print messages into the worker's log: nothing leaves the machine.
            channels[slug], _ = Channel.objects.get_or_create(
                slug=slug, defaults={"name": name, "kind": ChannelKind.LOG}
            )
        return channels

    def _accounts(self, rng: random.Random) -> dict[str, list[Account]]:
        accounts: dict[str, list[Account]] = {}
        for language, entries in demo.ACCOUNTS.items():
            accounts[language] = [
                Account.objects.get_or_create(
                    external_id=external_id, defaults={"name": name, "plan": rng.choice(demo.PLANS)}
                )[0]
                for external_id, name in entries
            ]
        return accounts

    def _users(self) -> dict[str, User]:
        """The local demo users, with passwords kept in DEMO_PASSWORDS_FILE so that every run
        can show them (`make run` prints them again once the server is up). Only where DEBUG
        is on: a production database's users are never made, changed or shown."""
        known = read_demo_passwords()
        users, passwords = {}, {}
        for username, group, first, last in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if not settings.DEBUG:
                if user is None:
                    self.stdout.write(f"Not creating demo user {username!r}: DEBUG is off.")
                else:
                    self.stdout.write(f"Demo user {username} ({group}) exists; password unchanged.")
                    users[username] = user
                continue
            said = f"Demo user {username} ({group}): password"
            if user is None:
                password = secrets.token_urlsafe(9)
                user = User.objects.create_user(
                    username, password=password, first_name=first, last_name=last, is_staff=True
                )
                user.groups.add(Group.objects.get(name=group))
                self.stdout.write(f"{said} {password}")
            elif username in known and user.check_password(known[username]):
                password = known[username]
                self.stdout.write(f"{said} {password} (exists; password unchanged)")
            else:
                # Made before the passwords were kept, or changed since: a new one, kept.
                password = secrets.token_urlsafe(9)
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(f"{said} {password} (exists; password reset)")
            users[username], passwords[username] = user, password
        if passwords:
            write_demo_passwords(passwords)
        return users

    def _request(
        self,
        rng: random.Random,
        rank: int,
        key: str,
        language: str,
        kind: str,
        title: str,
        fate: str,
        channels: dict[str, Channel],
        accounts: dict[str, list[Account]],
        users: dict[str, User],
    ) -> None:
        agent, pm = users.get("support"), users.get("pm")
        demand = demo.DEMAND[rank % len(demo.DEMAND)] if rank < 40 else rng.randint(1, 4)
        origin = rng.choice(accounts[language])
        number = services.intake_log(
            account=AccountData(origin.external_id, origin.name, origin.plan),
            thread=ThreadData(self._channel_for(rng, language), f"demo-{key}-0", language),
            title=title,
            description=f"Logged from a customer chat: {title}",
            kind=kind,
            criticality=rng.choice(["normal", "normal", "high", "low"]),
            quote=rng.choice(demo.QUOTES[language]),
            report=DefectReport(**demo.DEFECT_REPORT) if kind == "defect" else None,  # type: ignore[arg-type]
            logged_by=agent,
        ).request.number
        for n in range(1, demand):
            thread_language = language if rng.random() < 0.7 else rng.choice(["en", "ru", "ja"])
            account = rng.choice(accounts[thread_language])
            services.intake_log(
                account=AccountData(account.external_id, account.name, account.plan),
                thread=ThreadData(
                    self._channel_for(rng, thread_language), f"demo-{key}-{n}", thread_language
                ),
                request_number=number,
                criticality=rng.choices(["low", "normal", "high", "critical"], [3, 12, 3, 0.15])[0],
                quote=rng.choice(demo.QUOTES[thread_language]),
                logged_by=agent,
            )
        if rank % 4 == 0:
            services.request_set_priority(
                number=number, priority=rng.choice(["p1", "p2", "p3"]), by=pm
            )
        self._backdate(rng, number)
        self._decide(number, fate, pm)

    def _channel_for(self, rng: random.Random, language: str) -> str:
        return rng.choice([slug for slug, _, langs in demo.CHANNELS if language in langs])

    def _decide(self, number: int, fate: str, pm: User | None) -> None:
        steps = {
            "under_review": [],
            "accepted": ["accepted"],
            "in_progress": ["accepted", "in_progress"],
            "done": ["accepted", "in_progress", "done"],
        }
        if fate.startswith("dup:"):
            survivor = FeatureRequest.objects.get(
                title=next(t for k, _, _, t, _ in demo.REQUESTS if k == fate[4:])
            )
            services.request_merge(
                number=number, into=survivor.number, public_note=demo.NOTES["duplicate"], by=pm
            )
        elif fate.startswith("declined:"):
            reason = fate.split(":")[1]
            services.request_transition(
                number=number,
                status="declined",
                reason=reason,
                public_note=demo.NOTES[reason],
                by=pm,
            )
        else:
            for status in steps[fate]:
                services.request_transition(
                    number=number, status=status, public_note=demo.NOTES[status], by=pm
                )

    def _backdate(self, rng: random.Random, number: int) -> None:
        """Spread the mentions over the last twelve weeks, so the weekly chart has a shape."""
        now = timezone.now()
        start = now - timedelta(days=rng.randint(20, 84))
        FeatureRequest.objects.filter(number=number).update(created_at=start)
        StatusChange.objects.filter(request_id=number).update(created_at=start)
        for mention in Mention.objects.filter(request_id=number).only("pk"):
            at = start + (now - start) * rng.random() ** 1.5
            Mention.objects.filter(pk=mention.pk).update(created_at=at)
        services.requests_recount(numbers=[number])
