import itertools
from typing import Any

import factory
from django.contrib.auth.models import Group, User

from tracker import services
from tracker.choices import ChannelKind, Language, Plan
from tracker.models import Account, Channel, FeatureRequest, Thread


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.add(*Group.objects.filter(name__in=names))


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("external_id",)

    external_id = factory.Sequence(lambda n: f"portal{n}.bitrix24.com")
    name = factory.Sequence(lambda n: f"Customer {n}")
    plan = Plan.PROFESSIONAL


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)

    slug = "hooks-main"
    name = "Generic webhook"
    kind = ChannelKind.LOG
    config = factory.LazyFunction(dict)


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    channel = factory.SubFactory(ChannelFactory)
    ref = factory.Sequence(lambda n: f"chat{4700 + n}")
    account = factory.SubFactory(AccountFactory)
    language = Language.EN


class FeatureRequestFactory(factory.django.DjangoModelFactory):
    """A bare request row. To get demand figures right, log it through the services."""

    class Meta:
        model = FeatureRequest

    title = factory.Sequence(lambda n: f"Request {n}")


_new_refs = (f"chat-{n}" for n in itertools.count(1))


def log_intake(
    title: str = "",
    *,
    number: int | None = None,
    account: str = "acme.bitrix24.com",
    name: str | None = None,
    plan: str = Plan.PROFESSIONAL,
    channel: str = "hooks-main",
    ref: str | None = None,
    language: str = Language.EN,
    **details: Any,
) -> FeatureRequest:
    """Log a customer's wish through the intake service, as the chat integration does: a new
    request when given a title, else one more thread on request `number`. Each call is a new
    thread unless `ref` names one; the account is named after its first label unless `name`
    says otherwise. `details` are the service's own: description, kind, criticality, quote,
    report, logged_by."""
    return services.intake_log(
        account=services.AccountData(
            external_id=account, name=account.split(".")[0] if name is None else name, plan=plan
        ),
        thread=services.ThreadData(channel=channel, ref=ref or next(_new_refs), language=language),
        request_number=number,
        title=title,
        **details,
    ).request


def log_in_thread(thread: Thread, *, title: str = "", number: int | None = None, **kw):
    """Log a wish raised in `thread` (one ThreadFactory made) through the intake service,
    as the chat integration would: a new request by `title`, or attach to `number`."""
    from tracker import services

    return services.intake_log(
        account=services.AccountData(
            external_id=thread.account.external_id, plan=thread.account.plan
        ),
        thread=services.ThreadData(
            channel=thread.channel.slug, ref=thread.ref, language=thread.language
        ),
        title=title,
        request_number=number,
        **kw,
    )
