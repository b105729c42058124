"""Data for the schemathesis run in CI (.ci/run): a product manager's token, a channel, and
requests, accounts and threads under the small numbers that generated cases try, so that
the fuzzer reaches past 404s into transitions, merges and detail pages.

Run inside `manage.py shell`; prints the token."""

from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

from tracker import services
from tracker.choices import Plan
from tracker.models import Channel, FeatureRequest, StatusChange


def seed() -> str:
    channel, _ = Channel.objects.get_or_create(
        slug="hooks-main", defaults={"name": "Hooks", "kind": "log"}
    )
    for number in range(0, 64):
        request = FeatureRequest.objects.create(number=number, title=f"Seeded request {number}")
        StatusChange.objects.create(request=request, to_status=request.status)
        services.intake_log(
            account=services.AccountData(external_id=str(number % 8), plan=Plan.STANDARD),
            thread=services.ThreadData(channel=channel.slug, ref=f"seed{number}"),
            request_number=number,
        )
    user = User.objects.create_user("schemathesis")
    user.groups.add(Group.objects.get(name="Product managers"))
    return Token.objects.create(user=user).key
