"""In admin, a public text that names a date is refused when the form is submitted, before
any confirmation page, with the phrase at fault highlighted; nothing changes."""

from django.urls import reverse

from tests.admin.test_logging import thread_input
from tracker.models import FeatureRequest, Notification, StatusChange

MERGE = reverse("admin:tracker_featurerequest_merge")
MARKED = "\u201c<mark>{}</mark>\u201d"


def decide(slug: str) -> str:
    return reverse("admin:tracker_featurerequest_decide", kwargs={"slug": slug})


def accept(client, number: int, note: str, **more: str):
    return client.post(
        decide("status"), {"ids": number, "status": "accepted", "public_note": note, **more}
    )


def test_a_status_note_promising_a_date_is_refused_before_the_confirmation(pm_client, log):
    wish = log("Export deals to XLSX")

    response = accept(pm_client, wish.number, "We plan to ship this <b>before Christmas</b>.")

    assert response.status_code == 200
    assert response.context["confirming"] is False
    page = response.content.decode()
    assert "Please confirm" not in page
    assert MARKED.format("before Christmas") in page
    assert "<b>before" not in page.split('class="errorlist')[1].split("</ul>")[0]
    assert response.context["form"].errors["public_note"]
    wish.refresh_from_db()
    assert wish.status == "under_review"
    assert not StatusChange.objects.filter(request=wish, to_status="accepted").exists()


def test_a_confirmed_post_with_a_date_changes_nothing_either(pm_client, log):
    wish = log("Export deals to XLSX")

    response = accept(pm_client, wish.number, "Выпустим на следующей неделе.", confirm="1")

    assert response.status_code == 200
    assert MARKED.format("на следующей неделе") in response.content.decode()
    wish.refresh_from_db()
    assert wish.status == "under_review"
    assert not Notification.objects.filter(request=wish, event="request.status_changed").exists()


def test_an_ordinary_note_reaches_the_confirmation(pm_client, log):
    wish = log("Export deals to XLSX")

    response = accept(
        pm_client, wish.number, "The report's period picker now remembers the last range."
    )

    assert response.context["confirming"] is True


def test_a_merge_note_promising_a_date_is_refused_before_the_confirmation(pm_client, log):
    survivor = log("Export deals to XLSX")
    other = log("Excel export of deals", account="initech.bitrix24.com")

    response = pm_client.post(
        MERGE,
        {
            "ids": f"{survivor.number},{other.number}",
            "into": survivor.number,
            "public_note": "お盆明けに対応いたします。",
        },
    )

    assert response.status_code == 200
    assert response.context["confirming"] is False
    assert MARKED.format("お盆明け") in response.content.decode()
    other.refresh_from_db()
    assert other.duplicate_of_id is None


def test_a_new_request_whose_title_names_a_date_is_refused_on_its_field(agent_client, hooks):
    response = agent_client.post(
        reverse("admin:tracker_featurerequest_add"),
        {"title": "XLSX export before Christmas", "kind": "suggestion", **thread_input()},
    )

    assert response.status_code == 200
    assert MARKED.format("before Christmas") in response.content.decode()
    assert not FeatureRequest.objects.exists()


def test_editing_a_title_to_name_a_date_is_refused_and_keeps_the_old_one(pm_client, log):
    wish = log("Export deals to XLSX")

    response = pm_client.post(
        reverse("admin:tracker_featurerequest_change", args=[wish.number]),
        {"title": "Export deals to XLSX in Q3", "description": "", "kind": "suggestion"},
    )

    assert response.status_code == 200
    assert MARKED.format("Q3") in response.content.decode()
    wish.refresh_from_db()
    assert wish.title == "Export deals to XLSX"
