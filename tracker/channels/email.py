"""A mailbox: a reply in the customer's email thread, through Django's mail over SMTP.

config: {"host", "port", "from", "to", "username", "use_tls", "use_ssl"}; secret
`password`: the SMTP password. The thread's ref is the Message-ID of the message that
started it. "to" is the address replies go to: the mailbox's helpdesk address that files
them under the thread.

Each reply is a proper part of the conversation: its own Message-ID under the site's
domain (the same on every retry of one notification, so a repeat is recognisable),
In-Reply-To the previous message, and References that grow with each message; it says it
is `Auto-Submitted: auto-generated` (RFC 3834: no auto-replies to it) and in which
language it is written. Headers are encoded by the mail library, which refuses a line
break inside one; the thread's ref is checked to be a Message-ID when it is entered.
"""

from __future__ import annotations

import re
import smtplib
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.core.validators import validate_email

from tracker.channels.base import (
    ChannelDown,
    DeliveryError,
    Kind,
    NeedsPerson,
    Outgoing,
    Setting,
    Unreachable,
    config_bool,
    config_str,
    config_value,
)
from tracker.choices import DeliveryState
from tracker.models import Notification

BACKEND = "django.core.mail.backends.smtp.EmailBackend"
PASSWORD = "password"  # noqa: S105 (the name)
# References keeps the first message and the latest ones, as RFC 5322 allows trimming.
REFERENCES_MAX = 20

_MESSAGE_ID = re.compile(r"^<?[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>?$")


def message_id(notification_id: int) -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification.{notification_id}@{domain}>"


def conversation(message: Outgoing) -> list[str]:
    """The Message-IDs of the conversation so far, oldest first: the thread's first
    message, then every reply we delivered into the thread before this one."""
    ref = message.thread_ref.strip()
    root = ref if ref.startswith("<") else f"<{ref}>"
    earlier = (
        Notification.objects.filter(
            thread__channel=message.channel,
            thread__ref=message.thread_ref,
            id__lt=message.id,
            state=DeliveryState.DELIVERED,
        )
        .order_by("-id")
        .values_list("id", flat=True)[: REFERENCES_MAX - 1]
    )
    return [root, *(message_id(pk) for pk in reversed(list(earlier)))]


def send(message: Outgoing, *, timeout: float) -> None:
    channel = message.channel
    previous = conversation(message)
    connection = get_connection(
        BACKEND,
        host=config_str(channel, "host"),
        port=int(config_value(channel, "port", 25)),
        username=str(config_value(channel, "username", "")) or None,
        password=channel.secret(PASSWORD) or None,
        use_tls=config_bool(channel, "use_tls", False),
        use_ssl=config_bool(channel, "use_ssl", False),
        timeout=timeout,
        fail_silently=False,
    )
    email = EmailMessage(
        subject=message.subject,
        body=message.text,
        from_email=config_str(channel, "from"),
        to=[config_str(channel, "to")],
        headers={
            "Message-ID": message_id(message.id),
            "In-Reply-To": previous[-1],
            "References": " ".join(previous),
            "Auto-Submitted": "auto-generated",
            "Content-Language": message.language,
        },
        connection=connection,
    )
    try:
        email.send()
    except smtplib.SMTPAuthenticationError as exc:
        raise NeedsPerson(f"SMTP: {exc.smtp_code}: the server refused our login.") from None
    except smtplib.SMTPServerDisconnected:
        raise ChannelDown("SMTP: SMTPServerDisconnected.") from None
    except smtplib.SMTPResponseException as exc:
        # 4xx is a transient failure of the server; 5xx refuses this message.
        if 400 <= exc.smtp_code < 500:
            raise ChannelDown(f"SMTP: {exc.smtp_code}.") from None
        raise DeliveryError(f"SMTP: {exc.smtp_code}.") from None
    except (smtplib.SMTPRecipientsRefused, BadHeaderError, ValueError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}.") from None
    except (ConnectionRefusedError, socket.gaierror) as exc:
        raise Unreachable(f"SMTP: {type(exc).__name__}.") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ChannelDown(f"SMTP: {type(exc).__name__}.") from None


def check_ref(ref: str) -> str | None:
    if not _MESSAGE_ID.match(ref) or ref.count("@") != 1:
        return (
            "An email thread is the Message-ID of its first message, e.g. <CAF1234@mail.example>."
        )
    return None


def check_secret(name: str, value: str) -> str | None:
    if not value or re.search(r"[\x00-\x1f\x7f]", value):
        return f"The {name} is empty or contains control characters."
    return None


def _address(value: Any) -> str | None:
    try:
        validate_email(value)
    except ValidationError:
        return "Give an email address."
    return None


def _port(value: Any) -> str | None:
    return None if isinstance(value, int) and 0 < value < 65536 else "A port from 1 to 65535."


def _host(value: Any) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", value):
        return "Give the SMTP server's host name or address."
    return None


KIND = Kind(
    send=send,
    secrets=(PASSWORD,),
    config={
        "host": Setting("The SMTP server.", required=True, check=_host),
        "port": Setting("Its port.", type=int, default=25, check=_port),
        "from": Setting("The sender address.", required=True, check=_address),
        "to": Setting("The helpdesk mailbox that files replies.", required=True, check=_address),
        "username": Setting("The SMTP login, if it needs one."),
        "use_tls": Setting("STARTTLS.", type=bool, default=False),
        "use_ssl": Setting("Implicit TLS.", type=bool, default=False),
    },
    check_ref=check_ref,
    check_secret=check_secret,
)
