"""Issue 24's channel tools in the window, scripted under Xvfb: `view --channel-stats` keeps every
channel's statistics over the live frames it shows, and the stats JSON's rows are the `channels`
command's for the same frames (which test_channels checks against numpy), in the panel's order,
with the dead channel flagged and hidden on `channels=hideconst`; bad values are refused. Also the
window's bare save (key b): the maps on screen as `dump` writes them, the channel's PNG as the
article colours it (numpy and matplotlib), the frame the network saw."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import helpers  # noqa: E402
from helpers import BIN, DATA, CliTest, colour_with_matplotlib, read_json, read_png_bgr, run_group  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
GRAF = os.path.join(DATA, "graf1.png")
window_env = getattr(helpers, "window_env", lambda e: e)


class GuiChannelsTest(CliTest):
    def view(self, *args, frames=3, source=BABOON):
        stats = self.path("stats.json")
        if os.path.exists(stats):
            os.remove(stats)
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", BIN, "view", source, "--untrained", "--input-size", "96x96",
               *args, "--frames", str(frames), "--stats", stats, "--size", "1280x720"]
        return run_group(cmd, env=window_env(self.env), cwd=self.tmp, capture_output=True, text=True, timeout=300), stats

    def test_the_sections_rows_are_the_commands_and_follow_the_order_and_filter(self):
        layer = "block2_conv1"
        js = self.path("cli.json")
        self.run_cli("channels", BABOON, "--untrained", "--input-size", "96x96", "--layer", layer, "--sort", "active", "--out", js)
        with open(js) as f:
            want = json.load(f)
        self.assertIn(5, want["constant"])  # the untrained net's dead channel
        p, stats = self.view("--layer", layer, "--grid", "--channel-stats", "active")
        self.assertEqual(p.returncode, 0, p.stderr)
        cs = read_json(stats)["channel_stats"]
        self.assertTrue(cs["on"])
        self.assertEqual((cs["layer"], cs["sort"], cs["frames"], cs["channels"]), (layer, "active", 1, want["channels"]))
        self.assertEqual(cs["constant"], want["constant"])
        self.assertEqual(len(cs["rows"]), 16)
        for got, exp in zip(cs["rows"], want["rows"]):
            self.assertEqual(got["channel"], exp["channel"])
            for k in ("mean", "max", "active", "variation"):
                self.assertAlmostEqual(got[k], exp[k], delta=1e-4 * max(1.0, abs(exp[k])), msg=f"ch {got['channel']} {k}")
        # sorted by index with the constant ones hidden: channel 5 is left out
        p, stats = self.view("--layer", layer, "--grid", "--channel-stats", "mean", "--keys", "channels=index,channels=hideconst")
        self.assertEqual(p.returncode, 0, p.stderr)
        cs = read_json(stats)["channel_stats"]
        self.assertEqual((cs["sort"], cs["hide_constant"]), ("index", True))
        keep = [c for c in range(want["channels"]) if c not in want["constant"]]
        self.assertEqual([r["channel"] for r in cs["rows"]], keep[:16])
        # another layer of the still frame (from the cache: no new result comes) starts over on it
        p, stats = self.view("--layer", "block1_conv2", "--channel-stats", "mean", "--keys", "idle,pagedown,idle")
        self.assertEqual(p.returncode, 0, p.stderr)
        cs = read_json(stats)["channel_stats"]
        self.assertEqual((cs["layer"], cs["frames"], cs["channels"]), ("block1_pool", 1, 64))
        p, stats = self.view("--layer", "block1_pool", "--channel-stats", "mean", "--keys", "idle,pagedown,idle")
        self.assertEqual(p.returncode, 0, p.stderr)
        cs = read_json(stats)["channel_stats"]
        self.assertEqual((cs["layer"], cs["frames"], cs["channels"]), ("block2_conv1", 1, 128))
        # the new layer's own numbers: the command's rows (sorted by active) in the order of their means
        by_mean = sorted(want["rows"], key=lambda r: (-r["mean"], r["channel"]))[:16]
        self.assertEqual([r["channel"] for r in cs["rows"]], [r["channel"] for r in by_mean])
        # off: no statistics kept
        p, stats = self.view("--layer", layer, "--channel-stats", "mean", "--keys", "idle,channels=off")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(read_json(stats)["channel_stats"]["frames"], 0)

    def test_live_video_frames_are_each_counted_once_and_match_numpy(self):
        layer = "block1_conv2"
        # played, and with the timeline scrubbed back and returned to live (space): kept frames are not counted
        for keys in ("frame,frame,frame,frame", "frame,frame,frame,comma,comma,space,frame,frame"):
            with self.subTest(keys=keys):
                self.check_live(layer, keys)

    def check_live(self, layer, keys):
        import numpy as np
        from test_channels import summaries
        p, stats = self.view("--layer", layer, "--channel-stats", "variation", "--keys", keys, frames=2,
                             source=os.path.join(DATA, "vtest.avi"))
        self.assertEqual(p.returncode, 0, p.stderr)
        cs = read_json(stats)["channel_stats"]
        seen = cs["series_frames"]
        self.assertGreaterEqual(len(seen), 4)
        self.assertEqual(len(set(seen)), len(seen), f"a frame counted twice: {seen}")
        self.assertEqual(cs["frames"], len(seen))
        acts = []
        for k in seen:
            f = self.path(f"d{k}.npy")
            self.run_cli("dump", os.path.join(DATA, "vtest.avi"), "--untrained", "--input-size", "96x96", "--layer", layer,
                         "--frame", str(k), "--out", f)
            acts.append(np.load(f)[0])
        want = summaries(acts)
        order = np.argsort(-want["variation"], kind="stable")[:16].tolist()
        self.assertEqual([r["channel"] for r in cs["rows"]], order)
        for r in cs["rows"]:
            c = r["channel"]
            for k in ("mean", "variation", "min", "max", "active"):
                self.assertAlmostEqual(r[k], want[k][c], delta=1e-4 * max(1.0, float(want["max"].max())), msg=f"ch {c} {k}")

    def test_bad_values_are_refused(self):
        p, _ = self.view("--channel-stats", "bogus")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--channel-stats", p.stderr)
        p, _ = self.view("--keys", "channels=sideways")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("channels=sideways: use on, off, hideconst, showconst", p.stderr)

    def test_the_bare_save_is_the_maps_the_channel_and_the_frame_without_captions(self):
        import numpy as np
        layer, ch = "block1_conv2", 5
        p, stats = self.view("--layer", layer, "--channel", str(ch), "--keys", "b", frames=2, source=GRAF)
        self.assertEqual(p.returncode, 0, p.stderr)
        saved = read_json(stats)["saved_maps"]
        self.assertEqual([os.path.basename(f) for f in saved], [f"{layer}.npy", f"{layer}-ch{ch}.png", "frame.png"])
        folder = os.path.dirname(saved[0])
        self.assertTrue(folder.startswith("cnnscope-maps-"), folder)
        act = np.load(self.path(saved[0]))
        ref = self.path("ref.npy")
        self.run_cli("dump", GRAF, "--untrained", "--input-size", "96x96", "--layer", layer, "--out", ref)
        want = np.load(ref)
        self.assertEqual(act.shape, want.shape)
        np.testing.assert_allclose(act, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
        png = read_png_bgr(self.path(saved[1])).astype(np.int16)
        self.assertEqual(png.shape[:2], act.shape[2:])  # the map's own size, no caption strip
        diff = np.abs(png - colour_with_matplotlib(act[0, ch]))
        self.assertGreaterEqual((diff.max(axis=2) == 0).mean(), 0.99)  # the rest a LUT entry off at a tie
        frame = read_png_bgr(self.path(saved[2]))
        src = read_png_bgr(GRAF)
        self.assertEqual(frame.shape, src.shape)
        self.assertEqual(np.abs(frame.astype(np.int16) - src).max(), 0)


if __name__ == "__main__":
    unittest.main()
