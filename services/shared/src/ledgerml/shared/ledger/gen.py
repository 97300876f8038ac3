"""Writes `ledgerml/shared/ledger/contract.py` from chaincode/contract.json (the Go chaincode's export),
so Python names every function, event and error code the chaincode defines, and none it does not.

    python -m ledgerml.shared.ledger.gen            # regenerate
    python -m ledgerml.shared.ledger.gen --check    # exit 1 when the committed module is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODULE = HERE / "contract.py"
CONTRACT = HERE.parents[5] / "chaincode" / "contract.json"
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_HEADER = '''"""Names the chaincode shares with Python: functions, events, error codes, record schema version.

Generated from chaincode/contract.json by `python -m ledgerml.shared.ledger.gen`; do not edit by hand.
"""
# ruff: noqa: E501

from __future__ import annotations

from enum import Enum, StrEnum

SCHEMA_VERSION = {schema_version}
'''

_CCERROR = '''

class CCError(Enum):
    """A chaincode error code: `code` ("LML-CC-0004"), `name` ("FORBIDDEN_NOT_OWNER"), `description`."""

    code: str
    description: str

    def __init__(self, code: str, description: str) -> None:
        self.code = code
        self.description = description

    @property
    def number(self) -> int:
        """The numeric part, which is the ABCI result code of a refused transaction or query."""
        return int(self.code.rsplit("-", 1)[1])

    @classmethod
    def from_number(cls, number: int) -> CCError | None:
        return next((e for e in cls if e.number == number), None)

{members}
'''


def constant_name(camel: str) -> str:
    """`GetDatasetVersion` -> `GET_DATASET_VERSION`."""
    return _WORD_BOUNDARY.sub("_", camel).upper()


def _literal(text: str) -> str:
    """A double-quoted Python literal (a JSON string is one)."""
    return json.dumps(text)


def _str_enum(name: str, doc: str, values: Sequence[str]) -> str:
    members = "\n".join(f"    {constant_name(v)} = {_literal(v)}" for v in values)
    return f'\n\nclass {name}(StrEnum):\n    """{doc}"""\n\n{members}\n'


def _frozenset(name: str, members: Sequence[str]) -> str:
    items = "".join(f"    Fn.{constant_name(m)},\n" for m in members)
    return f"\n\n{name}: frozenset[Fn] = frozenset({{\n{items}}})\n"


def _upgrades(upgrades: Sequence[Mapping[str, Any]]) -> str:
    items = "".join(f"    {_literal(u['name'])}: {int(u['schema_version'])},\n" for u in upgrades)
    return ('\n\n# Upgrades the chaincode knows: name -> the record schema version it introduces.\n'
            f"UPGRADES: dict[str, int] = {{\n{items}}}\n")


def render(contract: Mapping[str, Any]) -> str:
    functions: list[Mapping[str, str]] = list(contract["functions"])
    errors: Mapping[str, Mapping[str, str]] = contract["errors"]
    ordered = sorted(errors.items(), key=lambda item: item[1]["code"])
    members = "\n".join(f"    {name} = ({_literal(info['code'])}, {_literal(info['description'])})"
                        for name, info in ordered)
    return "".join([
        _HEADER.format(schema_version=int(contract["schema_version"])),
        _str_enum("Fn", "Every chaincode function, by its transaction name.", [f["name"] for f in functions]),
        _frozenset("SUBMIT_FUNCTIONS", [f["name"] for f in functions if f["kind"] == "submit"]),
        _frozenset("EVALUATE_FUNCTIONS", [f["name"] for f in functions if f["kind"] == "evaluate"]),
        _str_enum("Event", "Every event name a transaction may carry.", list(contract["events"])),
        _CCERROR.format(members=members),
        _upgrades(contract.get("upgrades") or []),
    ])


def render_file(contract_path: Path = CONTRACT) -> str:
    return render(json.loads(contract_path.read_text()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledgerml.shared.ledger.gen", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contract", type=Path, default=CONTRACT)
    parser.add_argument("--out", type=Path, default=MODULE)
    parser.add_argument("--check", action="store_true", help="exit 1 when --out differs from the rendering")
    options = parser.parse_args(argv)
    text = render_file(options.contract)
    if options.check:
        fresh = options.out.is_file() and options.out.read_text() == text
        if not fresh:
            print(f"{options.out} is stale; run python -m ledgerml.shared.ledger.gen", file=sys.stderr)
        return 0 if fresh else 1
    options.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
