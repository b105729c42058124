from django.urls import reverse

from tracker.models import Account, Channel, FeatureRequest


def test_changing_a_plan_in_admin_reweighs_the_accounts_requests(pm_client, log):
    wish = log("Export deals to XLSX", plan="free")
    account = Account.objects.get()
    before = FeatureRequest.objects.get(number=wish.number).score

    response = pm_client.post(
        reverse("admin:tracker_account_change", args=[account.pk]),
        {"name": "Acme", "plan": "enterprise"},
    )

    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.demand_weight == 3.0
    assert wish.score > before


def test_the_channel_secret_is_never_shown_and_an_empty_field_keeps_it(admin_client, db):
    channel = Channel.objects.create(
        slug="hooks", name="Hooks", kind="webhook", secrets={"signing_key": "whsec_c2VjcmV0"}
    )
    url = reverse("admin:tracker_channel_change", args=[channel.pk])

    assert "whsec_c2VjcmV0" not in admin_client.get(url).content.decode()
    admin_client.post(
        url,
        {
            "name": "Hooks 2",
            "config": '{"url": "https://hooks.example/tracker"}',
            "secret_signing_key": "",
            "is_active": "on",
        },
    )
    channel.refresh_from_db()
    assert (channel.name, channel.secret("signing_key")) == ("Hooks 2", "whsec_c2VjcmV0")
