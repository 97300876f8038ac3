"""Coded errors of the registry service (range LML-72xx, table in services/registry/ERRORS.md).

Each subclasses a shared base, so its HTTP status and family stay those of the base.
"""

from __future__ import annotations

from ledgerml.shared.errors import Conflict, InvalidRequest, NotOwnerOrganisation, PermissionDenied


class InvalidDatasetId(InvalidRequest):
    code, title = "LML-7201", "Invalid dataset id"


class DatasetExists(Conflict):
    code, title = "LML-7202", "Dataset id already taken"


class InvalidDatasetSchema(InvalidRequest):
    code, title = "LML-7203", "Invalid dataset schema"


class InvalidTags(InvalidRequest):
    code, title = "LML-7204", "Invalid tags"


class InvalidPrice(InvalidRequest):
    code, title = "LML-7205", "Invalid price per job"


class InvalidDatasetText(InvalidRequest):
    code, title = "LML-7206", "Invalid dataset name, description or terms"


class InvalidCursor(InvalidRequest):
    code, title = "LML-7207", "Invalid pagination cursor"


class NotThisRegistrysOrganisation(NotOwnerOrganisation):
    """A registry stores only its own organisation's datasets: partners register at their own."""

    code, title = "LML-7208", "This registry belongs to another organisation"


class NotModelParty(PermissionDenied):
    code, title = "LML-7209", "Only the model's holder, producer or an auditor may read it"


class VersionForUnknownDataset(InvalidRequest):
    """A stored version names a dataset this registry does not know (recorded, never registered)."""

    code, title = "LML-7210", "Version of an unknown dataset"


class VersionForForeignDataset(InvalidRequest):
    """A stored version names another organisation's dataset (recorded, never registered)."""

    code, title = "LML-7211", "Version of another organisation's dataset"


class VersionConflict(Conflict):
    """The same dataset version arrived again with a different content (root, size or chunks)."""

    code, title = "LML-7212", "Dataset version already recorded with other content"


class EmptyVersion(InvalidRequest):
    """The ledger refuses versions without content; the chaincode requires size and chunks > 0."""

    code, title = "LML-7213", "Empty dataset version"


class CatalogConflict(Conflict):
    """A ledger event names a dataset id this catalog already holds for another owner."""

    code, title = "LML-7214", "Catalog entry owned by another organisation"
