"""The generated contract documents kept in the repository (docs/), and a check for drift."""

from __future__ import annotations

from pathlib import Path

from infra.event_contract.schema import asyncapi_document, encode_document, json_schemas

ASYNCAPI_FILE = "asyncapi.json"
SCHEMAS_DIR = "schemas"


def expected_docs() -> dict[str, bytes]:
    """Every generated file, by path relative to the docs directory."""
    files = {ASYNCAPI_FILE: encode_document(asyncapi_document())}
    for name, schema in json_schemas().items():
        files[f"{SCHEMAS_DIR}/{name}"] = encode_document(schema)
    return files


def write_docs(docs_dir: Path) -> list[Path]:
    """Write the documents, removing schema files of event types that no longer exist."""
    files = expected_docs()
    (docs_dir / SCHEMAS_DIR).mkdir(parents=True, exist_ok=True)
    for stale in (docs_dir / SCHEMAS_DIR).glob("*.json"):
        if f"{SCHEMAS_DIR}/{stale.name}" not in files:
            stale.unlink()
    written = []
    for relative, content in files.items():
        path = docs_dir / relative
        path.write_bytes(content)
        written.append(path)
    return written


def drifted(docs_dir: Path) -> list[str]:
    """Files that differ from what the structs generate, are missing, or are left over."""
    files = expected_docs()
    problems = [name for name, content in files.items() if _read(docs_dir / name) != content]
    problems += [
        f"{SCHEMAS_DIR}/{path.name} (stale)"
        for path in sorted((docs_dir / SCHEMAS_DIR).glob("*.json"))
        if f"{SCHEMAS_DIR}/{path.name}" not in files
    ]
    return problems


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None
