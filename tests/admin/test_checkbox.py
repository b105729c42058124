"""The changelists' action checkbox is the markup Django's own widget renders (it is written
directly for speed: tracker/admin/checkbox.py), in every language, whatever the row's text."""

import pytest
from django.contrib import admin
from django.utils import translation

from tests.factories import FeatureRequestFactory
from tracker.admin.requests.changelist import FeatureRequestAdmin
from tracker.models import FeatureRequest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_the_checkbox_is_the_one_django_renders(language):
    request = FeatureRequestFactory(title="Export <b>\"deals\"</b> & 'tasks'")
    ours = FeatureRequestAdmin(FeatureRequest, admin.site)

    with translation.override(language):
        django = admin.ModelAdmin.action_checkbox(ours, request)
        assert ours.action_checkbox(request) == django
        # Django's catalog translates the label (ours does not carry a copy of it).
        assert ("Select this object" in django) == (language == "en")
    assert "<b>" not in django and "&lt;b&gt;" in django
