"""Product areas and owners: set for many requests at once, filtered on, in the API."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory
from tracker.errors import TrackerError
from tracker.models import FeatureRequest, ProductArea
from tracker.services.decisions import request_set_area, request_set_owner

BACKLOG = reverse("admin:tracker_featurerequest_changelist")


def decide(slug: str) -> str:
    return reverse("admin:tracker_featurerequest_decide", kwargs={"slug": slug})


def listed(response) -> list[int]:
    return [obj.number for obj in response.context["cl"].result_list]


@pytest.fixture
def crm(db):
    return ProductArea.objects.create(name="CRM", name_ru="CRM-система", name_ja="顧客管理")


@pytest.fixture
def tasks(db):
    return ProductArea.objects.create(name="Tasks", name_ru="Задачи", name_ja="タスク")


@pytest.fixture
def wishes(log):
    return [log(f"Wish {i}", account=f"c{i}.example").number for i in range(3)]


def test_an_area_is_named_in_the_users_language(crm):
    with translation.override("ru"):
        assert str(crm) == "CRM-система"
    with translation.override("ja"):
        assert str(crm) == "顧客管理"
    assert crm.name_in("en") == "CRM"


def test_a_product_manager_sets_the_area_of_many_requests_at_once(pm_client, wishes, crm):
    response = pm_client.post(BACKLOG, {"action": "set_area", "_selected_action": wishes[:2]})
    assert response.status_code == 302
    assert response.url.startswith(decide("area"))

    ids = ",".join(map(str, wishes[:2]))
    preview = pm_client.post(decide("area"), {"ids": ids, "area": crm.pk})
    assert preview.context["confirming"] is True
    assert not FeatureRequest.objects.filter(area=crm).exists()

    pm_client.post(decide("area"), {"ids": ids, "area": crm.pk, "confirm": "yes"})

    assert set(FeatureRequest.objects.filter(area=crm).values_list("number", flat=True)) == set(
        wishes[:2]
    )
    assert FeatureRequest.objects.get(number=wishes[2]).area is None


def test_the_area_form_starts_from_the_current_area(pm_client, wishes, crm):
    request_set_area(number=wishes[0], area=crm.pk)

    response = pm_client.get(decide("area"), {"ids": wishes[0]})

    assert response.context["form"]["area"].value() == str(crm.pk)


def test_a_product_manager_gives_a_request_an_owner(pm_client, pm, wishes):
    pm_client.post(decide("owner"), {"ids": wishes[0], "owner": pm.pk, "confirm": "yes"})

    assert FeatureRequest.objects.get(number=wishes[0]).owner == pm


def test_only_a_product_manager_can_own_a_request(pm_client, agent, wishes):
    response = pm_client.post(decide("owner"), {"ids": wishes[0], "owner": agent.pk})

    assert "owner" in response.context["form"].errors
    with pytest.raises(TrackerError):
        request_set_owner(number=wishes[0], owner=agent.pk)
    assert FeatureRequest.objects.get(number=wishes[0]).owner is None


@pytest.mark.parametrize("slug", ["area", "owner"])
def test_support_staff_cannot_set_area_or_owner(agent_client, wishes, crm, agent, slug):
    value = crm.pk if slug == "area" else agent.pk
    response = agent_client.post(decide(slug), {"ids": wishes[0], slug: value, "confirm": "yes"})
    action = agent_client.post(BACKLOG, {"action": f"set_{slug}", "_selected_action": [wishes[0]]})

    assert response.status_code == 403
    assert action.status_code != 302 or not action.url.startswith(decide(slug))
    request = FeatureRequest.objects.get(number=wishes[0])
    assert (request.area, request.owner) == (None, None)


def test_support_staff_see_areas_but_cannot_manage_them(agent_client, pm_client, crm):
    add = reverse("admin:tracker_productarea_add")

    assert agent_client.get(reverse("admin:tracker_productarea_changelist")).status_code == 200
    assert agent_client.post(add, {"name": "Telephony"}).status_code == 403
    pm_client.post(add, {"name": "Telephony", "name_ru": "Телефония", "name_ja": "電話"})
    assert ProductArea.objects.get(name="Telephony").name_ru == "Телефония"


def test_the_backlog_filters_by_area_and_owner(pm_client, pm, wishes, crm, tasks):
    request_set_area(number=wishes[0], area=crm.pk)
    request_set_area(number=wishes[1], area=tasks.pk)
    request_set_owner(number=wishes[1], owner=pm.pk)

    assert listed(pm_client.get(BACKLOG, {"area": crm.pk})) == [wishes[0]]
    assert listed(pm_client.get(BACKLOG, {"area": "none"})) == [wishes[2]]
    assert listed(pm_client.get(BACKLOG, {"owner": pm.pk})) == [wishes[1]]
    assert sorted(listed(pm_client.get(BACKLOG, {"owner": "none"}))) == [wishes[0], wishes[2]]
    assert listed(pm_client.get(BACKLOG, {"area": "x"})) == []
    content = pm_client.get(BACKLOG).content.decode()
    assert "Tasks" in content and pm.username in content


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api(db):
    from tests.api.conftest import client_for

    return client_for(UserFactory(username="api-pm", groups=["Product managers"]))


def test_the_api_lists_and_filters_by_area_and_owner(api, pm, wishes, crm):
    request_set_area(number=wishes[0], area=crm.pk)
    request_set_owner(number=wishes[0], owner=pm.pk)
    requests = reverse("api-requests")

    by_area = api.get(requests, {"area": crm.pk})
    by_owner = api.get(requests, {"owner": pm.pk})
    detail = api.get(reverse("api-request", kwargs={"number": wishes[0]}))

    assert by_area.status_code == 200, by_area.content
    assert [r["number"] for r in by_area.json()["results"]] == [wishes[0]]
    assert [r["number"] for r in by_owner.json()["results"]] == [wishes[0]]
    assert by_area.json()["results"][0]["area"] == crm.pk
    assert (detail.json()["area"], detail.json()["owner"]) == (crm.pk, pm.pk)
    assert api.get(requests, {"area": 999999}).status_code == 400
