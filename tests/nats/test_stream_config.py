"""The relay creates its stream, or brings an existing one to the configured settings."""

from __future__ import annotations

import msgspec
import nats
from nats.js.api import StorageType, StreamInfo

from infra.nats import ensure_stream
from infra.settings import Settings
from tests.nats.streams import run


async def _ensure(settings: Settings, **by_hand: float) -> StreamInfo:
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        info = await ensure_stream(js, settings)
        if by_hand:  # an operator's own tuning of the stream
            info = await js.update_stream(info.config.evolve(**by_hand))
        return info
    finally:
        await nc.close()


def test_the_stream_is_created_from_the_settings(nats_settings: Settings) -> None:
    config = run(_ensure(nats_settings)).config
    assert config.name == nats_settings.nats_stream
    assert config.subjects == [f"{nats_settings.nats_subject_prefix}.>"]
    assert config.storage == StorageType.FILE
    assert (config.duplicate_window, config.num_replicas) == (120.0, 1)


def test_a_changed_setting_updates_the_stream_and_keeps_what_the_operator_tuned(
    nats_settings: Settings,
) -> None:
    run(_ensure(nats_settings, max_age=86400.0))
    changed = msgspec.structs.replace(nats_settings, nats_duplicate_window_seconds=30.0)
    config = run(_ensure(changed)).config
    assert config.duplicate_window == 30.0
    assert config.max_age == 86400.0
