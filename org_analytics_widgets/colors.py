"""Stable colours: a service type or project keeps one colour everywhere in the product."""

from __future__ import annotations

import re
import zlib

PALETTE = (
    "#4C78A8",
    "#F58518",
    "#54A24B",
    "#E45756",
    "#72B7B2",
    "#EECA3B",
    "#B279A2",
    "#FF9DA6",
    "#9D755D",
    "#BAB0AC",
    "#2E86AB",
    "#A23B72",
)
SERVICE_COLORS = {
    "text_generation": "#4C78A8",
    "speech_to_text": "#F58518",
    "text_to_speech": "#54A24B",
    "embedding": "#B279A2",
    "agent": "#E45756",
}
SERVICE_LABELS = {
    "text_generation": "Text generation",
    "speech_to_text": "Speech to text",
    "text_to_speech": "Text to speech",
    "embedding": "Embedding",
    "agent": "Agents",
}
#: the pricing rules of the demo data and the common ones of the providers it imitates
RULE_LABELS = {
    "input_tokens": "Input tokens",
    "cached_input_tokens": "Cached input tokens",
    "output_tokens": "Output tokens",
    "transcription_seconds": "Transcription seconds",
    "audio_duration": "Audio duration",
    "audio_seconds": "Audio seconds",
    "audio_minutes": "Audio minutes",
    "characters": "Characters",
    "agent_minutes": "Agent minutes",
    "images": "Images",
    "credit": "Credit",
    "refund": "Refund",
    "rounding": "Rounding",
}
#: request statuses in words (data contract, "Request status": data_connectors.schema.STATUSES)
STATUS_LABELS = {
    "success": "Succeeded",
    "cache_hit": "Cache hit",
    "error": "Failed",
}
OTHERS_COLOR = "#9E9E9E"
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _palette_pick(key: str) -> str:
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]


def project_color(project_id: str | None, color: str | None) -> str:
    """The project's own ``#RRGGBB``; when null or invalid, a palette colour stable for its id."""
    if project_id is None:
        return OTHERS_COLOR
    if isinstance(color, str) and _HEX.match(color):
        return color.upper()
    return _palette_pick(str(project_id))


def service_color(service_type: str) -> str:
    return SERVICE_COLORS.get(service_type) or _palette_pick("svc:" + str(service_type))


def _words(key: object) -> str:
    return str(key).replace("_", " ").capitalize()


def service_label(service_type: str) -> str:
    """Human label: known types by name, others with underscores as spaces, capitalised.

    >>> service_label("text_generation"), service_label("image_generation")
    ('Text generation', 'Image generation')
    """
    return SERVICE_LABELS.get(service_type) or _words(service_type)


def rule_label(pricing_rule: str) -> str:
    """A pricing rule in words: known rules by name, others with underscores as spaces, capitalised.

    >>> rule_label("cached_input_tokens"), rule_label("video_frames")
    ('Cached input tokens', 'Video frames')
    """
    return RULE_LABELS.get(pricing_rule) or _words(pricing_rule)


def status_label(status: str) -> str:
    """A request status in words: the contract's by name, others with underscores as spaces.

    >>> status_label("error"), status_label("cache_hit"), status_label("rate_limited")
    ('Failed', 'Cache hit', 'Rate limited')
    """
    return STATUS_LABELS.get(status) or _words(status)


HIDDEN_SWATCH = "#CCCCCC"  # a legend entry whose series is hidden
