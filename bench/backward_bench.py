#!/usr/bin/python3
"""Bench of the backward engine on opencv-doc images with the untrained VGG19 (weights do not
change the cost): `transfer` iterations per second at 224x224 and 512x512 with the forward and
backward time apart (medians from its --json), and the cost per frame of `backprop` at
block3_conv4 and block5_conv4 at 224x224 (medians of --repeat runs).

    bench/backward_bench.py [--bin build/cnnscope] [--iterations 6] [--repeat 5] [--json out.json]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

DATA = os.environ.get("CNNSCOPE_SAMPLE_DATA", "/usr/share/doc/opencv-doc/examples/data")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "cnnscope"))
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()
    content, style = os.path.join(DATA, "messi5.jpg"), os.path.join(DATA, "starry_night.jpg")
    rows = {"transfer": [], "backprop": []}
    with tempfile.TemporaryDirectory() as tmp:
        for size in ("224x224", "512x512"):
            js = os.path.join(tmp, "l.json")
            t0 = time.time()
            subprocess.run([a.bin, "transfer", content, "--style-image", style, "--untrained", "--size", size, "--iterations",
                            str(a.iterations), "--out", os.path.join(tmp, "o.png"), "--json", js, "-q"], check=True)
            wall = time.time() - t0
            with open(js) as f:
                its = json.load(f)["iterations"][:-1]  # the last entry is a forward-only evaluation
            fwd = statistics.median(i["forward_ms"] for i in its)
            bwd = statistics.median(i["backward_ms"] for i in its)
            rows["transfer"].append({"size": size, "iterations": a.iterations, "forward_ms": fwd, "backward_ms": bwd,
                                     "iterations_per_s_steady": 1000.0 / (fwd + bwd), "wall_s_incl_setup": wall})
            print(f"transfer {size}: forward {fwd:.0f} ms, backward {bwd:.0f} ms (median of {len(its)}), "
                  f"{1000.0 / (fwd + bwd):.2f} it/s; {wall:.1f} s wall for {a.iterations} iterations incl. setup")
        for layer in ("block3_conv4", "block5_conv4"):
            p = subprocess.run([a.bin, "backprop", os.path.join(DATA, "vtest.avi"), "--untrained", "--layer", layer, "--channel", "3",
                                "--out", os.path.join(tmp, "b.npy"), "--repeat", str(a.repeat)], check=True, capture_output=True, text=True)
            m = re.search(r"forward ([\d.]+) ms, backward ([\d.]+) ms", p.stderr)
            fwd, bwd = float(m.group(1)), float(m.group(2))
            rows["backprop"].append({"layer": layer, "size": "224x224", "forward_ms": fwd, "backward_ms": bwd})
            print(f"backprop {layer} 224x224: forward {fwd:.0f} ms + backward {bwd:.0f} ms = {fwd + bwd:.0f} ms per frame "
                  f"(median of {a.repeat})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
