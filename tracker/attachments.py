"""Links to a defect's screenshots and videos.

Customers and support staff paste them; product managers click them. So they are http and
https links only, whoever gives them (the API and the admin's forms both validate with
`validate_attachment_url`), and a page shows a stored one as a link only when it still passes
(`attachment_link`): a `javascript:` or `data:` URL is never something to click.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

SCHEMES = ["http", "https"]

validate_attachment_url = URLValidator(
    schemes=SCHEMES, message=_("Enter a link that starts with http:// or https://.")
)


def is_web_link(url: str) -> bool:
    try:
        validate_attachment_url(url)
    except ValidationError:
        return False
    return True


def attachment_link(url: str) -> SafeString:
    """`url` as HTML: a link that opens in a new context without telling the target where it
    came from, or escaped text when it is not an http or https link."""
    if not is_web_link(url):
        return format_html('<span class="attachment">{}</span>', url)
    return format_html(
        '<a class="attachment" href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>',
        url,
        url,
    )
