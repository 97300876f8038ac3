"""Under Ray, tabular_classifier asks for a GPU only when the cluster lists one, and never waits forever:
a GPU that cannot be had within the probe's deadline means training on the CPU. Ray is replaced by a
hand-written stand-in module here (the test stack's Ray has no GPU to show the other branches)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from ray_jobs.data import TRAIN_FILE, breast_cancer_csvs
from ray_jobs.tabular_classifier import __main__ as entry
from ray_jobs.tabular_classifier.sources import parse_tables


class GetTimeoutError(Exception):
    pass


@dataclass
class Ref:
    fn: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    options: dict[str, Any]


@dataclass
class StandInRay:
    resources: dict[str, float]
    probe_succeeds: bool = False
    remotes: list[Ref] = field(default_factory=list)
    cancelled: list[Ref] = field(default_factory=list)
    timeouts: list[float | None] = field(default_factory=list)
    exceptions: Any = field(default_factory=lambda: argparse.Namespace(GetTimeoutError=GetTimeoutError))

    def init(self, **_: Any) -> None: ...

    def shutdown(self) -> None: ...

    def cluster_resources(self) -> dict[str, float]:
        return self.resources

    def remote(self, **options: Any) -> Any:
        def wrap(fn: Any) -> Any:
            def submit(*args: Any, **kwargs: Any) -> Ref:
                ref = Ref(fn, args, kwargs, options)
                self.remotes.append(ref)
                return ref

            return argparse.Namespace(remote=submit)

        return wrap

    def get(self, ref: Ref, timeout: float | None = None) -> Any:
        self.timeouts.append(timeout)
        if ref.fn is entry._cuda_ok:
            if not self.probe_succeeds:
                raise GetTimeoutError
            return True
        return "trained-on-gpu"

    def cancel(self, ref: Ref, force: bool = False) -> None:
        self.cancelled.append(ref)


def run_under(monkeypatch: pytest.MonkeyPatch, ray: StandInRay) -> Any:
    monkeypatch.setitem(sys.modules, "ray", ray)
    params = entry._defaults({"epochs": 1})
    args = argparse.Namespace(runtime="ray")
    table = parse_tables([breast_cancer_csvs()[TRAIN_FILE]], target=str(params["target_column"]))
    return entry._run(args, params, {"job_id": "job-1"}, table)


def test_no_gpu_in_the_cluster_means_cpu_without_asking_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    ray = StandInRay(resources={"CPU": 2.0})
    output = run_under(monkeypatch, ray)
    assert ray.remotes == [] and output.records[0]["device"] == "cpu"


def test_a_listed_gpu_that_never_frees_up_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(entry, "GPU_WAIT_S", 0.01)
    ray = StandInRay(resources={"CPU": 2.0, "GPU": 1.0}, probe_succeeds=False)
    output = run_under(monkeypatch, ray)
    assert [r.options for r in ray.remotes] == [{"num_gpus": 1, "num_cpus": 1}]  # only the probe
    assert ray.timeouts == [0.01] and ray.cancelled == ray.remotes  # bounded wait, probe withdrawn
    assert output.records[0]["device"] == "cpu" and "training on the CPU" in capsys.readouterr().out


def test_an_available_gpu_gets_the_training_task(monkeypatch: pytest.MonkeyPatch) -> None:
    ray = StandInRay(resources={"CPU": 8.0, "GPU": 1.0}, probe_succeeds=True)
    assert run_under(monkeypatch, ray) == "trained-on-gpu"
    probe, training = ray.remotes
    assert probe.fn is entry._cuda_ok
    assert training.options == {"num_gpus": 1, "num_cpus": 1} and training.kwargs["device"] == "cuda"
