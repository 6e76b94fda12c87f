#!/usr/bin/env python3
"""Verify a dispute export of e-Concierge's audit trail on its own (standard library only).

Usage:
    python3 verify_export.py EXPORT.jsonl [--digests DIGESTS.jsonl] [--partial] [--strict]

EXPORT.jsonl is `GET /v1/audit/export?contract_id=...` (or `?ticket_id=...`; JSON Lines,
each line an event of the trail with a "trail" member). DIGESTS.jsonl holds checkpoints
obtained independently of the export: `econcierge audit digest --all`, or the messages of
the NATS subject `econcierge.digests.>`, kept by the reviewer. The script checks:

1. each event's hash, recomputed from its stored bytes (README, "The provable trail"):
   SHA-256(b"econcierge-event-v1\n" + prev + "\n" + aggregate id + "\n" + version +
   "\n" + topic + "\n" + data);
2. that the readable entry says what the hashed bytes say: aggregate id, version, topic,
   event type and aggregate kind (both read from the topic), event id, hash, actor, role,
   time, correlation, causation and every field of the payload, and the contract where
   the hashed bytes name it. Personal fields are stored encrypted ("pd1:..."): their text
   is shown but cannot be proven by the export (and reads "[erased]" after an erasure);
3. that nothing is missing: each aggregate's versions run from 1 to its last exported
   version without a gap, and each version n names the hash of version n-1 (version 1
   names 64 zeros); in a contract's export, the contract itself and every ticket the
   hashed events name are there. With --partial (an export cut on purpose, e.g. by
   period), versions before the first exported one and aggregates outside the export
   are notes; a gap inside an aggregate's exported versions still fails;
4. the checkpoint covering each event: its hash recomputed from its fields, the event's
   position inside its range, and the RFC 9162 inclusion proof from the event's leaf to
   the checkpoint's Merkle root (events after the last checkpoint are notes; failures
   with --strict);
5. with --digests, that each covering checkpoint equals the digest kept outside.
Not evidence (printed as such): the summary, the rules and the log position of each line
(the position is only bounded by its checkpoint's range), and the contract of a line
whose exported bytes do not name it. These are shown for reading; the hashes cover the rest.
Exit status 0 when everything holds, 1 otherwise (each failure is printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
TOKEN = "pd1:"
META = ("actor_id", "actor_role", "correlation_id", "causation_id")


def event_hash(t: dict[str, Any]) -> str:
    head = f"{t['prev']}\n{t['originator_id']}\n{t['version']}\n{t['topic']}\n".encode()
    return hashlib.sha256(b"econcierge-event-v1\n" + head + t["data"].encode("utf-8")).hexdigest()


def checkpoint_hash(c: dict[str, Any]) -> str:
    fields = f"{c['number']}\n{c['first_position']}\n{c['last_position']}\n{c['size']}\n{c['root']}\n{c['prev']}"
    return hashlib.sha256(b"econcierge-checkpoint-v1\n" + fields.encode()).hexdigest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(event_hash_hex: str, index: int, size: int, proof: list[str]) -> str | None:
    """RFC 9162, 2.1.3.2: the root an audit path leads to (None if it cannot fit)."""
    if not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    r = hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()
    for p_hex in proof:
        p = bytes.fromhex(p_hex)
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return r.hex() if sn == 0 else None


def _same(shown: Any, stored: Any) -> bool:
    if isinstance(stored, str) and stored.startswith(TOKEN):
        return True  # personal: sealed in the store, not provable here
    if isinstance(shown, dict) and isinstance(stored, dict):
        return shown.keys() == stored.keys() and all(_same(shown[k], stored[k]) for k in shown)
    if isinstance(shown, list) and isinstance(stored, list):
        return len(shown) == len(stored) and all(map(_same, shown, stored))
    return shown == stored


def _names(topic: str) -> tuple[str, str]:
    """(aggregate kind, event type) of a stored topic `module:Kind.EventType`."""
    qualname = topic.partition(":")[2]
    kind, _, event_type = qualname.rpartition(".")
    return kind or qualname, event_type


def _owner(kind: str, aggregate: str, data: dict[str, Any]) -> str | None:
    """The contract the hashed bytes of one event name as its aggregate's (or None)."""
    if kind == "Contract":
        return aggregate
    contract = data.get("contract_id")
    if isinstance(contract, str):
        return contract
    subject = data.get("subject")  # an erasure names its subject "contract:<id>"
    if isinstance(subject, str) and subject.startswith("contract:"):
        return subject.removeprefix("contract:")
    return None


class Checker:
    def __init__(self, digests: dict[int, set[str]] | None, strict: bool, partial: bool) -> None:
        self.digests, self.strict, self.partial = digests, strict, partial
        self.failures: list[str] = []
        self.notes: list[str] = []
        self.owners: dict[str, str] = {}  # aggregate -> contract, as its hashed bytes say
        self.kinds: dict[str, str] = {}  # aggregate -> kind, from its topic
        self.claimed: list[tuple[str, str, Any]] = []  # (where, aggregate, contract shown)
        self.named_tickets: dict[str, str] = {}  # ticket id named in hashed data -> where
        self.unproven_contracts = 0

    def fail(self, where: str, what: str) -> None:
        self.failures.append(f"{where}: {what}")

    def missing(self, what: str) -> None:
        """Something the export should hold is not there: a failure, a note with --partial."""
        (self.notes if self.partial else self.failures).append(what)

    def entry(self, line_no: int, entry: dict[str, Any]) -> dict[str, Any] | None:
        where = f"line {line_no} (position {entry.get('position')}, {entry.get('event_id')})"
        t = entry.get("trail")
        if t is None:
            self.fail(where, "no trail evidence in this line")
            return None
        if t.get("alg") != "sha256":
            self.fail(where, f"unknown hash algorithm {t.get('alg')!r}")
        if event_hash(t) != t["hash"]:
            self.fail(where, "the stored bytes do not give the stored hash: the event was changed")
        if (str(entry.get("aggregate_id")), entry.get("version"), entry.get("topic")) != (
            t["originator_id"], t["version"], t["topic"]
        ):
            self.fail(where, "the entry names another event than its evidence")
        kind, event_type = _names(t["topic"])
        derived = {
            "event_type": event_type,
            "aggregate_kind": kind,
            "event_id": f"{t['originator_id']}:{t['version']}",
        }
        for name, value in derived.items():
            if entry.get(name) != value:
                self.fail(where, f"{name} {entry.get(name)!r} is not {value!r}, as the hashed topic and id say")
        if entry.get("chain_hash") not in (None, t["hash"]):
            self.fail(where, f"chain_hash {entry.get('chain_hash')!r} is not the evidence's hash")
        data = json.loads(t["data"])
        meta = data.get("meta", {})
        for name in META:
            if entry.get(name) != meta.get(name):
                self.fail(where, f"{name} {entry.get(name)!r} is not the recorded {meta.get(name)!r}")
        try:
            if datetime.fromisoformat(entry["at"]) != datetime.fromisoformat(data["timestamp"]):
                self.fail(where, f"time {entry['at']} is not the recorded {data['timestamp']}")
        except (KeyError, ValueError):
            self.fail(where, "no comparable time")
        for name, shown in (entry.get("payload") or {}).items():
            if name not in data or not _same(shown, data[name]):
                self.fail(where, f"field {name!r} shows {shown!r}, the record holds {data.get(name)!r}")
        aggregate = t["originator_id"]
        self.kinds[aggregate] = kind
        owner = _owner(kind, aggregate, data)
        if owner is not None:
            self.owners.setdefault(aggregate, owner)
        ticket = data.get("ticket_id")
        if isinstance(ticket, str):
            self.named_tickets.setdefault(ticket, where)
        self.claimed.append((where, aggregate, entry.get("contract_id")))
        self.checkpoint(where, entry, t)
        return t

    def checkpoint(self, where: str, entry: dict[str, Any], t: dict[str, Any]) -> None:
        c = t.get("checkpoint")
        if c is None:
            message = f"{where}: not covered by a checkpoint yet"
            (self.failures if self.strict else self.notes).append(message)
            return
        if checkpoint_hash(c) != c["hash"]:
            self.fail(where, f"checkpoint {c['number']} does not hash to its stated hash")
        if not c["first_position"] <= (entry.get("position") or 0) <= c["last_position"]:
            self.fail(where, f"position {entry.get('position')} is outside checkpoint {c['number']}'s range "
                             f"{c['first_position']}–{c['last_position']}")  # fmt: skip
        if root_from_proof(t["hash"], t["leaf_index"], c["size"], t["proof"]) != c["root"]:
            self.fail(where, f"the inclusion proof does not lead to checkpoint {c['number']}'s root")
        if self.digests is not None:
            kept = self.digests.get(c["number"])
            if kept is None:
                self.notes.append(f"checkpoint {c['number']} is not among the kept digests")
            elif c["hash"] not in kept:
                self.fail(where, f"checkpoint {c['number']} differs from the kept digest")

    def chains(self, trails: list[dict[str, Any]]) -> None:
        """Each aggregate's versions: from 1, without a gap, each naming the one before."""
        by_aggregate: dict[str, dict[int, dict[str, Any]]] = {}
        for t in trails:
            by_aggregate.setdefault(t["originator_id"], {})[t["version"]] = t
        for aggregate, versions in sorted(by_aggregate.items()):
            first, last = min(versions), max(versions)
            if first > 1:
                self.missing(f"{aggregate}: versions 1–{first - 1} are not in the export")
            gaps = [v for v in range(first, last + 1) if v not in versions]
            if gaps:
                self.fail(aggregate, f"version(s) {', '.join(map(str, gaps))} between versions {first} and "
                                     f"{last} are missing from the export")  # fmt: skip
            for version, t in sorted(versions.items()):
                if version == 1:
                    if t["prev"] != GENESIS:
                        self.fail(f"{aggregate} v1", "does not start a chain")
                    continue
                before = versions.get(version - 1)
                if before is not None and t["prev"] != before["hash"]:
                    self.fail(f"{aggregate} v{version}", f"does not chain to version {version - 1}")

    def scope(self) -> None:
        """The contract of each line where the hashed bytes name it, and in a contract's
        export (more than one aggregate), the contract and the tickets its events name."""
        for where, aggregate, shown in self.claimed:
            owner = self.owners.get(aggregate)
            if owner is None:
                self.unproven_contracts += 1
            elif str(shown) != owner:
                self.fail(where, f"contract_id {shown!r} is not {owner!r}, as the hashed events of its aggregate say")
        if len(self.kinds) < 2:
            return  # one aggregate's export
        contracts = sorted(set(self.owners.values()))
        if len(contracts) > 1:
            self.fail("export", f"its events belong to several contracts: {', '.join(contracts)}")
            return
        for contract in contracts:
            if contract not in self.kinds:
                self.missing(f"contract {contract}: its own events (the contract aggregate) are not in the export")
        for ticket, where in sorted(self.named_tickets.items()):
            if ticket not in self.kinds:
                self.missing(f"ticket {ticket}, named at {where}: its events are not in the export")

    def not_evidence(self) -> str:
        unproven = (f"; contract_id of {self.unproven_contracts} line(s), whose exported bytes do not "
                    "name their contract") if self.unproven_contracts else ""  # fmt: skip
        return ("not evidence (shown for reading, not covered by the hashes): summary, rules, and "
                f"position (only bounded by its checkpoint's range){unproven}")  # fmt: skip


def _digests(path: str) -> dict[int, set[str]]:
    kept: dict[int, set[str]] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                c = json.loads(line)
                kept.setdefault(int(c["number"]), set()).add(c["hash"])
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="the JSON Lines export (- for standard input)")
    parser.add_argument("--digests", help="checkpoints kept independently (JSON Lines)")
    parser.add_argument("--partial", action="store_true",
                        help="an export cut on purpose: versions and aggregates outside it are notes")  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="also fail on events no checkpoint covers yet")
    args = parser.parse_args(argv)
    if args.export == "-":
        text = sys.stdin.read()
    else:
        with open(args.export, encoding="utf-8") as source:
            text = source.read()
    checker = Checker(_digests(args.digests) if args.digests else None, args.strict, args.partial)
    trails = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            t = checker.entry(number, json.loads(line))
            if t is not None:
                trails.append(t)
    checker.chains(trails)
    checker.scope()
    for note in checker.notes:
        print(f"note: {note}")
    print(f"note: {checker.not_evidence()}")
    for failure in checker.failures:
        print(f"FAIL: {failure}")
    sealed = {t["checkpoint"]["number"] for t in trails if t.get("checkpoint")}
    verdict = "FAILED" if checker.failures or not trails else "VERIFIED"
    print(f"{verdict}: {len(trails)} events, {len(checker.failures)} failures, "
          f"checkpoints {sorted(sealed) or 'none'}")  # fmt: skip
    return 1 if checker.failures or not trails else 0


if __name__ == "__main__":
    sys.exit(main())
