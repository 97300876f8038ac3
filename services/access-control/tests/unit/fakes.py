"""Hand-written fakes of the ports the access-control service uses (no MagicMock)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from ledgerml.shared.errors import LedgerEndorsementFailed
from ledgerml.shared.events import Envelope
from ledgerml.shared.events import schemas as ev
from ledgerml.shared.events.bridged import bridge_envelope
from ledgerml.shared.ledger import ChaincodeEvent, TxReceipt
from ledgerml.shared.messaging import InboundRecord

T0 = datetime(2030, 1, 1, tzinfo=UTC)


class TestClock:
    __test__ = False

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class QueueSource:
    """An event source whose records are appended by the test, like a topic being written to."""

    def __init__(self) -> None:
        self.records: list[InboundRecord] = []
        self.position = 0
        self.polls: list[float] = []

    def add(self, *envelopes: Envelope) -> None:
        for envelope in envelopes:
            self.records.append(InboundRecord(topic="org1.ledger", partition=0, offset=len(self.records),
                                              key=envelope.key, value=envelope.to_json()))

    def poll(self, timeout_s: float) -> Sequence[InboundRecord]:
        self.polls.append(timeout_s)
        batch = self.records[self.position:]
        self.position = len(self.records)
        return batch

    def commit(self, records: Sequence[InboundRecord]) -> None:
        pass

    def rewind(self, record: InboundRecord) -> None:
        self.position = record.offset


class FakeLedger:
    """The `Ledger` port with a fixed event log, canned evaluations and committing submits."""

    def __init__(self, events: Sequence[ChaincodeEvent] = (), answers: Mapping[str, bytes] | None = None,
                 reject: Sequence[str] = ()) -> None:
        self.log = list(events)
        self.answers = dict(answers or {})
        self.reject = set(reject)
        self.submitted: list[tuple[str, list[str]]] = []
        self.starts: list[int] = []

    def submit(self, function: str, args: Sequence[str], *,
               idempotency_key: str | None = None) -> TxReceipt:
        self.submitted.append((function, list(args)))
        if function in self.reject:
            raise LedgerEndorsementFailed("LML-CC-0005 request is GRANTED, expected PENDING", tx_id="tx-bad")
        return TxReceipt(tx_id=f"tx-{len(self.submitted)}", block_number=10 + len(self.submitted))

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        return self.answers[function]

    def events(self, *, start_block: int) -> Iterator[ChaincodeEvent]:
        self.starts.append(start_block)
        return iter([e for e in self.log if e.block_number >= start_block])


class Bridge:
    """Builds the bridge's envelopes for one organisation, numbering transactions."""

    def __init__(self, org: str = "org1") -> None:
        self.org = org
        self.sequence = 0

    def envelope(self, data: ev.EventData, subject: str, *, tx: str | None = None,
                 time: datetime | None = None) -> Envelope:
        self.sequence += 1
        return bridge_envelope(data, org=self.org, tx_id=tx or f"tx{self.sequence}", index=0,
                               sequence=self.sequence, subject=subject, time=time)

    def dataset(self, dataset_id: str = "cxr", owner: str = "Org1MSP") -> Envelope:
        return self.envelope(ev.DatasetRegistered(dataset_id=dataset_id, owner_org=owner, name=dataset_id,
                                                  ledger_tx_id="t"), dataset_id)

    def requested(self, request_id: str = "r1", *, dataset_id: str = "cxr", org: str = "Org2MSP",
                  purpose: str = "train") -> Envelope:
        return self.envelope(ev.AccessRequested(request_id=request_id, dataset_id=dataset_id, requester_org=org,
                                                purpose=purpose, ledger_tx_id="t"), request_id)

    def granted(self, request_id: str = "r1", *, dataset_id: str = "cxr", org: str = "Org2MSP",
                expires_at: datetime = T0 + timedelta(days=30), max_jobs: int = 2,
                compute_only: bool = False) -> Envelope:
        return self.envelope(ev.GrantIssued(grant_id=request_id, request_id=request_id, dataset_id=dataset_id,
                                            grantee_org=org, expires_at=expires_at, max_jobs=max_jobs,
                                            compute_only=compute_only, ledger_tx_id="t"), request_id)

    def denied(self, request_id: str = "r1", *, dataset_id: str = "cxr", org: str = "Org2MSP") -> Envelope:
        return self.envelope(ev.GrantDenied(request_id=request_id, dataset_id=dataset_id, grantee_org=org,
                                            reason="not for resale", ledger_tx_id="t"), request_id)

    def revoked(self, request_id: str = "r1", *, dataset_id: str = "cxr", org: str = "Org2MSP") -> Envelope:
        return self.envelope(ev.GrantRevoked(grant_id=request_id, dataset_id=dataset_id, grantee_org=org,
                                             ledger_tx_id="t"), request_id)


def chaincode(name: str, payload: object, *, block: int, index: int = 0, tx: str | None = None) -> ChaincodeEvent:
    return ChaincodeEvent(tx_id=tx or f"b{block}i{index}", block_number=block, index=index, name=name,
                          payload=json.dumps(payload).encode())


def cc_request(request_id: str = "r1", *, status: str = "PENDING", purpose: str = "train",
               conditions: dict[str, object] | None = None, at: datetime = T0) -> dict[str, object]:
    return {"request_id": request_id, "dataset_id": "cxr", "owner": "Org1MSP", "requester": "Org2MSP",
            "purpose": purpose, "status": status, "conditions": conditions, "reason": "",
            "requested_expiry": (T0 + timedelta(days=30)).isoformat(), "updated_at": at.isoformat()}


def cc_dataset(dataset_id: str = "cxr", owner: str = "Org1MSP") -> dict[str, object]:
    return {"id": dataset_id, "owner": owner, "created_at": T0.isoformat()}
