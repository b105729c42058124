from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from tracker.api.exceptions import BodyTooLarge
from tracker.limits import JSON_DEPTH_MAX

# A JSON string (skipped whole, so that brackets inside one do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class LimitedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE, nested at most JSON_DEPTH_MAX deep.

    DRF reads the request stream itself, past Django's own size check on `request.body`,
    so the limit is enforced here: by the announced length first, then by what arrives.
    The depth is checked before parsing: Python's parser recurses once per level and fails
    with a RecursionError, not a ValueError, on a body of a few thousand brackets."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        request = (parser_context or {}).get("request")
        if request is not None:
            try:
                announced = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                announced = 0
            if announced > limit:
                raise BodyTooLarge()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyTooLarge()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"The body is not valid JSON: {exc}") from None
        _check_depth(text)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ParseError(f"The body is not valid JSON: {exc}") from None


def _check_depth(text: str) -> None:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > JSON_DEPTH_MAX:
                raise ParseError(f"The body nests deeper than {JSON_DEPTH_MAX} levels.")
        elif token in ("]", "}"):
            depth -= 1
