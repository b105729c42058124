"""The mixed workload of a busy day, through the API, on many connections at once
(PostgreSQL only: SQLite serializes writers by design).

Chat integrations log new wishes and attach threads to existing requests (merged ones too),
sometimes with a customer's new plan; product managers merge, set priorities and change
statuses, all on the same few requests and accounts. Nothing may answer a 5xx, no deadlock
may reach a client, and every request's demand figures must equal a recount afterwards.

TRACKER_WORKLOAD_SECONDS (default 20) and TRACKER_WORKLOAD_CLIENTS (default 8) size it.
"""

import logging
import os
import random
import time
from collections import Counter

from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.api.conftest import client_for
from tests.concurrency import concurrent_test, run_at_once
from tests.factories import ChannelFactory, UserFactory
from tracker import services
from tracker.models import Decision, FeatureRequest, StatusChange

pytestmark = concurrent_test

SECONDS = float(os.environ.get("TRACKER_WORKLOAD_SECONDS", "20"))
CLIENTS = int(os.environ.get("TRACKER_WORKLOAD_CLIENTS", "8"))

ACCOUNTS = [f"portal{i}.example.com" for i in range(4)]
PLANS = ["free", "basic", "standard", "professional", "enterprise"]
# Where a transition goes, with what it needs; many are refused (409) as the status moves on.
TRANSITIONS = [
    {"status": "accepted"},
    {"status": "in_progress"},
    {"status": "done"},
    {"status": "under_review"},
    {"status": "declined", "reason": "not_planned"},
]
# A refusal of the domain is a fine answer under load; a 5xx never is.
EXPECTED = {200, 201, 409}


def _user(username, *codenames):
    user = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
    )
    return user


class Workload:
    def __init__(self, numbers):
        # Every request number seen so far; list.append is atomic under the GIL.
        self.numbers = list(numbers)

    @staticmethod
    def intake(rng, client, plan=None, **body):
        """An intake from one of a few accounts' threads; with `plan`, one that states the
        customer's plan on purpose (a plan change, when it differs)."""
        account = rng.choice(ACCOUNTS)
        payload = {
            "account": {"external_id": account, **({"plan": plan} if plan else {})},
            # A thread belongs to one account: its reference says which.
            "thread": {"channel": "hooks-main", "ref": f"{account}-{rng.randrange(12)}"},
            "criticality": rng.choice(["low", "normal", "high", "critical"]),
            **body,
        }
        return client.post(reverse("api-intake"), payload, format="json")

    def run(self, i, agent, pm):
        rng = random.Random(i)
        deadline = time.monotonic() + SECONDS
        answers = []
        n = 0
        while time.monotonic() < deadline:
            n += 1
            op = rng.choices(
                ["new", "attach", "plan", "merge", "priority", "transition"],
                weights=[3, 5, 2, 2, 2, 2],
            )[0]
            some = lambda: rng.choice(self.numbers)  # noqa: E731
            if op == "new":
                answer = self.intake(rng, agent, title=f"Wish {i}-{n}")
                if answer.status_code == 201:
                    self.numbers.append(answer.json()["number"])
            elif op == "attach":
                answer = self.intake(rng, agent, request_number=some())
            elif op == "plan":
                answer = self.intake(rng, agent, plan=rng.choice(PLANS), request_number=some())
            elif op == "merge":
                answer = pm.post(
                    reverse("api-request-merge", args=[some()]), {"into": some()}, format="json"
                )
            elif op == "priority":
                answer = pm.patch(
                    reverse("api-request", args=[some()]),
                    {"priority": rng.choice(["none", "p1", "p2", "p3", "p4"])},
                    format="json",
                )
            else:
                answer = pm.post(
                    reverse("api-request-transition", args=[some()]),
                    rng.choice(TRANSITIONS),
                    format="json",
                )
            answers.append((op, answer.status_code, answer.content.decode()[:300]))
        return answers


def test_the_mixed_workload_answers_no_5xx_and_leaves_figures_equal_to_a_recount(caplog):
    ChannelFactory()
    # Permissions, not groups: a transactional test elsewhere may have flushed the groups.
    agent = _user("agent", "add_mention", "view_featurerequest")
    pm = _user("pm", "decide_featurerequest", "view_featurerequest", "add_mention")
    seed = client_for(agent)
    numbers = []
    for k, account in enumerate(ACCOUNTS * 2):
        answer = seed.post(
            reverse("api-intake"),
            {
                "account": {"external_id": account, "plan": "standard"},
                "thread": {"channel": "hooks-main", "ref": f"{account}-{k}"},
                "title": f"Seed wish {k}",
            },
            format="json",
        )
        assert answer.status_code == 201
        numbers.append(answer.json()["number"])
    workload = Workload(numbers)

    def client(i):
        agent_client, pm_client = client_for(agent), client_for(pm)
        # A 500 is an answer to count here, not an exception to stop at.
        agent_client.raise_request_exception = False
        pm_client.raise_request_exception = False
        return workload.run(i, agent_client, pm_client)

    with caplog.at_level(logging.WARNING, logger="tracker.services"):
        results, errors = run_at_once(client, CLIENTS)

    assert errors == []
    answers = [answer for client_answers in results for answer in client_answers]
    codes = Counter((op, code) for op, code, _ in answers)
    unexpected = [answer for answer in answers if answer[1] not in EXPECTED]
    assert unexpected == [], (codes, unexpected[:5])
    assert not [a for a in answers if "deadlock" in a[2].lower()]
    # Every kind of operation got through.
    for op in ["new", "attach", "plan", "merge", "priority", "transition"]:
        assert sum(n for (o, code), n in codes.items() if o == op and code < 300) > 0, codes
    # The lock order holds: PostgreSQL found no deadlock to break, not even one retried.
    assert [r.getMessage() for r in caplog.records if "deadlock" in r.getMessage()] == []

    # The figures kept by every intake and merge are those a recount finds.
    everything = list(FeatureRequest.objects.values_list("number", flat=True))
    assert services.requests_recount(numbers=everything) == 0
    # Every merge and status change that was answered 200 is on record.
    merged = sum(n for (o, code), n in codes.items() if o == "merge" and code == 200)
    assert Decision.objects.filter(kind="merge", field="duplicate_of", old="").count() == merged
    assert FeatureRequest.objects.filter(status="duplicate").count() == merged
    moved = sum(n for (o, code), n in codes.items() if o == "transition" and code == 200)
    assert Decision.objects.filter(kind="status", field="status").count() == moved
    assert StatusChange.objects.exclude(from_status="").exclude(to_status="duplicate").count() == (
        moved
    )
