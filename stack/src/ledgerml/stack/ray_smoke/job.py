"""A Ray job that proves the job runtime can import torch and compute on the cluster."""

import json

import ray
import torch


@ray.remote
def matmul() -> list[list[float]]:
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    return (a @ a).tolist()


if __name__ == "__main__":
    ray.init()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print("RESULT " + json.dumps({"torch": torch.__version__, "device": device, "matmul": ray.get(matmul.remote())}))
