"""Use cases of the registry's models: records built from training events, reads, and verification.

A model's lineage comes from two events: the training request (algorithm, code hash, dataset
versions, hyperparameters' hash) and its result (model hash, transcript root, metrics or, from the
ledger, their hash). Dataset roots and owners come from this catalog. What no event carries stays
empty and the record says its lineage is incomplete.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from ledgerml.registry.lineage import (
    ModelInput,
    ModelRecord,
    TrainingRequest,
    Verification,
    ledger_checks,
    local_checks,
    metrics_hash,
)
from ledgerml.registry.policy import authorise_model_read, model_party
from ledgerml.registry.ports import CatalogStore, EventSink, ModelStore
from ledgerml.shared.errors import DependencyUnavailable, LedgerError, NotFound
from ledgerml.shared.events.schemas import ModelRegistered, TrainingCompleted, TrainingRequested
from ledgerml.shared.identity import Principal
from ledgerml.shared.ledger import Ledger
from ledgerml.shared.ledger.queries import get_model as get_ledger_model


def record_training_request(*, models: ModelStore, requested: TrainingRequested,
                            now: datetime | None = None) -> None:
    models.add_training_request(TrainingRequest(
        job_id=requested.job_id, requester_org=requested.requester_org, algorithm=requested.algorithm,
        code_hash=requested.code_sha256, hyperparameters_hash=requested.hyperparameters_sha256,
        datasets=tuple((d.dataset_id, d.version) for d in requested.datasets),
        requested_tx_id=requested.ledger_tx_id, seen_at=now or datetime.now(UTC)))


def _input(catalog: CatalogStore, dataset_id: str, version: str) -> ModelInput:
    dataset = catalog.dataset(dataset_id)
    stored = catalog.version(dataset_id, version) if dataset is not None else None
    return ModelInput(dataset_id=dataset_id, version=version, merkle_root=stored.merkle_root if stored else None,
                      owner_org=dataset.owner_org if dataset else None)


def _metrics_hash(completed: TrainingCompleted) -> str:
    """The hash of the reported metrics; a ledger event carries only the hash the ledger recorded."""
    if not completed.metrics and completed.metrics_sha256:
        return completed.metrics_sha256
    return metrics_hash(completed.metrics)


def record_training_result(*, models: ModelStore, catalog: CatalogStore, completed: TrainingCompleted,
                           producer_org: str, now: datetime | None = None,
                           events: EventSink | None = None) -> ModelRecord:
    """Create the model record of a completed job (idempotent: a model id is recorded once) and announce it
    (`ModelRegistered`, which names the model for this organisation's audit log and its lineage).
    `producer_org` is used when the catalog does not know the datasets' owner."""
    existing = models.model(completed.model_sha256)
    if existing is not None:
        return existing
    request = models.training_request(completed.job_id)
    inputs = tuple(_input(catalog, d, v) for d, v in request.datasets) if request else ()
    owners = [i.owner_org for i in inputs if i.owner_org]
    record = ModelRecord(
        model_id=completed.model_sha256, job_id=completed.job_id, producer_org=owners[0] if owners else producer_org,
        holder_org=request.requester_org if request else None, algorithm=request.algorithm if request else None,
        code_hash=request.code_hash if request else None,
        hyperparameters_hash=request.hyperparameters_hash if request else None, inputs=inputs,
        transcript_root=completed.transcript_root, metrics=tuple(sorted(completed.metrics.items())),
        metrics_hash=_metrics_hash(completed), tx_id=completed.ledger_tx_id, block_number=None,
        created_at=now or datetime.now(UTC))
    models.add_model(record)
    if events is not None and record.holder_org is not None:
        events.add(ModelRegistered(model_id=record.model_id, job_id=record.job_id, owner_org=record.holder_org,
                                   model_sha256=record.model_id, ledger_tx_id=completed.ledger_tx_id),
                   subject=record.model_id)
    return record


def get_model(*, models: ModelStore, principal: Principal, auditor_orgs: Collection[str],
              model_id: str) -> ModelRecord:
    model = models.model(model_id)
    if model is None:
        raise NotFound(f"model {model_id!r} is not in this registry")
    authorise_model_read(principal, model, auditor_orgs=auditor_orgs)
    return model


def list_models(*, models: ModelStore, principal: Principal, auditor_orgs: Collection[str], dataset_id: str | None,
                job_id: str | None, limit: int) -> list[ModelRecord]:
    party = model_party(principal, auditor_orgs=auditor_orgs)
    return models.models(dataset_id=dataset_id, job_id=job_id, party=party, limit=limit)


def verify_model(*, models: ModelStore, catalog: CatalogStore, ledger: Ledger, principal: Principal,
                 auditor_orgs: Collection[str], model_id: str) -> Verification:
    """Recompute local hashes, then compare every lineage field with the ledger's `GetModel`.
    When the ledger cannot be asked, the result says so and is never `verified`."""
    model = get_model(models=models, principal=principal, auditor_orgs=auditor_orgs, model_id=model_id)
    roots = {}
    for item in model.inputs:
        stored = catalog.version(item.dataset_id, item.version)
        if stored is not None:
            roots[(item.dataset_id, item.version)] = stored.merkle_root
    local = local_checks(model, catalog_roots=roots)
    try:
        record = get_ledger_model(ledger, model.model_id)
    except (DependencyUnavailable, LedgerError) as exc:
        return Verification(model_id=model.model_id, local=local, ledger=(), ledger_available=False,
                            ledger_error_code=exc.code, ledger_error_detail=exc.detail)
    return Verification(model_id=model.model_id, local=local, ledger=ledger_checks(model, record),
                        ledger_available=True)
