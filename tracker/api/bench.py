"""The yardstick for bench/intake.py: the least a DRF endpoint can do, one insert.
Mounted only when BENCHMARK_ENDPOINTS=1."""

from __future__ import annotations

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
    permission_classes = [CanLog]
    parser_classes = [LimitedJSONParser]

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        data = BareInsertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = Account.objects.create(external_id=data.validated_data["external_id"])
        return Response({"id": account.pk}, status=status.HTTP_201_CREATED)
