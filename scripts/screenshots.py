#!/usr/bin/python3
"""The README's window gallery: every view of the window at 1280x720 and 1600x900, made by the
real binary under Xvfb, each checked before it is kept: the element rectangles of its stats JSON
never intersect and never leave the window, and every pane on the canvas has a title.

    scripts/screenshots.py [--bin build/cnnscope] [--out assets/gallery] [--only NAME,...]

Untrained VGG19 (seeded weights: the trained ones cannot be downloaded on every machine), on
Debian's opencv-doc footage; the second model and the style network are the tests' small files
with known weights (tests/e2e). Writes NAME_WxH.jpg and prints one line per picture; exits 1 if
any view overlaps or leaves a pane untitled (that picture is not written)."""
import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

DATA = os.environ.get("CNNSCOPE_SAMPLE_DATA", "/usr/share/doc/opencv-doc/examples/data")
VTEST = os.path.join(DATA, "vtest.avi")
BABOON = os.path.join(DATA, "baboon.jpg")
GRAF = os.path.join(DATA, "graf1.png")
FRUITS = os.path.join(DATA, "fruits.jpg")
STARRY = os.path.join(DATA, "starry_night.jpg")
SIZES = ("1280x720", "1600x900")


def views(tmp):
    """name -> (arguments to `view`, frames, what it shows)."""
    return {
        "grid": ([VTEST, "--untrained", "--layer", "block1_conv1", "--grid"], 3,
                 "the 8x8 grid of block1_conv1, tile numbers, the per-channel colorbar"),
        "single": ([BABOON, "--untrained", "--layer", "block2_conv2", "--channel", "3", "--input"], 3,
                   "one channel at full size beside the input frame, frame-shaped"),
        "overlay": ([BABOON, "--untrained", "--layer", "block1_conv2", "--channel", "5", "--keys", "o"], 3,
                    "a channel blended over its frame"),
        "unit": ([VTEST, "--untrained", "--layer", "block4_conv1", "--grid", "--input", "--topk", "--backprop", "guided"], 3,
                 "the unit column: input, guided back-projection and top-9 of the selected channel"),
        "compare": ([GRAF, "--untrained", "--layer", "block1_conv2", "--grid", "--style", os.path.join(tmp, "style.t7"),
                     "--compare"], 3, "original | stylised (the tests' small style net), their grids"),
        "model2": ([VTEST, "--untrained", "--model2", os.path.join(tmp, "block1.h5"), "--layer", "block1_conv2", "--grid"], 3,
                   "VGG19 | a second network | A - B on rdbu"),
        "atlas": ([VTEST, "--untrained", "--atlas"], 3, "every conv channel of the network"),
        "transfer": ([FRUITS, "--untrained", "--layer", "block1_conv1", "--transfer", STARRY, "--transfer-iterations", "6",
                      "--transfer-size", "128x96"], 3, "Gatys transfer in the window after 6 iterations"),
        "history": ([VTEST, "--untrained", "--layer", "block2_conv1", "--grid", "--keys",
                     "frame,frame,frame,frame,frame,comma,comma"], 3, "the timeline while scrubbing back"),
        "channels": ([VTEST, "--untrained", "--layer", "block2_conv1", "--grid", "--channel-stats", "variation", "--keys",
                      "frame,frame,frame,frame,channels=hideconst"], 3,
                     "the Channels section: block2_conv1's channels by variation over the frames seen, dead ones hidden"),
        "why": ([VTEST, "--model", os.path.join(tmp, "with_top.h5"), "--input-size", "32x32", "--why", "gradcam"], 3,
                "the class map column and the Why section (the tests' small net with a head)"),
        "featvis": ([BABOON, "--untrained", "--input-size", "64x64", "--layer", "block1_conv2", "--channel", "7",
                     "--input", "--backprop", "guided", "--featvis", "--featvis-size", "48", "--featvis-iterations", "24",
                     "--keys", "idle"], 3, "the unit card with what channel 7 wants to see"),
    }


def intersects(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def problems(st):
    W, H = st["window"]["width"], st["window"]["height"]
    els = st["layout"]["elements"]
    out = []
    for e in els:
        if e["x"] < 0 or e["y"] < 0 or e["x"] + e["width"] > W or e["y"] + e["height"] > H:
            out.append(f"{e['name']} leaves the {W}x{H} window")
    for a, b in itertools.combinations(els, 2):
        if intersects(a, b):
            out.append(f"{a['name']} overlaps {b['name']}")
    for p in st.get("panes", []):
        if not p.get("title"):
            out.append(f"pane {p.get('name')} has no title")
    return out


def write_fixtures(tmp):
    import numpy as np
    import style_nets
    from test_compare_models import write_block1
    from test_classify import small_with_top, write_with_top_h5  # the Why tests' small net with a head
    style_nets.write_t7(os.path.join(tmp, "style.t7"), style_nets.test_weights())
    write_block1(os.path.join(tmp, "block1.h5"), None)
    convs, dense = small_with_top(np.random.default_rng(25))
    write_with_top_h5(os.path.join(tmp, "with_top.h5"), convs, dense)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "cnnscope"))
    ap.add_argument("--out", default=os.path.join(ROOT, "assets", "gallery"))
    ap.add_argument("--only", default="", help="comma-separated view names")
    ap.add_argument("--quality", type=int, default=72, help="JPEG quality")
    a = ap.parse_args()
    from PIL import Image
    os.makedirs(a.out, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        write_fixtures(tmp)
        env = dict(os.environ, CNNSCOPE_CACHE_DIR=os.path.join(tmp, "cache"), XDG_CONFIG_HOME=os.path.join(tmp, "config"))
        only = [n for n in a.only.split(",") if n]
        for name, (args, frames, what) in views(tmp).items():
            if only and name not in only:
                continue
            for size in SIZES:
                shot, stats = os.path.join(tmp, "shot.png"), os.path.join(tmp, "stats.json")
                for f in (shot, stats):
                    if os.path.exists(f):
                        os.remove(f)
                cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", a.bin, "view", *args, "--frames", str(frames),
                       "--screenshot", shot, "--stats", stats, "--size", size]
                p = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=900)
                if p.returncode != 0:
                    print(f"FAIL {name} {size}: exit {p.returncode}: {p.stderr.strip()[-400:]}")
                    failed += 1
                    continue
                with open(stats) as f:
                    st = json.load(f)
                bad = problems(st)
                if bad:
                    print(f"FAIL {name} {size}: " + "; ".join(bad))
                    failed += 1
                    continue
                dest = os.path.join(a.out, f"{name}_{size}.jpg")
                Image.open(shot).convert("RGB").save(dest, quality=a.quality, optimize=True)
                panes = ", ".join(p["title"] for p in st.get("panes", []))
                print(f"ok   {name} {size}: {len(st['layout']['elements'])} elements, no overlap; panes: {panes}; "
                      f"{os.path.getsize(dest) // 1024} KB -> {os.path.relpath(dest, ROOT)}  ({what})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
