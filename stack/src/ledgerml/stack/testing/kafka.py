"""Topics a test created on the stack's real broker, removed afterwards."""

from __future__ import annotations

from kafka import KafkaAdminClient


def remove_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic named `<prefix>.<anything>` (an organisation's topics in a test)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(f"{prefix}.")]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()
