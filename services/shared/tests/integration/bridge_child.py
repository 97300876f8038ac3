"""A bridge process for the crash test on real Kafka, following a scripted chain instead of a validator.

The chain is deterministic (block b holds `PER_BLOCK` DatasetRegistered events with fixed tx ids), so
a restarted child sees the same chain. Its committed height comes on stdin, one number a line, as the
test "commits" blocks. Everything else is the real bridge: `LedgerBridge`, its SQLite checkpoint and
status file, and the idempotent Kafka producer from `ledgerml.shared.bridge.main`.

    python bridge_child.py --data DIR --bootstrap HOST:PORT --org ORG < heights
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from ledgerml.shared.bridge.bridge import LedgerBridge
from ledgerml.shared.bridge.checkpoint import Checkpoint
from ledgerml.shared.bridge.follower import Item, Scanned
from ledgerml.shared.bridge.main import kafka_publishers
from ledgerml.shared.bridge.settings import BridgeSettings
from ledgerml.shared.bridge.status import CHECKPOINT_FILE, STATUS_FILE, StatusFile
from ledgerml.shared.ledger import ChaincodeEvent

PER_BLOCK = 3


def chain_event(block: int, index: int) -> ChaincodeEvent:
    payload = {"schema_version": 2, "id": f"ds-{block}-{index}", "owner": "Org1MSP", "metadata": "", "terms": "",
               "price_per_job": 0, "created_at": "2030-01-01T00:00:00Z", "tx_id": ""}
    tx_id = hashlib.sha256(f"scripted:{block}:{index}".encode()).hexdigest()
    return ChaincodeEvent(tx_id, block, index, "DatasetRegistered", json.dumps(payload).encode())


class ScriptedChain:
    def __init__(self) -> None:
        self._height = 0
        self._committed = threading.Condition()
        threading.Thread(target=self._read_heights, daemon=True).start()

    def _read_heights(self) -> None:
        for line in sys.stdin:
            with self._committed:
                self._height = max(self._height, int(line))
                self._committed.notify_all()

    def scan(self, *, start_block: int) -> Iterator[Item]:
        """As the validator feed: each block's events, then the block's end."""
        block = max(start_block, 1)
        while True:
            with self._committed:
                self._committed.wait_for(lambda block=block: self._height >= block)
            yield from (chain_event(block, i) for i in range(PER_BLOCK))
            yield Scanned(block)
            block += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--org", required=True)
    args = parser.parse_args()
    settings = BridgeSettings(org=args.org, kafka_bootstrap=args.bootstrap, data_dir=args.data)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    bridge = LedgerBridge(org=settings.org, ledger=ScriptedChain(), publishers=lambda: kafka_publishers(settings),
                          checkpoint=Checkpoint(args.data / CHECKPOINT_FILE),
                          status=StatusFile(args.data / STATUS_FILE), batch_max=4, retry_max_s=1.0,
                          status_every_s=0.2)
    bridge.run(stop)


if __name__ == "__main__":
    main()
