"""The CSV export opens in Excel as written: UTF-8 with a byte-order mark, every column."""

import csv
import io

from django.urls import reverse

from tracker.models import ProductArea
from tracker.services import request_set_criticality
from tracker.services.decisions import request_set_area, request_set_owner

EXPORT = reverse("admin:tracker_featurerequest_export")


def exported(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_export_starts_with_a_byte_order_mark_and_keeps_cyrillic_and_japanese(pm_client, log):
    log("Выгрузка сделок в Excel", quote="нужна выгрузка")
    log("ダークモード", account="sakura.example", language="ja")

    response = pm_client.get(EXPORT)
    body = exported(response)

    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\xef\xbb\xbf") == 1
    assert "charset=utf-8" in response["Content-Type"]
    text = body.decode("utf-8-sig")
    assert "Выгрузка сделок в Excel" in text
    assert "ダークモード" in text
    assert text.startswith("number,")


def test_every_column_of_every_row_is_filled(pm_client, pm, log):
    customers_say = log("Calendar sync", criticality="high")
    set_by_pm = log("Dark mode", account="initech.example")
    request_set_criticality(number=set_by_pm.number, criticality="critical")
    crm = ProductArea.objects.create(name="CRM", name_ru="CRM", name_ja="CRM")
    for request in (customers_say, set_by_pm):
        request_set_area(number=request.number, area=crm.pk)
        request_set_owner(number=request.number, owner=pm.pk)

    response = pm_client.get(EXPORT)
    rows = list(csv.DictReader(io.StringIO(exported(response).decode("utf-8-sig"))))

    assert len(rows) == 2
    for row in rows:
        assert all(value != "" for value in row.values()), row
    by_number = {int(row["number"]): row for row in rows}
    assert by_number[customers_say.number]["criticality"] == "high"
    assert by_number[set_by_pm.number]["criticality"] == "critical"
    assert by_number[set_by_pm.number]["area"] == "CRM"
    assert by_number[set_by_pm.number]["owner"] == pm.username
