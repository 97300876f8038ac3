"""The KMS port's local adapter: the organisation key is 32 random bytes (64 hex characters) in a file;
data keys are wrapped with AES-256-GCM under it, bound to the dataset they belong to."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledgerml.shared.settings import is_placeholder
from ledgerml.storage.errors import DataKeyUnavailable, OrgKeyInvalid

log = logging.getLogger(__name__)
NONCE_SIZE = 12
WRAP_AAD = b"ledgerml/storage/data-key/v1\x00"


class KeyFileWrapper:
    def __init__(self, org_key: bytes) -> None:
        if len(org_key) != 32 or len(set(org_key)) < 8:
            raise OrgKeyInvalid("the organisation key must be 32 random bytes")
        self._aead = AESGCM(org_key)
        self._key_id = hashlib.sha256(b"key-id\x00" + org_key).hexdigest()[:16]  # a fingerprint, not the key

    @classmethod
    def from_file(cls, path: Path, *, create_if_missing: bool) -> KeyFileWrapper:
        """Reads the key; only in development is a missing file created (with a fresh random key)."""
        if not path.is_file():
            if not create_if_missing:
                raise OrgKeyInvalid(f"no organisation key at {path}: set LEDGERML_STORAGE_ORG_KEY_FILE to a file "
                                    "holding 64 hex characters (e.g. `openssl rand -hex 32`)")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(os.urandom(32).hex() + "\n")
            log.warning("created a development organisation key", extra={"path": str(path)})
        text = path.read_text().strip()
        if is_placeholder(text):
            raise OrgKeyInvalid(f"{path} holds a placeholder, not an organisation key")
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise OrgKeyInvalid(f"{path} must hold exactly 64 hex characters") from None
        return cls(key)

    @property
    def key_id(self) -> str:
        return self._key_id

    def wrap(self, data_key: bytes, *, context: str) -> bytes:
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, data_key, WRAP_AAD + context.encode())

    def unwrap(self, wrapped: bytes, *, context: str) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], WRAP_AAD + context.encode())
        except (InvalidTag, ValueError):
            raise DataKeyUnavailable(f"the data key of {context} was not wrapped by this organisation key "
                                     "(wrong LEDGERML_STORAGE_ORG_KEY_FILE?)") from None


class DevelopmentKeyFile:
    """Development only: the key file is read (or created) on first use, not at startup, so starting a
    service never writes a key file nobody asked for. Other environments load `KeyFileWrapper` eagerly
    and refuse to start without a real key."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wrapper: KeyFileWrapper | None = None

    def _loaded(self) -> KeyFileWrapper:
        if self._wrapper is None:
            self._wrapper = KeyFileWrapper.from_file(self._path, create_if_missing=True)
        return self._wrapper

    @property
    def key_id(self) -> str:
        return self._loaded().key_id

    def wrap(self, data_key: bytes, *, context: str) -> bytes:
        return self._loaded().wrap(data_key, context=context)

    def unwrap(self, wrapped: bytes, *, context: str) -> bytes:
        return self._loaded().unwrap(wrapped, context=context)
