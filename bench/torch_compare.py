#!/usr/bin/python3
"""cnnscope against Debian's PyTorch on the same cores, in one run.

Runs `cnnscope bench` (every --conv kernel asked for, alternating frame by frame) and
torchvision's VGG19 features for the same layers and input sizes (random weights, or the Keras .h5
given with --model loaded into torch), in --rounds rounds that alternate cnnscope and PyTorch so
that drifts of a shared machine's speed hit both; prints medians over the rounds and the ratio
cnnscope/PyTorch per case; then the article's matplotlib 8x8 'hot' grid against cnnscope's grid.

Needs: apt-get install python3-torch python3-torchvision python3-matplotlib
Usage: bench/torch_compare.py [--frames N] [--rounds R] [--conv opencv,direct,winograd,auto] [--precision f32,bf16]
                              [--input-size WxH ...]
                              [--layer L ...] [--model FILE.h5] [--json OUT]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BIN = os.path.join(HERE, "..", "build", "cnnscope")
VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
# Keras layer name -> index of its ReLU in torchvision's vgg19().features
TORCH_INDEX = {"block1_conv1": 1, "block1_conv2": 3, "block2_conv1": 6, "block2_conv2": 8, "block3_conv1": 11,
               "block3_conv4": 17, "block4_conv1": 20, "block4_conv4": 26, "block5_conv1": 29, "block5_conv4": 35}


def median(v):
    return float(np.median(v))


def torch_features(model_path):
    import torch
    import torchvision
    feats = torchvision.models.vgg19().features.eval()
    if model_path:  # the Keras weights, transposed like cnnscope does
        import h5py
        with h5py.File(model_path, "r") as f:
            root = f["model_weights"] if "layer_names" not in f.attrs else f
            convs = [m for m in feats if isinstance(m, torch.nn.Conv2d)]
            names = [n.decode() for n in root.attrs["layer_names"] if b"conv" in n]
            for conv, name in zip(convs, names):
                g = root[name]
                wn = [w.decode() for w in g.attrs["weight_names"]]
                k = np.array(g[wn[0]])
                b = np.array(g[wn[1]])
                conv.weight.data = torch.from_numpy(k.transpose(3, 2, 0, 1).copy())
                conv.bias.data = torch.from_numpy(b)
    return feats


def time_torch(feats, layer, w, h, frames, warmup, bf16=False):
    """Per-frame times in ms; bf16: torch.autocast("cpu", torch.bfloat16) with model and input
    channels_last, as PyTorch's CPU bf16 guide does."""
    import contextlib
    import torch
    net = feats[:TORCH_INDEX[layer] + 1]
    x = torch.randn(1, 3, h, w)
    if bf16:
        net = net.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    cast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with torch.no_grad(), cast:
        for _ in range(warmup + 1):
            net(x)
        times = []
        for _ in range(frames):
            t0 = time.perf_counter()
            net(x)
            times.append((time.perf_counter() - t0) * 1000)
    return times


def matplotlib_grid_ms(act, runs=3):
    """The article's figure: 8x8 subplots, imshow cmap='hot', no axes, saved as PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = tempfile.mktemp(suffix=".png")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fig = plt.figure(figsize=(20, 20))
        for i in range(64):
            ax = fig.add_subplot(8, 8, i + 1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.imshow(act[0, i], cmap="hot")
        fig.savefig(out)
        plt.close(fig)
        times.append((time.perf_counter() - t0) * 1000)
    os.remove(out)
    return median(times)


# glibc hands large blocks back to the kernel after each free: PyTorch allocates every output anew
# and then pays page faults on every forward (2-20x slower here at these sizes). Keeping freed
# memory, as a tuned PyTorch user would, is what is compared; cnnscope's reused buffers do not care.
TUNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": "4294967296", "MALLOC_TRIM_THRESHOLD_": "4294967296"}


def main():
    if "--plain-malloc" not in sys.argv and any(os.environ.get(k) != v for k, v in TUNED_MALLOC.items()):
        os.environ.update(TUNED_MALLOC)  # read by glibc at start-up: run again with it
        os.execv(sys.executable, [sys.executable, *sys.argv])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("CNNSCOPE_BIN", DEFAULT_BIN))
    ap.add_argument("--frames", type=int, default=10, help="timed frames per case in all (spread over the rounds)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds alternating cnnscope and PyTorch")
    ap.add_argument("--conv", default="opencv,direct,winograd,auto", help="cnnscope --conv kernels to time (comma-separated; auto is the default kernel choice)")
    ap.add_argument("--precision", default="f32,bf16", help="cnnscope --precision values to time (comma-separated); "
                    "PyTorch is timed in f32 and, with bf16 in the list, in bf16 autocast channels_last")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--input-size", action="append", dest="sizes")
    ap.add_argument("--layer", action="append", dest="layers")
    ap.add_argument("--model", help="Keras .h5 weights (default: random weights on both sides)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", help="write cnnscope's bench JSON plus the PyTorch numbers here")
    ap.add_argument("--plain-malloc", action="store_true", help="keep glibc's default malloc tuning (slow for PyTorch)")
    a = ap.parse_args()
    sizes = a.sizes or ["224x224", "640x480"]
    layers = a.layers or ["block1_conv1", "block2_conv2", "block3_conv4", "block5_conv4"]
    for l in layers:
        if l not in TORCH_INDEX:
            sys.exit(f"torch_compare: no torchvision index for layer {l}; choose from {', '.join(TORCH_INDEX)}")
    try:
        import torch
    except ImportError:
        sys.exit("torch_compare: PyTorch is missing: apt-get install python3-torch python3-torchvision")
    torch.set_num_threads(a.threads)

    model_args = ["--model", a.model] if a.model else ["--untrained"]
    rounds = max(1, min(a.rounds, a.frames))
    per_round = -(-a.frames // rounds)
    feats = torch_features(a.model)
    with tempfile.TemporaryDirectory() as tmp:
        bench_json = os.path.join(tmp, "bench.json")
        cmd = [a.bin, "bench", "--frames", str(per_round), "--warmup", str(a.warmup), "--json", bench_json, "-q",
               "--conv", a.conv, "--precision", a.precision, *model_args]
        for s in sizes:
            cmd += ["--input-size", s]
        for l in layers:
            cmd += ["--layer", l]
        print("running", rounds, "rounds of:", " ".join(cmd), flush=True)
        runs = {}   # (layer, size, conv, precision) -> list of per-round medians and rows
        torch_times = {}  # (layer, size, precision) -> all frame times
        torch_precisions = ["f32"] + (["bf16"] if "bf16" in a.precision.split(",") else [])
        for r in range(rounds):
            subprocess.run(cmd, check=True)
            with open(bench_json) as f:
                bench = json.load(f)
            for row in bench["results"]:
                runs.setdefault((row["layer"], row["input_size"], row["conv"], row.get("precision_requested", "f32")), []).append(row)
            for (layer, size) in dict.fromkeys((row["layer"], row["input_size"]) for row in bench["results"]):
                w, h = map(int, size.split("x"))
                for tp in torch_precisions:
                    torch_times.setdefault((layer, size, tp), []).extend(
                        time_torch(feats, layer, w, h, per_round, a.warmup, bf16=tp == "bf16"))
            print(f"round {r + 1}/{rounds} done", flush=True)

        tuned = "default malloc" if a.plain_malloc else "MALLOC_MMAP/TRIM_THRESHOLD_=4G"
        print(f"\nPyTorch {torch.__version__}, {torch.get_num_threads()} threads, {tuned}; cnnscope {bench['machine']['opencv']} "
              f"dnn, {bench['machine']['threads']} threads, oneDNN layer {'on' if bench['machine'].get('onednn') else 'off'}; "
              f"{bench['machine']['cpu']}; {rounds} rounds x {per_round} frames")
        print(f"{'layer':<14} {'input':<9} {'conv/precision':<15} {'cnnscope_ms':>11} {'torch_ms':>9} {'ratio':>7} "
              f"{'torch_bf16_ms':>13} {'ratio_bf16':>10} {'cnnscope_pipeline_ms':>21}")
        results = []
        for (layer, size, conv, prec), rows in runs.items():
            t = torch_times[(layer, size, "f32")]
            tb = torch_times.get((layer, size, "bf16"))
            row = dict(rows[-1])
            row["forward_ms"] = median([x["forward_ms"] for x in rows])
            row["forward_min_ms"] = min(x["forward_min_ms"] for x in rows)
            row["pipeline_ms"] = median([x["pipeline_ms"] for x in rows])
            row["overhead"] = row["pipeline_ms"] / row["forward_ms"] - 1
            row["gflops"] = rows[-1]["gflops"] * rows[-1]["forward_ms"] / row["forward_ms"]
            row["torch_ms"], row["torch_min_ms"] = median(t), min(t)
            row["ratio_vs_torch"] = row["forward_ms"] / row["torch_ms"]
            if tb:
                row["torch_bf16_ms"], row["torch_bf16_min_ms"] = median(tb), min(tb)
                row["ratio_vs_torch_bf16"] = row["forward_ms"] / row["torch_bf16_ms"]
            results.append(row)
            ran = f"{conv}/{row.get('precision', 'f32')}"
            bf = f"{row['torch_bf16_ms']:13.1f} {row['ratio_vs_torch_bf16']:10.2f}" if tb else f"{'-':>13} {'-':>10}"
            print(f"{layer:<14} {size:<9} {ran:<15} {row['forward_ms']:11.1f} {row['torch_ms']:9.1f} {row['ratio_vs_torch']:7.2f} "
                  f"{bf} {row['pipeline_ms']:21.1f}", flush=True)
        bench["results"] = results
        bench["machine"]["frames"] = rounds * per_round
        bench["rounds"] = rounds

        # The article's grid: matplotlib on block1_conv1 at 224, against cnnscope's grid of the same maps.
        npy = os.path.join(tmp, "b1.npy")
        subprocess.run([a.bin, "dump", VTEST, "--layer", "block1_conv1", "--out", npy, "-q", *model_args], check=True)
        mpl = matplotlib_grid_ms(np.load(npy))
        cs = []
        for _ in range(3):
            p = subprocess.run([a.bin, "grid", VTEST, "--layer", "block1_conv1", "--out", os.path.join(tmp, "g.png"), *model_args],
                               capture_output=True, text=True, check=True)
            m = re.search(r"render\+write ([0-9.]+) ms", p.stderr)
            cs.append(float(m.group(1)))
        print(f"\n8x8 'hot' grid of block1_conv1 (224x224 maps) to PNG: matplotlib {mpl:.0f} ms, cnnscope {median(cs):.0f} ms "
              f"(render + PNG write), {mpl / median(cs):.0f}x")
        bench["grid_png_ms"] = {"matplotlib": mpl, "cnnscope": median(cs)}
        bench["torch"] = {"version": torch.__version__, "threads": torch.get_num_threads()}
        if a.json:
            with open(a.json + ".tmp", "w") as f:
                json.dump(bench, f, indent=2)
            os.replace(a.json + ".tmp", a.json)


if __name__ == "__main__":
    main()
