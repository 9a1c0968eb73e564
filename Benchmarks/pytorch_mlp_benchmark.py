#!/usr/bin/env python3
"""PyTorch reference for TrainingBenchmark: the same 784-256-256-10 MLP, batch 128, SGD momentum 0.9, lr 0.01,
on 12,800 MNIST-sized synthetic samples, reporting training samples/s (median of epochs 2-4, each followed by a
128-sample validation pass, as Augur's epochs are).

    .venv/bin/python Benchmarks/pytorch_mlp_benchmark.py [--threads N] [--device cpu|cuda]

PyPI's torch wheel pulls the CUDA wheels (several GB) even for CPU use; see Benchmarks/README.md.
"""
import argparse
import statistics
import time

import torch
from torch import nn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: PyTorch's default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    generator = torch.Generator().manual_seed(1)
    samples = 12_800
    features = torch.rand(samples, 784, generator=generator).to(device)
    labels = torch.randint(0, 10, (samples,), generator=generator).to(device)
    validation = torch.rand(128, 784, generator=generator).to(device)
    validation_labels = torch.randint(0, 10, (128,), generator=generator).to(device)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_function = nn.CrossEntropyLoss()
    epoch_seconds = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(samples, device=device)
        model.train()
        for first in range(0, samples, 128):
            batch = order[first:first + 128]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(features[batch]), labels[batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            loss_function(model(validation), validation_labels).item()
        if device.type == "cuda":
            torch.cuda.synchronize()
        epoch_seconds.append(time.perf_counter() - start)
    median = statistics.median(epoch_seconds[1:])
    print(f"PyTorch {torch.__version__} on {device} ({torch.get_num_threads()} threads): "
          f"{samples / median:.0f} samples/s (median of {len(epoch_seconds) - 1} epochs of 12,800 samples; "
          f"epoch {median:.3f} s)")


if __name__ == "__main__":
    main()
