"""The yardsticks the benchmarks measure against: the least a DRF write and a Django page
can cost on this machine. Routed only by config/bench_urls.py, which config/bench_settings.py
names; production never serves them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.api.parsers import LimitedJSONParser
from tracker.api.permissions import CanLog
from tracker.api.views import _JSONView
from tracker.models import Account


class BareInsertSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=255)


class BareInsertView(_JSONView):
    """The intake's floor: token-authenticated like it, validates one field, inserts one row."""

    permission_classes = [CanLog]
    parser_classes = [LimitedJSONParser]

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        data = BareInsertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = Account.objects.create(external_id=data.validated_data["external_id"])
        return Response({"id": account.pk}, status=status.HTTP_201_CREATED)


def constant(request: HttpRequest) -> HttpResponse:
    """The status page's floor: Django with the same middleware and nothing else."""
    return HttpResponse(_CONSTANT_PAGE)


_CONSTANT_PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Constant</title></head>"
    "<body><p>A constant page for the benchmark.</p></body></html>"
)
