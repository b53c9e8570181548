"""End-to-end `cnnscope topk`: rankings checked against `cnnscope dump` of every scanned frame of
vtest.avi, receptive-field rectangles against VGG19's geometry traced here independently, and
thumbnails against crops cut with numpy from the real images (a folder of opencv-doc pictures)."""
import json
import math
import os
import signal
import subprocess
import sys
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest, assert_same_outputs, read_png_bgr  # noqa: E402

# VGG19's conv part: (name, kind) with 3x3 'same' convs and 2x2/2 pools (reference.md).
VGG19 = []
for block, n in ((1, 2), (2, 2), (3, 4), (4, 4), (5, 4)):
    VGG19 += [(f"block{block}_conv{i}", "conv") for i in range(1, n + 1)] + [(f"block{block}_pool", "pool")]


def geometry(layer):
    """(receptive field, stride, offset) of a VGG19 layer, by the textbook recurrence."""
    rf, jump, off = 1, 1, 0
    for name, kind in VGG19:
        k, s, p = (3, 1, 1) if kind == "conv" else (2, 2, 0)
        off -= p * jump
        rf += (k - 1) * jump
        jump *= s
        if name == layer:
            return rf, jump, off
    raise KeyError(layer)


def support(layer, pos, size):
    """Input pixels [lo, hi] that map position `pos` of `layer` reads, traced back layer by layer
    through the real map sizes (size: the input side on this axis)."""
    sizes, n = [], size
    for name, kind in VGG19:
        sizes.append(n)  # the map below this layer
        if kind == "pool":
            n //= 2
        if name == layer:
            break
    lo = hi = pos
    for (name, kind), below in zip(reversed(VGG19[:len(sizes)]), reversed(sizes)):
        k, s, p = (3, 1, 1) if kind == "conv" else (2, 2, 0)
        lo, hi = max(0, lo * s - p), min(below - 1, hi * s - p + k - 1)
    return lo, hi


def frame_rect(blob, input_size, frame_size):
    """Blob rect (x, y, w, h) to whole frame pixels: blob pixel u covers [u*F/I, (u+1)*F/I)."""
    sx, sy = frame_size[0] / input_size[0], frame_size[1] / input_size[1]
    x0, y0 = math.floor(blob[0] * sx + 1e-9), math.floor(blob[1] * sy + 1e-9)
    x1, y1 = math.ceil((blob[0] + blob[2]) * sx - 1e-9), math.ceil((blob[1] + blob[3]) * sy - 1e-9)
    return [x0, y0, x1 - x0, y1 - y0]


def load_json(path):
    with open(path) as f:
        return json.load(f)


def crop_padded(img, rect, pad=128):
    x, y, w, h = rect
    out = np.full((h, w, 3), pad, np.uint8)
    H, W = img.shape[:2]
    ix0, iy0, ix1, iy1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if ix0 < ix1 and iy0 < iy1:
        out[iy0 - y:iy1 - y, ix0 - x:ix1 - x] = img[iy0:iy1, ix0:ix1]
    return out


def area_weights(n_in, n_out):
    """(n_out, n_in): the share of source pixel [p, p+1) in output box [i*n_in/n_out, (i+1)*n_in/n_out)."""
    s = n_in / n_out
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        a, b = i * s, (i + 1) * s
        for p in range(int(math.floor(a)), min(n_in, int(math.ceil(b)))):
            w[i, p] = max(0.0, min(b, p + 1) - max(a, p))
    return w / s


def area_resize(img, side):
    """Shrinking by averaging each output pixel's box of source area (what INTER_AREA computes)."""
    wy, wx = area_weights(img.shape[0], side), area_weights(img.shape[1], side)
    rows = np.tensordot(wy, img.astype(np.float64), axes=(1, 0))  # (side, W, 3)
    return np.rint(np.tensordot(rows, wx, axes=(1, 1)).transpose(0, 2, 1)).astype(np.int16)


class TopkTest(CliTest):
    def check_geometry(self, doc, e):
        layer, (iw, ih), fs = doc["layer"], doc["input_size"], e["frame_size"]
        rf, stride, off = geometry(layer)
        self.assertEqual((doc["receptive_field"], doc["stride"], doc["rf_offset"]), (rf, stride, off))
        blob = [off + e["x"] * stride, off + e["y"] * stride, rf, rf]
        self.assertEqual(e["blob_rect"], blob)
        self.assertEqual(e["rect"], frame_rect(blob, (iw, ih), fs))
        (x0, x1), (y0, y1) = support(layer, e["x"], iw), support(layer, e["y"], ih)
        clipped = [x0, y0, x1 - x0 + 1, y1 - y0 + 1]
        self.assertEqual(e["blob_rect_clipped"], clipped)
        fr = frame_rect(clipped, (iw, ih), fs)
        fx0, fy0 = max(0, fr[0]), max(0, fr[1])
        fx1, fy1 = min(fs[0], fr[0] + fr[2]), min(fs[1], fr[1] + fr[3])
        self.assertEqual(e["rect_clipped"], [fx0, fy0, fx1 - fx0, fy1 - fy0])

    def test_ranking_against_dumped_activations_of_every_scanned_frame(self):
        out, layer, k, every, frames = self.path("out"), "block2_conv2", 4, 3, 24
        common = ["--layer", layer, "--input-size", "112x84", "--untrained"]
        self.run_cli("topk", VTEST, *common, "--out", out, "--k", str(k), "--every", str(every), "--frames", str(frames))
        doc = load_json(os.path.join(out, "topk.json"))
        self.assertTrue(doc["untrained"])
        self.assertIn("untrained", doc["model"])
        self.assertEqual((doc["frames_read"], doc["frames_scanned"]), (frames, frames // every))
        C = doc["channels"]
        self.assertEqual(C, 128)
        names = sorted(f for f in os.listdir(out) if f != ".cnnscope-files")  # the manifest of the set
        self.assertEqual(names, sorted([f"channel_{c:04d}.png" for c in range(C)] + ["index.png", "topk.json", "topk.csv"]))
        scanned = list(range(0, frames, every))
        acts = {}
        for f in scanned:
            npy = self.path(f"f{f}.npy")
            self.run_cli("dump", VTEST, *common, "--frame", str(f), "--out", npy)
            acts[f] = np.load(npy)[0]
        per_channel = {}
        for e in doc["entries"]:
            per_channel.setdefault(e["channel"], []).append(e)
        self.assertEqual(sorted(per_channel), list(range(C)))
        peaks = np.stack([acts[f].reshape(C, -1).max(axis=1) for f in scanned])  # (frames, C)
        for c, entries in per_channel.items():
            self.assertEqual([e["rank"] for e in entries], list(range(k)))
            values = [e["value"] for e in entries]
            self.assertEqual(values, sorted(values, reverse=True))
            self.assertEqual(len({e["frame"] for e in entries}), k)  # one entry per frame
            for e in entries:
                self.assertIn(e["frame"], scanned)
                plane = acts[e["frame"]][c]
                self.assertAlmostEqual(float(plane[e["y"], e["x"]]), e["value"], delta=1e-5 * max(1.0, abs(e["value"])))
                flat = int(np.argmax(plane))  # the frame's peak, first in scan order
                self.assertEqual((e["y"], e["x"]), divmod(flat, plane.shape[1]))
                self.assertAlmostEqual(e["time"], e["frame"] / 10.0, places=3)  # vtest.avi: 10 fps
            # No scanned frame holds a value above the k-th anywhere in its map, unless it is an entry.
            kth = values[-1]
            frames_in = {e["frame"] for e in entries}
            for i, f in enumerate(scanned):
                if f not in frames_in:
                    self.assertLessEqual(float(peaks[i, c]), kth * (1 + 1e-6), f"channel {c} frame {f}")
            np.testing.assert_allclose(sorted(peaks[:, c], reverse=True)[:k], values, rtol=1e-6)
        for e in doc["entries"][:40]:
            self.check_geometry(doc, e)
        with open(os.path.join(out, "topk.csv")) as f:
            csv_rows = f.read().splitlines()
        self.assertEqual(len(csv_rows), 1 + C * k)
        sheet = read_png_bgr(os.path.join(out, "channel_0000.png"))
        self.assertEqual([sheet.shape[1], sheet.shape[0]], doc["sheet"]["size"])

    def test_thumbnails_are_the_padded_field_crops_of_an_image_folder(self):
        from PIL import Image
        folder = self.path("pictures")
        os.makedirs(folder)
        images = {}
        for i, name in enumerate(["baboon.jpg", "graf1.png", "starry_night.jpg", "fruits.jpg", "building.jpg"]):
            rgb = np.asarray(Image.open(os.path.join(DATA, name)).convert("RGB"))
            fname = f"{i:02d}_{os.path.splitext(name)[0]}.png"
            Image.fromarray(rgb).save(os.path.join(folder, fname))
            images[fname] = rgb[:, :, ::-1]  # BGR like the thumbnails
        out, thumb = self.path("out"), 32
        self.run_cli("topk", folder, "--layer", "block3_conv1", "--input-size", "96x96", "--untrained", "--out", out,
                     "--k", "3", "--thumb", str(thumb))
        doc = load_json(os.path.join(out, "topk.json"))
        self.assertEqual(doc["frames_scanned"], 5)
        self.assertEqual(doc["pad_colour_bgr"], [128, 128, 128])
        rects = doc["sheet"]["thumb_rects"]
        padded = 0
        checked = 0
        for e in doc["entries"]:
            if e["channel"] % 16:
                continue
            self.assertEqual(sorted(images)[e["frame"]], e["file"])
            img = images[e["file"]]
            self.assertEqual(e["frame_size"], [img.shape[1], img.shape[0]])
            self.check_geometry(doc, e)
            crop = crop_padded(img, e["rect"])
            # The crop is larger than the thumbnail: each thumbnail pixel averages its box of the crop.
            want = area_resize(crop, thumb)
            sheet = read_png_bgr(os.path.join(out, f"channel_{e['channel']:04d}.png"))
            x, y, w, h = rects[e["rank"]]
            got = sheet[y:y + h, x:x + w]
            diff = np.abs(got - want)
            self.assertLessEqual(int(diff.max()), 1, f"entry {e}")  # rounding
            self.assertLess(float(diff.mean()), 0.1)
            x0, y0, rw, rh = e["rect"]
            if x0 < 0 and y0 < 0:  # the thumbnail's top-left corner lies wholly in the padding
                cx, cy = int(-x0 * thumb / rw) - 1, int(-y0 * thumb / rh) - 1
                if cx >= 0 and cy >= 0:
                    self.assertTrue((got[:cy + 1, :cx + 1] == 128).all())
                    padded += 1
            checked += 1
        self.assertGreater(checked, 20)
        self.assertGreater(padded, 0)  # fields at the border were checked too (3 of 48 with this seed)
        # Another image's crop does not match: the comparison has teeth.
        e = next(e for e in doc["entries"] if e["channel"] == 0)
        other = images[sorted(images)[(e["frame"] + 1) % 5]]
        wrong = area_resize(crop_padded(other, e["rect"]), thumb)
        sheet = read_png_bgr(os.path.join(out, "channel_0000.png"))
        x, y, w, h = rects[e["rank"]]
        self.assertGreater(float(np.abs(sheet[y:y + h, x:x + w] - wrong).mean()), 10)

    def test_bad_input(self):
        out = self.path("o")
        for args, needle in ((["--k", "0"], "--k"), (["--every", "0"], "--every"), (["--thumb", "4"], "--thumb"),
                             (["--layer", "nope"], "nope"), (["--layer", "flatten"], "flatten")):
            layer = [] if args[0] == "--layer" else ["--layer", "block1_conv1"]
            a = ["topk", VTEST, *layer, "--out", out, "--untrained", "--frames", "2", *args]
            p = self.run_cli(*a, expect=1)
            self.assert_clean_failure(p, needle)
        empty = self.path("empty")
        os.makedirs(empty)
        p = self.run_cli("topk", empty, "--layer", "block1_conv1", "--out", out, "--untrained", expect=1)
        self.assert_clean_failure(p, "no images")
        p = self.run_cli("topk", self.path("missing.avi"), "--layer", "block1_conv1", "--out", out, "--untrained", expect=1)
        self.assert_clean_failure(p)
        blocker = self.path("file.txt")
        open(blocker, "w").close()
        p = self.run_cli("topk", VTEST, "--layer", "block1_conv1", "--out", blocker, "--untrained", expect=1)
        self.assert_clean_failure(p, "is a file")
        self.assertFalse(os.path.exists(out))

    def test_shards_merged_equal_the_unsharded_run(self):
        # block2_conv1's fields are 80 frame pixels at 96x96 input: thumbnails shrink, and early
        # frames bring many candidates at once (where the window's top-k shares one integral image).
        common = [VTEST, "--layer", "block2_conv1", "--input-size", "96x96", "--untrained", "--frames", "13", "--every", "2",
                  "--k", "4", "-q"]
        whole = self.path("whole")
        self.run_cli("topk", *common, "--out", whole)
        dirs = []
        for i in range(3):
            dirs.append(self.path(f"shard{i}"))
            self.run_cli("topk", *common, "--shard", f"{i}/3", "--out", dirs[-1])
            shard = load_json(os.path.join(dirs[-1], "shard.json"))
            self.assertEqual(shard["frames_read"], 13)
            self.assertEqual(shard["frames_scanned"], len([f for f in range(0, 13, 2) if (f // 2) % 3 == i]))
            self.assertTrue(all((e["frame"] // 2) % 3 == i for e in shard["entries"]))
        merged = self.path("merged")
        self.run_cli("topk", "merge", dirs[2], dirs[0], dirs[1], "--out", merged, "-q")
        assert_same_outputs(self, whole, merged, 128 + 3, timed="topk.json")
        # The shards' entries are not just the whole run's: each shard alone ranks other frames first.
        self.assertNotEqual(load_json(os.path.join(dirs[1], "shard.json"))["entries"][:4],
                            load_json(os.path.join(whole, "topk.json"))["entries"][:4])

        bad = self.path("bad")
        other = self.path("other")
        self.run_cli("topk", *common[:-3], "--k", "3", "-q", "--shard", "1/3", "--out", other)
        for args, needle in (([dirs[0], other, dirs[2]], "--k"), ([dirs[0], dirs[2]], "shard 1/3 is missing"),
                             ([dirs[0], dirs[1], dirs[1], dirs[2]], "given twice"), ([dirs[0], whole], "no shard.json")):
            p = self.run_cli("topk", "merge", *args, "--out", bad, expect=1)
            self.assert_clean_failure(p, needle)
        p = self.run_cli("topk", *common, "--shard", "3/3", "--out", bad, expect=1)
        self.assert_clean_failure(p, "--shard")
        self.assertFalse(os.path.exists(bad))

    def test_sigint_writes_what_was_scanned(self):
        import re
        from helpers import StderrOnPty
        out = self.path("o")
        # stderr on a terminal, where topk shows its progress line ("topk: N/795 ...").
        run = StderrOnPty([BIN, "topk", VTEST, "--layer", "block1_conv2", "--input-size", "112x84", "--untrained",
                           "--out", out], env=self.env, cwd=self.tmp)
        seen = ""
        while True:  # wait until frames are being scanned
            chunk = run.read_some()
            self.assertTrue(chunk, "topk ended before scanning 5 frames: " + seen)
            seen += chunk
            counts = [int(n) for n in re.findall(r"topk: (\d+)/", seen)]
            if counts and counts[-1] >= 5:
                break
        run.proc.send_signal(signal.SIGINT)
        err = run.read_rest()
        self.assertEqual(run.proc.wait(timeout=120), 130, seen + err)
        doc = load_json(os.path.join(out, "topk.json"))
        self.assertTrue(doc["stopped"])
        self.assertGreater(doc["frames_scanned"], 0)
        self.assertLess(doc["frames_scanned"], 795)
        self.assertEqual(len(os.listdir(out)), 64 + 3 + 1)  # complete files and the manifest only, no temporaries
        read_png_bgr(os.path.join(out, "index.png"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
