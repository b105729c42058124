"""Every public text that comes in through the API goes through the deadline guard: a note or
a title that names a date is a 400 naming its field, quoting the phrase, and nothing changes."""

from django.urls import reverse

from tests.api.conftest import errors_by_field, intake_payload
from tests.factories import log_intake
from tracker.choices import Event
from tracker.models import FeatureRequest, Notification, StatusChange


def test_a_transition_whose_note_promises_a_date_is_a_400_naming_public_note(pm, channel):
    request = log_intake(title="Export deals to XLSX")

    response = pm.post(
        reverse("api-request-transition", args=[request.number]),
        {"status": "accepted", "public_note": "Мы выпустим это до Нового года."},
        format="json",
    )

    assert response.status_code == 400
    error = errors_by_field(response)["public_note"]
    assert "\u201cдо Нового года\u201d" in error["message"]
    request.refresh_from_db()
    assert request.status == "under_review"
    assert not StatusChange.objects.filter(request=request, to_status="accepted").exists()
    assert Notification.objects.filter(event=Event.STATUS_CHANGED).count() == 0


def test_a_merge_whose_note_promises_a_date_is_a_400_naming_public_note(pm, channel):
    survivor = log_intake(title="Export deals to XLSX")
    other = log_intake(title="Excel export", account="b.example.com", ref="c2")

    response = pm.post(
        reverse("api-request-merge", args=[other.number]),
        {"into": survivor.number, "public_note": "次のメジャーアップデートで対応いたします。"},
        format="json",
    )

    assert response.status_code == 400
    assert (
        "\u201c次のメジャーアップデート\u201d"
        in errors_by_field(response)["public_note"]["message"]
    )
    other.refresh_from_db()
    assert other.duplicate_of_id is None


def test_an_intake_whose_new_title_names_a_date_is_a_400_naming_title(agent, channel):
    response = agent.post(
        reverse("api-intake"), intake_payload(title="XLSX export before Christmas"), format="json"
    )

    assert response.status_code == 400
    assert "\u201cbefore Christmas\u201d" in errors_by_field(response)["title"]["message"]
    assert not FeatureRequest.objects.exists()
    assert not Notification.objects.exists()


def test_an_intake_with_an_ordinary_title_is_logged(agent, channel):
    response = agent.post(
        reverse("api-intake"),
        intake_payload(title="Date picker remembers the last range"),
        format="json",
    )

    assert response.status_code == 201
    assert FeatureRequest.objects.get().title == "Date picker remembers the last range"
