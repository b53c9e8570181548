#!/usr/bin/python3
"""Checks that cnnscope's style stage computes Johnson's fast-neural-style generator as Torch
defines it, on a file in the released models' exact layout (random weights: the real files cannot
be downloaded here). PyTorch is the independent implementation; it is optional (python3-torch).

  bench/style_check_torch.py [--bin build/cnnscope] [--image FILE] [--batch-norm]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "e2e"))
import style_nets  # noqa: E402
from helpers import read_png_bgr  # noqa: E402

MEAN = np.array([103.939, 116.779, 123.68])


def run_torch(module, x):
    import torch
    import torch.nn.functional as F
    _, cls, f = module
    name = cls.split(".", 1)[1]
    t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float64)
    if name == "Sequential":
        for m in f["modules"]:
            x = run_torch(m, x)
        return x
    if name == "ConcatTable":
        return [run_torch(m, x) for m in f["modules"]]
    if name == "CAddTable":
        return sum(x)
    if name == "Identity" or name == "TotalVariation":
        return x
    if name == "SpatialReflectionPadding":
        return F.pad(x, (f["pad_l"], f["pad_r"], f["pad_t"], f["pad_b"]), mode="reflect")
    if name == "SpatialConvolution":
        return F.conv2d(x, t(f["weight"]), t(f["bias"]), stride=f["dW"], padding=f["padW"])
    if name == "SpatialFullConvolution":
        return F.conv_transpose2d(x, t(f["weight"]), t(f["bias"]), stride=f["dW"], padding=f["padW"], output_padding=f["adjW"])
    if name == "InstanceNormalization":
        return F.instance_norm(x, weight=t(f["weight"]), bias=t(f["bias"]), eps=f["eps"])
    if name == "SpatialBatchNormalization":
        return F.batch_norm(x, t(f["running_mean"]), t(f["running_var"]), t(f["weight"]), t(f["bias"]), False, 0.0, f["eps"])
    if name == "ReLU":
        return F.relu(x)
    if name == "Tanh":
        return torch.tanh(x)
    if name == "MulConstant":
        return x * f["constant_scalar"]
    raise ValueError(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(here, "..", "build", "cnnscope"))
    ap.add_argument("--image", default="/usr/share/doc/opencv-doc/examples/data/graf1.png")
    ap.add_argument("--batch-norm", action="store_true", help="the eccv16 variant (batch norm) instead of instance norm")
    args = ap.parse_args()
    import torch
    with tempfile.TemporaryDirectory() as d:
        net, out = os.path.join(d, "johnson.t7"), os.path.join(d, "out.png")
        model = style_nets.write_johnson_t7(net, instance_norm=not args.batch_norm)
        img = read_png_bgr(args.image).astype(np.float64)
        H, W = img.shape[:2]
        subprocess.run([args.bin, "stylize", args.image, "--style", net, "--out", out, "--style-size", f"{W}x{H}", "-q"], check=True)
        got = read_png_bgr(out).astype(np.float64)
    x = torch.tensor((img - MEAN).transpose(2, 0, 1)[None], dtype=torch.float64)
    with torch.no_grad():
        y = run_torch(model, x)[0].numpy().transpose(1, 2, 0) + MEAN
    expect = np.clip(np.rint(y), 0, 255)
    diff = np.abs(got - expect)
    print(f"{'batch' if args.batch_norm else 'instance'} norm, {W}x{H}: max |cnnscope - torch| = {diff.max():.0f}, "
          f"mean {diff.mean():.4f}, pixels off by more than 1: {np.mean(diff > 1):.4%}")
    return 0 if diff.max() <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
