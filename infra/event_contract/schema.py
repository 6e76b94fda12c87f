"""JSON Schemas of the public events and the AsyncAPI 3.0 document, generated from the structs."""

from __future__ import annotations

import inspect
from typing import Any

import msgspec

from infra.event_contract.envelope import OpaqueEvent, PublicEvent
from infra.event_contract.mapping import REGISTRIES
from infra.event_contract.registry import default_of
from infra.nats import MSG_ID_HEADER, POSITION_HEADER

#: The version of the whole document; bump the minor for additions, the major for removals.
CONTRACT_VERSION = "1.0.0"
DEFAULT_PREFIX = "econcierge.events"
DEFAULT_STREAM = "ECONCIERGE_EVENTS"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

DESCRIPTION = f"""\
Every change recorded by e-Concierge, published to NATS JetStream (stream `{DEFAULT_STREAM}`).

Subject: `{DEFAULT_PREFIX}.<aggregate_type>.<aggregate_id>.<event_type>`, e.g.
`{DEFAULT_PREFIX}.contract.*.*` for every contract event, or
`{DEFAULT_PREFIX}.*.*.ContractStarted` for one type.

Guarantees: every event is published, in order per aggregate (`aggregate_version` grows
by one); `event_id` (`<aggregate_id>:<aggregate_version>`, also the `{MSG_ID_HEADER}`
header) is unique: after an operator re-feed a copy may arrive again, so de-duplicate by
it. `position` orders all events of the service (it has gaps). Events of types without a
public payload yet arrive as `OpaqueEvent` (envelope only, `opaque: true`).

Payloads carry ids, types, dates, amounts (integer yen, tax included) and rule flags,
never free text or people's names. `schema_version` changes only for a breaking change
of one event type's payload; new optional fields may appear at any time: ignore unknown
fields."""


def message_types() -> list[type[PublicEvent]]:
    """Every public message type, by aggregate kind then type name; the opaque one last."""
    types = [cls for registry in REGISTRIES for cls in registry.events.values()]
    return sorted(types, key=message_name) + [OpaqueEvent]


def message_name(cls: type[PublicEvent]) -> str:
    if cls is OpaqueEvent:
        return "OpaqueEvent"
    return f"{default_of(cls, 'aggregate_type')}.{default_of(cls, 'event_type')}"


def schema_file_name(cls: type[PublicEvent]) -> str:
    return f"{message_name(cls)}.v{default_of(cls, 'schema_version')}.json"


def _require_fixed_fields(components: dict[str, Any]) -> None:
    # Fields fixed to one literal (event_type, schema_version, ...) are always sent, but
    # msgspec leaves fields with defaults optional: make the discriminators required.
    for schema in components.values():
        props = schema.get("properties", {})
        fixed = [n for n, p in props.items() if len(p.get("enum", ())) == 1 and "default" in p]
        if fixed:
            schema["required"] = sorted(set(schema.get("required", [])) | set(fixed))


def _clean_descriptions(components: dict[str, Any]) -> None:
    # msgspec copies a struct's docstring as is up to 0.22 and dedented from 0.23: clean it
    # ourselves, so the committed documents do not depend on the installed msgspec.
    for schema in components.values():
        if isinstance(schema.get("description"), str):
            schema["description"] = inspect.cleandoc(schema["description"])


def json_schemas() -> dict[str, dict[str, Any]]:
    """One standalone JSON Schema (2020-12) per message type, keyed by file name."""
    files: dict[str, dict[str, Any]] = {}
    for cls in message_types():
        (root,), components = msgspec.json.schema_components([cls], ref_template="#/$defs/{name}")
        _require_fixed_fields(components)
        _clean_descriptions(components)
        files[schema_file_name(cls)] = {
            "$schema": JSON_SCHEMA_DIALECT,
            "title": message_name(cls),
            **root,
            "$defs": components,
        }
    return files


def _headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            MSG_ID_HEADER: {
                "type": "string",
                "description": "the event_id; JetStream de-duplicates by it",
            },
            POSITION_HEADER: {
                "type": "string",
                "pattern": "^[0-9]+$",
                "description": "the event's store position",
            },
        },
        "required": [MSG_ID_HEADER, POSITION_HEADER],
    }


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\n", 1)[0] or f"{default_of(cls, 'event_type')} (no further public detail)"


def asyncapi_document(prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The AsyncAPI 3.0 document: one channel per aggregate kind, one message per event type."""
    types = message_types()
    _, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    _require_fixed_fields(components)
    _clean_descriptions(components)
    components["MessageHeaders"] = _headers_schema()
    messages: dict[str, Any] = {}
    for cls in types:
        messages[message_name(cls)] = {
            "name": cls.__name__,
            "title": message_name(cls),
            "summary": _summary(cls)
            if cls is not OpaqueEvent
            else "An event type without a public payload",
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/MessageHeaders"},
            "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
            "correlationId": {"location": "$message.payload#/correlation_id"},
        }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for registry in REGISTRIES:
        kind = registry.aggregate_type
        names = [
            message_name(c) for c in types if c is OpaqueEvent or c in registry.events.values()
        ]
        channel_messages = {
            n.rpartition(".")[2]: {"$ref": f"#/components/messages/{n}"} for n in names
        }
        channels[kind] = {
            "address": f"{prefix}.{kind}.{{aggregateId}}.{{eventType}}",
            "title": f"{registry.aggregate.__name__} events",
            "description": inspect.getdoc(registry.aggregate) or "",
            "parameters": {
                "aggregateId": {"description": f"the {kind}'s id (a UUID)"},
                "eventType": {
                    "description": "the event type",
                    "examples": sorted(k for k in channel_messages if k != "OpaqueEvent"),
                },
            },
            "messages": channel_messages,
        }
        operations[f"publish_{kind}"] = {
            "action": "send",
            "title": f"The relay publishes every {kind} event",
            "channel": {"$ref": f"#/channels/{kind}"},
            "messages": [{"$ref": f"#/channels/{kind}/messages/{k}"} for k in channel_messages],
        }
    # A new aggregate kind without public payloads yet still arrives, opaque, on its own subject.
    channels["other"] = {
        "address": f"{prefix}.{{aggregateType}}.{{aggregateId}}.{{eventType}}",
        "title": "Events of aggregate kinds without public payloads yet",
        "parameters": {
            "aggregateType": {"description": "the aggregate kind, snake_case"},
            "aggregateId": {"description": "the aggregate's id (a UUID)"},
            "eventType": {"description": "the event type"},
        },
        "messages": {"OpaqueEvent": {"$ref": "#/components/messages/OpaqueEvent"}},
    }
    operations["publish_other"] = {
        "action": "send",
        "title": "The relay publishes events of other aggregate kinds, opaque",
        "channel": {"$ref": "#/channels/other"},
        "messages": [{"$ref": "#/channels/other/messages/OpaqueEvent"}],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "e-Concierge events",
            "version": CONTRACT_VERSION,
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": f"NATS with JetStream; stream {DEFAULT_STREAM} (ECONCIERGE_NATS_STREAM)",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": components, "messages": messages},
    }


def encode_document(document: dict[str, Any]) -> bytes:
    """Stable, readable JSON (sorted keys would scramble the AsyncAPI sections)."""
    return msgspec.json.format(msgspec.json.encode(document), indent=2) + b"\n"
