"""The organisation key file (KMS port's local adapter): wrapping, and refusal of missing or fake keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgerml.storage.adapters.keys import DevelopmentKeyFile, KeyFileWrapper
from ledgerml.storage.errors import DataKeyUnavailable, OrgKeyInvalid


def test_wrap_unwrap_is_bound_to_the_dataset(tmp_path: Path) -> None:
    path = tmp_path / "org.key"
    path.write_text(bytes(range(100, 132)).hex() + "\n")
    wrapper = KeyFileWrapper.from_file(path, create_if_missing=False)
    wrapped = wrapper.wrap(b"k" * 32, context="ds-one")
    assert b"k" * 32 not in wrapped
    assert wrapper.unwrap(wrapped, context="ds-one") == b"k" * 32
    with pytest.raises(DataKeyUnavailable):
        wrapper.unwrap(wrapped, context="ds-two")
    with pytest.raises(DataKeyUnavailable):
        KeyFileWrapper(bytes(range(1, 33))).unwrap(wrapped, context="ds-one")


def test_missing_key_refused_outside_development(tmp_path: Path) -> None:
    with pytest.raises(OrgKeyInvalid, match="LEDGERML_STORAGE_ORG_KEY_FILE"):
        KeyFileWrapper.from_file(tmp_path / "absent.key", create_if_missing=False)


@pytest.mark.parametrize("content", ["changeme", "00" * 32, "not hex at all", "abcd"])
def test_placeholder_or_malformed_keys_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "org.key"
    path.write_text(content)
    with pytest.raises(OrgKeyInvalid):
        KeyFileWrapper.from_file(path, create_if_missing=False)


def test_development_key_is_created_on_first_use_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "org1-storage.key"
    lazy = DevelopmentKeyFile(path)
    assert not path.exists()
    wrapped = lazy.wrap(b"d" * 32, context="ds")
    assert path.stat().st_mode & 0o777 == 0o600
    assert KeyFileWrapper.from_file(path, create_if_missing=False).unwrap(wrapped, context="ds") == b"d" * 32
