"""The public status page: a look-up form, one page per request, a language switch."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tracker.choices import Status
from tracker.limits import NUMBER_MAX
from tracker.selectors import PublicRequest, public_request
from tracker.status import pages, texts
from tracker.status.limits import lookup_allowed
from tracker.status.numbers import parse_number

# No scripts at all; styles and images only from ourselves.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

View = Callable[..., HttpResponse]


def public_page(view: View) -> View:
    """Headers every status page carries: its policy, and what its language depends on."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper


@require_safe
@public_page
def lookup(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("number")
    if typed is None:
        return render(request, "status_page/lookup.html", {"typed": ""})
    number = parse_number(typed)
    if number is None:
        error = _("Enter the request number as digits, for example 1042 or #1042.")
        return render(
            request, "status_page/lookup.html", {"typed": typed, "error": error}, status=400
        )
    return redirect("status_page:request", number=number)


@require_safe
@public_page
def request_page(request: HttpRequest, number: int) -> HttpResponse:
    language = get_language()
    # Part of the cache key as typed; checked before a page mentions it.
    merged_from = parse_number(request.GET.get("from", ""))
    # A page this process holds (with Redis) needs nothing read; else counting the look-up
    # and reading the page is one cache round trip.
    entry = pages.held(number=number, language=language, merged_from=merged_from)
    page_keys = pages.keys(number=number, language=language, merged_from=merged_from)
    allowed, retry_after, found = lookup_allowed(request, read=() if entry else page_keys)
    if not allowed:
        response = render(request, "status_page/rate_limited.html", status=429)
        response["Retry-After"] = str(retry_after)
        return response
    if number > NUMBER_MAX:
        return _not_found(request, number)

    if entry is None:
        stamp, entry = pages.lookup(
            number=number, language=language, merged_from=merged_from, found=found
        )
        if entry is not None:
            pages.hold(number=number, language=language, merged_from=merged_from, entry=entry)
    if entry is None:
        public = public_request(number=number, language=language)
        if public is None:
            return _not_found(request, number)
        if public.merged_into is not None:
            entry = pages.Entry(stamp=stamp, redirect_to=public.merged_into)
        else:
            context = _request_context(public, _merged_into_this(merged_from, number))
            html = render_to_string("status_page/request.html", context, request=request)
            entry = pages.Entry(stamp=stamp, html=html)
        pages.remember(number=number, language=language, merged_from=merged_from, entry=entry)
        pages.hold(number=number, language=language, merged_from=merged_from, entry=entry)

    if entry.redirect_to is not None:
        survivor = reverse("status_page:request", kwargs={"number": entry.redirect_to})
        return HttpResponseRedirect(f"{survivor}?from={number}")
    return HttpResponse(entry.html)


@require_safe
@public_page
def language(request: HttpRequest, code: str) -> HttpResponse:
    """The explicit language switch: remember the choice in Django's language cookie
    (LocaleMiddleware reads it before Accept-Language) and go back to the page."""
    if code not in dict(settings.LANGUAGES):
        return _not_found(request, None)
    next_url = request.GET.get("next", "")
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("status_page:lookup")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 60 * 60,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
    )
    return response


def _not_found(request: HttpRequest, number: int | None) -> HttpResponse:
    return render(request, "status_page/not_found.html", {"number": number}, status=404)


def _merged_into_this(merged_from: int | None, number: int) -> int | None:
    """`merged_from` when that request really was merged into this one: the note must not
    be forgeable by editing a link."""
    if merged_from is None or merged_from > NUMBER_MAX:
        return None
    earlier = public_request(number=merged_from)
    return merged_from if earlier is not None and earlier.merged_into == number else None


def _request_context(public: PublicRequest, merged_from: int | None) -> dict[str, object]:
    return {
        "public": public,
        "status_name": texts.NAMES.get(public.status, public.status),
        "meaning": texts.MEANINGS.get(public.status, ""),
        "timing": texts.TIMING.get(public.status, ""),
        # A title or note in another language than the page's says so, in the page's.
        "title_in": texts.TITLE_IN.get(public.title_language, "")
        if public.title_is_fallback
        else "",
        "history": [
            {
                "name": texts.NAMES.get(c.status, c.status),
                "note": c.public_note,
                "note_language": c.public_note_language,
                "note_in": texts.NOTE_IN.get(c.public_note_language, "")
                if c.public_note_is_fallback
                else "",
                "at": c.at,
            }
            for c in reversed(public.history)
        ],
        # A declined request always says where to turn, whatever its notes say.
        "where_to_turn": texts.WHERE_TO_TURN.get(public.decline_reason, "")
        if public.status == Status.DECLINED
        else "",
        "partner_url": settings.TRACKER_PARTNER_DIRECTORY_URL,
        "marketplace_url": settings.TRACKER_MARKETPLACE_SUPPORT_URL,
        "merged_from": merged_from,
    }
