"""What each status is called on the status page and what it means for the customer.

The texts promise no date: as the support desk tells customers, timing depends on the
complexity of the work and the development queue. Names carry a "status page" context so
that other catalogs translating the same short words cannot change them here.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.choices import Status

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
