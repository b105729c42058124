"""Sentence embeddings: a text in English, Russian or Japanese becomes a unit vector, and
paraphrases across languages land close together. This is how the similar search finds a
Russian customer's wish among Japanese and English requests (docs/similar.md).

The encoder is chosen by the setting TRACKER_ENCODER, a dotted path to a class whose
instances follow `Encoder`; each process builds it once, on first use."""

from __future__ import annotations

import threading
from functools import cache
from typing import Protocol, runtime_checkable

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to vectors whose dot product is their cosine similarity."""

    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """One float32 row of unit length per text: shape (len(texts), dimension)."""
        ...


_lock = threading.Lock()


# One encoder per dotted path: a test that switches the setting and back finds the
# default encoder still loaded.
@cache
def _build(path: str) -> Encoder:
    try:
        encoder = import_string(path)()
    except ImportError as error:
        raise ImproperlyConfigured(f"TRACKER_ENCODER: cannot import {path!r}: {error}") from error
    if not isinstance(encoder, Encoder):
        raise ImproperlyConfigured(f"TRACKER_ENCODER: {path!r} has no dimension and encode()")
    return encoder


def encoder_path() -> str:
    """The dotted path of the configured encoder: stored vectors carry it."""
    return str(settings.TRACKER_ENCODER)


def get_encoder() -> Encoder:
    """The encoder the settings name, built once per process: loading a model takes
    seconds and a good part of a process's memory, so threads share one."""
    path = encoder_path()
    with _lock:
        return _build(path)


def encode(texts: list[str]) -> np.ndarray:
    """Unit vectors of `texts` by the configured encoder, shape (len(texts), dimension)."""
    encoder = get_encoder()
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return encoder.encode(texts)
