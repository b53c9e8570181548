#!/usr/bin/python3
"""Two builds of cnnscope, the same pictures: every view of the gallery (scripts/screenshots.py) made
by both binaries under Xvfb, and the window screenshots (and, for some views, a recorded GIF)
compared pixel by pixel. For a refactor that must leave what the user sees unchanged.

    scripts/compare_screens.py --old OLD_BIN --new NEW_BIN [--only NAME,...] [--size 1280x720]
                               [--keep DIR]

Prints, per picture, how many pixels differ and the box around them; the status line's render
rate and latencies differ from run to run, so a difference confined to that line is timing text,
said as such. The frame a live video shows after N frames also depends on timing: where the stats
JSON's shown frame differs between the two runs, the pair is run again (up to 3 times), and if it
still differs the pair is said to be inconclusive; --still replaces the video with a still image
(baboon.jpg) in every view that does not step through frames, so that those pairs show the same
frame. Exits 1 if any picture
differs outside the timing text, else 2 if any pair was inconclusive, else 0."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import screenshots  # noqa: E402  (views(), write_fixtures())

RECORDED = ("grid", "unit", "model2")  # views also recorded as a GIF (the offscreen render)
GIF_CAPTION = 32            # the caption strip under a recorded frame, px
GIF_PALETTE_TOLERANCE = 24  # levels: a GIF palette chosen again moves colours by up to this


def run(binary, args, frames, size, tmp, tag, record):
    # Each run in its own folder, with its own empty cache and settings (a cached feature
    # visualisation says so), its outputs named alike and relative: the status line names them.
    here = os.path.join(tmp, tag)
    shutil.rmtree(here, ignore_errors=True)
    os.makedirs(here)
    out = {"shot": os.path.join(here, "shot.png"), "stats": os.path.join(here, "stats.json")}
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", binary, "view", *args, "--frames", str(frames),
           "--screenshot", "shot.png", "--stats", "stats.json", "--size", size]
    if record:
        out["gif"] = os.path.join(here, "rec.gif")
        cmd += ["--record", "rec.gif"]
    env = dict(os.environ, CNNSCOPE_CACHE_DIR=os.path.join(here, "cache"), XDG_CONFIG_HOME=os.path.join(here, "config"))
    p = subprocess.run(cmd, env=env, cwd=here, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{os.path.basename(binary)} exit {p.returncode}: {p.stderr.strip()[-400:]}")
    with open(out["stats"]) as f:
        out["json"] = json.load(f)
    return out


def frames_of(path):
    im = Image.open(path)
    frames = []
    try:
        while True:
            frames.append(np.asarray(im.convert("RGB")).astype(np.int16))
            im.seek(im.tell() + 1)
    except EOFError:
        pass
    return frames


def gif_worst(fa, fb):
    """The largest per-pixel difference above the caption strip, per frame pair."""
    return [int(np.abs(x[:-GIF_CAPTION] - y[:-GIF_CAPTION]).max()) if x.shape == y.shape else 999 for x, y in zip(fa, fb)]


def diff_box(a, b):
    if a.shape != b.shape:
        return -1, None
    d = np.any(a != b, axis=-1)
    n = int(d.sum())
    if n == 0:
        return 0, None
    ys, xs = np.nonzero(d)
    return n, (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def status_line_box(st):
    for e in st["layout"]["elements"]:
        if e["name"] in ("status_line", "status"):
            return (e["x"], e["y"], e["x"] + e["width"], e["y"] + e["height"])
    return None


def inside(box, outer):
    return outer is not None and box[0] >= outer[0] and box[1] >= outer[1] and box[2] <= outer[2] and box[3] <= outer[3]


def shown_frame(st):
    # the frame, layer and channel shown, and how many frames the history kept (a live video: timing)
    return (st.get("frame_index"), st.get("layer"), st.get("channel"), (st.get("history") or {}).get("frames"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--keep", default="", help="a folder to copy both pictures of each difference into")
    ap.add_argument("--still", action="store_true", help="a still image instead of the video in every view")
    a = ap.parse_args()
    only = [n for n in a.only.split(",") if n]
    bad = inconclusive = 0
    with tempfile.TemporaryDirectory() as tmp:
        screenshots.write_fixtures(tmp)
        for name, (args, frames, _what) in screenshots.views(tmp).items():
            if only and name not in only:
                continue
            keys = args[args.index("--keys") + 1].split(",") if "--keys" in args else []
            if a.still and "frame" not in keys:  # 'frame' needs a video: those views keep theirs
                args = [screenshots.BABOON if x == screenshots.VTEST else x for x in args]
            record = name in RECORDED
            try:
                for attempt in range(3):
                    old = run(a.old, args, frames, a.size, tmp, "old", record)
                    new = run(a.new, args, frames, a.size, tmp, "new", record)
                    if shown_frame(old["json"]) == shown_frame(new["json"]):
                        break
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"FAIL {name}: {e}")
                bad += 1
                continue
            A = np.asarray(Image.open(old["shot"]).convert("RGB")).astype(np.int16)
            B = np.asarray(Image.open(new["shot"]).convert("RGB")).astype(np.int16)
            n, box = diff_box(A, B)
            status = status_line_box(new["json"])
            if shown_frame(old["json"]) != shown_frame(new["json"]):
                print(f"???? {name} {a.size}: inconclusive, the runs showed different frames "
                      f"{shown_frame(old['json'])} vs {shown_frame(new['json'])} (timing); try --still", flush=True)
                inconclusive += 1
                continue
            if n == 0:
                verdict = "identical"
            elif n > 0 and inside(box, status):
                verdict = f"{n} px differ, all in the status line {box} (timing text)"
            else:
                verdict = f"DIFFERENT: {n} px in {box}" if n > 0 else "DIFFERENT: sizes differ"
                bad += 1
                if a.keep:
                    os.makedirs(a.keep, exist_ok=True)
                    for tag, r in (("old", old), ("new", new)):
                        Image.open(r["shot"]).save(os.path.join(a.keep, f"{name}_{tag}.png"))
            line = f"{'ok  ' if not verdict.startswith('DIFF') else 'DIFF'} {name} {a.size}: {verdict}"
            if record:
                # A GIF's caption holds the time into the recording, and each frame's palette is
                # chosen from all of it: one changed digit moves other colours by a few levels. So
                # the maps above the caption strip are compared with a palette's tolerance; how
                # many frames a scripted recording takes is timing too.
                fa, fb = frames_of(old["gif"]), frames_of(new["gif"])
                worst = gif_worst(fa, fb)
                same = bool(worst) and max(worst) <= GIF_PALETTE_TOLERANCE
                line += f"; GIF {len(fa)} vs {len(fb)} frames, largest difference above the caption per frame {worst}"
                if same:
                    line += " (palette)"
                else:
                    # Which moment a recording catches (before or after a worker's result) is timing
                    # too: the old build run again tells whether it differs from itself as much.
                    again = gif_worst(fa, frames_of(run(a.old, args, frames, a.size, tmp, "old2", True)["gif"]))
                    if again and max(again) > GIF_PALETTE_TOLERANCE:
                        line += f" (timing: the old build differs from itself by {again})"
                        inconclusive += 1
                    else:
                        line += f" DIFFERENT (the old build against itself: {again})"
                        bad += 1
            print(line, flush=True)
    return 1 if bad else 2 if inconclusive else 0


if __name__ == "__main__":
    sys.exit(main())
