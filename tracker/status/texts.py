"""What each status is called on the status page and what it means for the customer.

The texts promise no date: as the support desk tells customers, timing depends on the
complexity of the work and the development queue. Names carry a "status page" context so
that other catalogs translating the same short words cannot change them here.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.choices import DeclineReason, Status

NAMES: dict[str, Promise] = {
    Status.UNDER_REVIEW: pgettext_lazy("status page", "Under review"),
    Status.ACCEPTED: pgettext_lazy("status page", "Accepted"),
    Status.IN_PROGRESS: pgettext_lazy("status page", "In progress"),
    Status.DONE: pgettext_lazy("status page", "Done"),
    Status.DECLINED: pgettext_lazy("status page", "Declined"),
    Status.DUPLICATE: pgettext_lazy("status page", "Merged into another request"),
}

MEANINGS: dict[str, Promise] = {
    Status.UNDER_REVIEW: _(
        "Your request is recorded, and product managers are weighing how many customers "
        "need it and how critical it is."
    ),
    Status.ACCEPTED: _(
        "Product managers have decided to develop this, and it is waiting for its turn in "
        "the development queue."
    ),
    Status.IN_PROGRESS: _("Our developers are working on this now."),
    Status.DONE: _(
        "The work is finished: in the cloud version the update installs itself, and a "
        "message was sent to the chat where you asked."
    ),
    Status.DECLINED: _(
        "We have decided not to develop this request; the note in the history explains why "
        "and where to turn instead."
    ),
    Status.DUPLICATE: _("This request was merged into another one that asks for the same."),
}

# Only for statuses where customers wonder "when?": the honest answer, with no date.
TIMING: dict[str, Promise] = {
    Status.UNDER_REVIEW: _(
        "We cannot name a date: it depends on the complexity of the work and on the "
        "development queue. The most frequently requested improvements are developed first."
    ),
    Status.ACCEPTED: _(
        "We cannot name a date: it depends on the complexity of the work and on the "
        "development queue. Every change is announced in the chat where you asked."
    ),
}

# Said beside a title or a note shown in another language than the page's, because it has
# no version in the page's language yet (tracker.public_text).
TITLE_IN: dict[str, Promise] = {
    "en": _("This title is in English."),
    "ru": _("This title is in Russian."),
    "ja": _("This title is in Japanese."),
}
NOTE_IN: dict[str, Promise] = {
    "en": _("This note is in English."),
    "ru": _("This note is in Russian."),
    "ja": _("This note is in Japanese."),
}

# Where a customer turns when a request is declined, by the decline's reason: shown on every
# declined request's page, whether or not a product manager wrote a note.
WHERE_TO_TURN: dict[str, Promise] = {
    DeclineReason.PARTNER_WORK: _(
        "Implementation and customization work, such as building or debugging a large "
        "workflow, is done by official partners, and they will gladly help. Choose a partner "
        "in the partner directory:"
    ),
    DeclineReason.MARKETPLACE_APP: _(
        "Marketplace applications are made by third-party developers. Please contact the "
        "application's developer directly, through the Support tab on the application's page:"
    ),
    DeclineReason.NOT_PLANNED: _(
        "Your wish stays recorded. If you need this done for your company now, official "
        "partners can build it for you. Choose a partner in the partner directory:"
    ),
}
