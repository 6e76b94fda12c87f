"""Structured logs: one JSON object per line, each carrying the request's correlation id.

The correlation id is the one the request's events carry in `meta.correlation_id` (and
the published events in `correlation_id`), so a log line leads to the events, the views
and the NATS messages of one request. What is logged is chosen by the code that logs,
never a request or response body and never a header but the correlation id: no token,
no secret and no personal data reaches the log.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import datetime
from typing import IO, Any

import msgspec

from infra.clock import JST

#: The correlation id of the request (or job) being handled on this task or thread.
CORRELATION_ID: ContextVar[str | None] = ContextVar("econcierge_correlation_id", default=None)

# Attributes every LogRecord has: anything else was passed with `extra=` and is logged.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's copy of the message with terminal colours
}
_encoder = msgspec.json.Encoder(enc_hook=repr)  # an odd `extra` value is logged as its repr


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "correlation_id"?, ...extra, "exc"?}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, JST).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        correlation_id = getattr(record, "correlation_id", None) or CORRELATION_ID.get()
        if correlation_id:
            line["correlation_id"] = correlation_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _encoder.encode(line).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (a CLI test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(
    level: str = "INFO", fmt: str = "json", stream: IO[str] | None = None
) -> None:
    """Send every logger's records to stderr (or `stream`), as JSON lines or text."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    if fmt == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    handler._econcierge = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_econcierge", False)]:
        root.removeHandler(old)  # configuring twice replaces ours, never another's
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's loggers propagate to ours; its access log is replaced by our request line.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
