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

# The pieces of a JSON text that matter to its depth, read one after the other from the
# start: a string (whole, so that brackets inside one do not count), an opening or a closing
# bracket, or a run of anything else.
_PIECE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|[^"\[\]{}]+')


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
    """Refuse `text` if its brackets nest deeper than JSON_DEPTH_MAX. Each character is
    read once: the pieces are matched end to end, never searched for (a search would try
    a string from every quote, which an unterminated string of escaped quotes makes
    quadratic)."""
    depth = 0
    position = 0
    while position < len(text):
        piece = _PIECE.match(text, position)
        if piece is None:
            return  # an unterminated string: not JSON, which the parser then says
        position = piece.end()
        token = piece.group()
        if token in ("[", "{"):
            depth += 1
            if depth > JSON_DEPTH_MAX:
                raise ParseError(f"The body nests deeper than {JSON_DEPTH_MAX} levels.")
        elif token in ("]", "}"):
            depth -= 1
