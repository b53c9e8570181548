"""Issue 24's channel tools, headless: `cnnscope channels` on opencv-doc's vtest.avi against numpy
on `cnnscope dump` of the same frames (each channel's mean, variation over time, min, max, active
fraction; constant channels; the orders and the filter), its CSV and JSON, and its bad input."""
import csv
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import DATA, VTEST, CliTest  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
FRAMES = 3


def summaries(acts):
    """acts: per frame (C, H, W). -> per channel dict, as the command defines them."""
    a = np.stack(acts).astype(np.float64)  # (F, C, H, W)
    means = a.mean(axis=(2, 3))            # (F, C)
    mn, mx = a.min(axis=(0, 2, 3)), a.max(axis=(0, 2, 3))
    return {
        "mean": means.mean(axis=0), "variation": means.std(axis=0), "min": mn, "max": mx,
        "active": (a > 0).mean(axis=(2, 3)).mean(axis=0), "constant": mn == mx, "series": means.T,
    }


class ChannelsTest(CliTest):
    def dumps(self, layer, frames):
        out = []
        for k in range(frames):
            f = self.path(f"{layer}_{k}.npy")
            self.run_cli("dump", VTEST, "--untrained", "--layer", layer, "--frame", str(k), "--out", f)
            out.append(np.load(f)[0])
        return out

    def check_rows(self, rows, want, order):
        self.assertEqual([r["channel"] for r in rows], order)
        for r in rows:
            c = r["channel"]
            for k in ("mean", "variation", "min", "max", "active"):
                tol = 1e-4 * max(1.0, abs(float(want["max"].max()))) if k != "active" else 1e-6
                self.assertLess(abs(r[k] - want[k][c]), tol, f"channel {c} {k}: {r[k]} vs numpy {want[k][c]}")
            self.assertEqual(bool(r["constant"]), bool(want["constant"][c]), f"channel {c}")

    def test_statistics_over_frames_match_numpy_in_every_order(self):
        layer = "block2_conv1"
        want = summaries(self.dumps(layer, FRAMES))
        C = len(want["mean"])
        self.assertTrue(want["constant"].any(), "the fixture needs a dead channel (ch 5 of the untrained net)")
        js = self.path("ch.json")
        p = self.run_cli("channels", VTEST, "--untrained", "--layer", layer, "--frames", str(FRAMES), "--out", js)
        with open(js) as f:
            j = json.load(f)
        self.assertEqual((j["layer"], j["channels"], j["frames"], j["sort"]), (layer, C, FRAMES, "mean"))
        self.assertEqual(j["constant"], np.flatnonzero(want["constant"]).tolist())
        self.assertEqual(j["series_frames"], list(range(FRAMES)))
        # ties (the dead channels' 0) by channel index: a stable sort of -key
        self.check_rows(j["rows"], want, np.argsort(-want["mean"], kind="stable").tolist())
        for r in j["rows"]:
            np.testing.assert_allclose(r["series"], want["series"][r["channel"]], rtol=1e-5, atol=1e-4)
        self.assertIn("constant channels: %d of %d" % (want["constant"].sum(), C), p.stdout)
        self.assertIn("dead (constant 0)", p.stdout)
        # another order, the filter and --top; CSV
        for sort in ("max", "active", "variation", "index"):
            with self.subTest(sort=sort):
                out = self.path(f"{sort}.csv")
                self.run_cli("channels", VTEST, "--untrained", "--layer", layer, "--frames", str(FRAMES), "--sort", sort,
                             "--hide-constant", "--top", "10", "--out", out)
                with open(out) as f:
                    rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
                for r in rows:
                    r["channel"] = int(r["channel"])
                keep = np.flatnonzero(~want["constant"])
                key = np.arange(C) * -1.0 if sort == "index" else want[sort]
                order = keep[np.argsort(-key[keep], kind="stable")][:10].tolist()
                self.check_rows(rows, want, order)

    def test_an_image_is_one_frame_and_bad_input_says_what_to_do(self):
        p = self.run_cli("channels", BABOON, "--untrained", "--layer", "block1_conv1", "--top", "3")
        self.assertIn("over 1 frame(s)", p.stdout)
        cases = [
            (["--sort", "bogus"], "--sort bogus: use index, mean, max, active, variation"),
            (["--out", "x.txt"], "--out must name a .csv or .json file"),
            (["--top", "65"], "--top 65 is more than block1_conv1's 64 channels"),
            (["--layer", "nope"], "nope"),
        ]
        for extra, words in cases:
            with self.subTest(extra=extra):
                args = ["channels", BABOON, "--untrained", "--layer", "block1_conv1", *extra]
                if extra[0] == "--layer":
                    args = ["channels", BABOON, "--untrained", *extra]
                p = self.run_cli(*args, expect=1)
                self.assertIn(words, p.stderr)
        self.assertFalse(os.path.exists(self.path("x.txt")))

    def test_a_file_that_ends_before_its_header_says_is_exit_3(self):
        cut = self.path("cut.avi")
        with open(VTEST, "rb") as f, open(cut, "wb") as o:
            o.write(f.read(4_000_000))
        out = self.path("cut.json")
        p = self.run_cli("channels", cut, "--untrained", "--input-size", "32x32", "--layer", "block1_conv1", "--out", out, expect=3)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("header claims", p.stderr)
        with open(out) as f:
            self.assertGreater(json.load(f)["frames"], 100)  # the frames read are written


if __name__ == "__main__":
    unittest.main()
