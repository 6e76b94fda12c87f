"""The relay creates its stream, or brings an existing one to the configured settings."""

from __future__ import annotations

import msgspec
import nats
import pytest
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


def test_the_stream_s_storage_is_configurable(nats_settings: Settings) -> None:
    # Given ECONCIERGE_NATS_STORAGE=memory (e.g. a throwaway test stream)
    environ = {
        "ECONCIERGE_NATS_STORAGE": "memory",
        "ECONCIERGE_NATS_URL": str(nats_settings.nats_url),
        "ECONCIERGE_NATS_STREAM": nats_settings.nats_stream,
        "ECONCIERGE_NATS_SUBJECT_PREFIX": nats_settings.nats_subject_prefix,
    }
    settings = Settings.from_env(environ)
    assert settings.nats_storage == "memory"

    # When the relay creates its stream, then it uses memory storage
    assert run(_ensure(settings)).config.storage == StorageType.MEMORY


def test_an_existing_stream_keeps_its_storage_and_the_difference_is_logged(
    nats_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a stream created with file storage
    run(_ensure(nats_settings))

    # When the relay starts configured for memory storage
    memory = msgspec.structs.replace(nats_settings, nats_storage="memory")
    config = run(_ensure(memory)).config

    # Then JetStream keeps the storage it has (it cannot change), and the operator is told
    assert config.storage == StorageType.FILE
    assert "uses file storage, not the configured memory storage" in caplog.text


def test_an_unknown_storage_is_refused_at_start_up() -> None:
    with pytest.raises(SystemExit, match="nats_storage"):
        Settings.from_env({"ECONCIERGE_NATS_STORAGE": "disk"})
