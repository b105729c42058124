"""Machine translation drafts of public texts from a LibreTranslate server (optional).

LibreTranslate (open source, self-hosted) answers `POST /translate` with a JSON body
`{"q", "source", "target", "format", "api_key"}` by `{"translatedText": …}`, and an error by
`{"error": …}` with 400 (invalid request), 403 (banned), 429 (slow down) or 500. Off unless
TRACKER_TRANSLATION_URL is set; nothing here runs inside a transaction. A failure is one
clear sentence for the product manager, and the texts stay as they were: writing versions
by hand always works (docs/notifications.md)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class TranslationFailed(Exception):
    """The server could not give a translation; the message says why, for a person."""


@dataclass(frozen=True)
class LibreTranslate:
    url: str
    api_key: str = ""
    timeout: float = 10

    @classmethod
    def from_settings(cls) -> LibreTranslate | None:
        """The configured server, or None when drafts are off (no URL set)."""
        url = settings.TRACKER_TRANSLATION_URL.strip()
        if not url:
            return None
        return cls(
            url=url.rstrip("/"),
            api_key=settings.TRACKER_TRANSLATION_API_KEY,
            timeout=settings.TRACKER_TRANSLATION_TIMEOUT,
        )

    @property
    def where(self) -> str:
        # The host only: a URL may carry credentials, and the key never leaves this object.
        return urlsplit(self.url).netloc or self.url

    def translate(self, text: str, *, source: str, target: str) -> str:
        """`text` in language `target`, translated from `source`."""
        body: dict[str, str] = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        request = urllib.request.Request(  # noqa: S310 - an operator's http(s) URL
            self.url + "/translate",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        if urlsplit(request.full_url).scheme not in {"http", "https"}:
            raise TranslationFailed("The translation server's URL is not an http(s) URL.")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                payload = _json(answer.read())
        except urllib.error.HTTPError as error:
            reason = _json(error.read()).get("error") or error.reason
            raise TranslationFailed(
                f"The translation server at {self.where} refused ({error.code}): {reason}"
            ) from None
        except TimeoutError:
            raise TranslationFailed(
                f"The translation server at {self.where} did not answer within "
                f"{self.timeout:g} seconds."
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise TranslationFailed(
                    f"The translation server at {self.where} did not answer within "
                    f"{self.timeout:g} seconds."
                ) from None
            raise TranslationFailed(
                f"The translation server at {self.where} could not be reached: {reason}."
            ) from None
        translated = payload.get("translatedText")
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationFailed(
                f"The translation server at {self.where} answered without a translation."
            )
        return translated.strip()


def _json(data: bytes) -> dict[str, object]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
