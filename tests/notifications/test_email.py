"""Email replies take their place in the customer's conversation (issue 12, item 7)."""

from tests.factories import ChannelFactory, ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import ChannelKind, Language, Status
from tracker.models import Notification
from tracker.notifications.delivery import deliver_batch


def test_each_reply_has_its_own_id_under_our_domain_and_the_references_grow(
    db, smtp_server, policy, settings
):
    settings.SITE_URL = "https://tracker.vendor.example"
    controller, mailbox = smtp_server
    channel = ChannelFactory(
        slug="mail-main",
        kind=ChannelKind.EMAIL,
        config={
            "host": "127.0.0.1",
            "port": controller.port,
            "from": "support@vendor.example",
            "to": "helpdesk@vendor.example",
        },
    )
    root = "<CAF1234.5678@mail.customer.example>"
    thread = ThreadFactory(channel=channel, ref=root, language=Language.JA)
    request = log_in_thread(thread, title="Export").request
    for status in (Status.ACCEPTED, Status.IN_PROGRESS):
        services.request_transition(number=request.number, status=status)

    for _ in range(3):
        deliver_batch(policy=policy)

    first, second, third = (message for _, _, message in mailbox.messages)
    ids = [
        f"<notification.{pk}@tracker.vendor.example>"
        for pk in Notification.objects.order_by("id").values_list("id", flat=True)
    ]
    assert [m["Message-ID"] for m in (first, second, third)] == ids
    assert (first["In-Reply-To"], first["References"]) == (root, root)
    assert (second["In-Reply-To"], second["References"]) == (ids[0], f"{root} {ids[0]}")
    assert (third["In-Reply-To"], third["References"]) == (ids[1], f"{root} {ids[0]} {ids[1]}")
    for message in (first, second, third):
        # RFC 3834: an automatic message, no auto-replies to it; and the language it is in.
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Content-Language"] == "ja"
