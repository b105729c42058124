"""The language each person reads the admin in: "My language", linked from the admin's user
tools, where a signed-in user chooses one of the site's languages for themselves (or their
browser's, the default); and the middleware that applies the choice to the admin's pages.

Only the admin follows it: the status page keeps its own switch (Django's language cookie)
and the API answers in the language its caller asks for (Accept-Language)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.admin.requests.pages import acting_user
from tracker.errors import TrackerError
from tracker.selectors import user_language
from tracker.services.users import user_set_language

# The choice, kept in the session from the first admin page after signing in: the admin's
# pages cost no query for it (their query counts are pinned), and a choice made in another
# browser counts from the next sign-in. My language writes it here too.
SESSION_KEY = "tracker_admin_language"


class UserLanguageMiddleware:
    """After LocaleMiddleware (which follows the browser) and AuthenticationMiddleware: on
    the admin's pages, a signed-in user's own choice wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(reverse("admin:index")) and request.user.is_authenticated:
            if SESSION_KEY not in request.session:
                request.session[SESSION_KEY] = user_language(user_id=request.user.pk)
            language = request.session[SESSION_KEY]
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the admin"),
        choices=[("", _("My browser's language")), *settings.LANGUAGES],
        required=False,
        widget=forms.RadioSelect,
    )


def my_language_view(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own choice, and nobody else's: the page names no user."""
    user = acting_user(request)
    form = LanguageForm(
        request.POST if request.method == "POST" else None,
        initial={"language": user_language(user_id=user.pk)},
    )
    if form.is_valid():
        try:
            user_set_language(user=user, language=form.cleaned_data["language"])
        except TrackerError as error:
            form.add_error("language", error.message)
        else:
            request.session[SESSION_KEY] = form.cleaned_data["language"]
            # Shown on the next page, which is already in the new language.
            translation.activate(
                form.cleaned_data["language"] or translation.get_language_from_request(request)
            )
            messages.success(request, gettext("Your language is saved."))
            return HttpResponseRedirect(reverse("admin-my-language"))
    return TemplateResponse(
        request,
        "admin/tracker/my_language.html",
        {**admin.site.each_context(request), "title": _("My language"), "form": form},
    )
