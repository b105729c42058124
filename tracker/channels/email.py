"""A mailbox: a reply in the customer's email thread, through Django's mail over SMTP.

config: {"host", "port", "from", "to", "username", "use_tls", "use_ssl"}; secret: the
SMTP password. The thread's ref is the Message-ID of the message that started it, so the
reply carries In-Reply-To and References and lands in the same thread. "to" is the
address replies go to: the mailbox's helpdesk address that files them under the thread.
"""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMessage, get_connection

from tracker.channels.base import DeliveryError, Outgoing, config_str

BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def send(message: Outgoing, *, timeout: float) -> None:
    config = message.channel.config if isinstance(message.channel.config, dict) else {}
    ref = message.thread_ref.strip()
    message_id = ref if ref.startswith("<") else f"<{ref}>"
    connection = get_connection(
        BACKEND,
        host=config_str(message.channel, "host"),
        port=int(config.get("port", 25)),
        username=str(config.get("username", "")) or None,
        password=message.channel.secret or None,
        use_tls=bool(config.get("use_tls", False)),
        use_ssl=bool(config.get("use_ssl", False)),
        timeout=timeout,
        fail_silently=False,
    )
    email = EmailMessage(
        subject=message.subject,
        body=message.text,
        from_email=config_str(message.channel, "from"),
        to=[config_str(message.channel, "to")],
        headers={"In-Reply-To": message_id, "References": message_id},
        connection=connection,
    )
    try:
        email.send()
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP: {exc.smtp_code}.") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}.") from None
