"""The window's small parts, scripted under Xvfb: the convolution kernel choice and its report in the
stats JSON, the output guard on view's --screenshot/--record/--stats, and the trained-weights
download from the untrained banner (against the local HTTP fixture, a Keras file the tests write)."""
import json
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest, read_png_bgr, run_group  # noqa: E402
from test_fetch import FILE, ServedWeightsTest  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24"]


class SmallGuiTest(CliTest):
    def view(self, *args, frames=10, expect=0):
        shot, stats = self.path("shot.png"), self.path("stats.json")
        for f in (shot, stats):
            if os.path.exists(f):
                os.remove(f)
        cmd = [*XVFB, BIN, "view", *args, "--frames", str(frames), "--screenshot", shot, "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, expect, p.stderr)
        with open(stats) as f:
            return p, read_png_bgr(shot), json.load(f)

    def raw_view(self, *args):
        return run_group([*XVFB, BIN, "view", *args], env=self.env, cwd=self.tmp, capture_output=True, text=True,
                              timeout=300)

    # --- convolution kernel -------------------------------------------------------------------

    def assert_kernels(self, st, mode):
        conv = st["conv"]
        self.assertEqual(st["conv_mode"], mode)
        self.assertEqual(conv["mode"], mode)
        self.assertTrue(conv["summary"].startswith(mode + ":"), conv["summary"])
        self.assertEqual(len(conv["layers"]), 16)  # VGG19's conv layers, whatever runs on them
        ran = [l for l in conv["layers"] if not l["planned"]]
        self.assertTrue(ran, conv)
        self.assertIn(st["layer"], [l["layer"] for l in ran])
        # The summary's counts are the per-layer kernels counted.
        counts = {k: sum(l["kernel"] == k for l in conv["layers"]) for k in ("winograd", "direct", "opencv")}
        self.assertIn(f"{counts['winograd']} winograd, {counts['direct']} direct, {counts['opencv']} opencv", conv["summary"])
        return conv

    def test_stats_report_the_kernels_and_conv_option_sets_them(self):
        _, _, st = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--conv", "direct")
        conv = self.assert_kernels(st, "direct")
        if "built without oneDNN" not in conv["summary"]:
            self.assertEqual({l["kernel"] for l in conv["layers"]}, {"direct"})
        _, _, st = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--conv", "opencv")
        conv = self.assert_kernels(st, "opencv")
        self.assertEqual({l["kernel"] for l in conv["layers"]}, {"opencv"})

    def test_scripted_conv_key_cycles_the_kernel_on_a_still_frame(self):
        # auto -> winograd -> direct: the still frame is computed again and the report follows.
        _, _, st = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--keys", "conv,conv,idle")
        conv = self.assert_kernels(st, "direct")
        if "built without oneDNN" not in conv["summary"]:
            # (the still frame's prefetch may have run more layers: all of them under the new kernel)
            self.assertEqual({l["kernel"] for l in conv["layers"] if not l["planned"]}, {"direct"})
        _, _, st = self.view(BABOON, "--untrained", "--layer", "block1_conv2", "--keys", "conv,conv,conv,idle")
        self.assert_kernels(st, "opencv")

    # --- output guard -----------------------------------------------------------------------------

    def assert_refused(self, p, *needles):
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)  # refused before any work: not even the model warning
        self.assertTrue(lines[0].startswith("cnnscope: error: "), p.stderr)
        for n in needles:
            self.assertIn(n, lines[0])

    def test_outputs_onto_the_source_are_refused_before_any_work(self):
        src = self.path("baboon.jpg")
        with open(BABOON, "rb") as f, open(src, "wb") as g:
            g.write(f.read())
        with open(src, "rb") as f:
            before = f.read()
        p = self.raw_view(src, "--untrained", "--frames", "5", "--screenshot", src)
        self.assert_refused(p, "--screenshot", "same file")
        # The same file under another name (a hard link) is caught too: inodes, not strings.
        os.link(src, self.path("alias.png"))
        p = self.raw_view(src, "--untrained", "--frames", "5", "--stats", self.path("alias.png"))
        self.assert_refused(p, "--stats", "same file")
        # A recording onto a video source.
        video = self.path("clip.mp4")
        self.run_cli("record", VTEST, "--untrained", "--layer", "block1_conv1", "--grid", "--frames", "3", "--out", video)
        with open(video, "rb") as f:
            video_before = f.read()
        p = self.raw_view(video, "--untrained", "--frames", "5", "--record", video)
        self.assert_refused(p, "--record", "same file")
        with open(src, "rb") as f:
            self.assertEqual(f.read(), before)
        with open(video, "rb") as f:
            self.assertEqual(f.read(), video_before)
        self.assertEqual(sorted(os.listdir(self.tmp)), sorted(["alias.png", "baboon.jpg", "clip.mp4", "home"]))

    def test_stats_onto_a_fifo_or_a_folder_is_refused(self):
        fifo, folder = self.path("fifo"), self.path("folder")
        os.mkfifo(fifo)
        os.mkdir(folder)
        p = self.raw_view(BABOON, "--untrained", "--frames", "5", "--stats", fifo)
        self.assert_refused(p, "--stats", "FIFO")
        p = self.raw_view(BABOON, "--untrained", "--frames", "5", "--stats", folder)
        self.assert_refused(p, "--stats", "directory")
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        self.assertTrue(os.path.isdir(folder))
        self.assertEqual(os.listdir(folder), [])


    # --- the scripted 'frame' key: a wait that cannot end is an error, not a hang ---------------

    def test_frame_key_on_a_still_image_fails_instead_of_waiting_forever(self):
        shot = self.path("shot.png")
        p = run_group([*XVFB, BIN, "view", BABOON, "--untrained", "--layer", "block1_conv1", "--keys", "frame,frame",
                       "--frames", "2", "--screenshot", shot], env=self.env, cwd=self.tmp, capture_output=True, text=True,
                      timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--keys: frame: waits for the next frame, but none can come: the source is a still image", p.stderr)
        self.assertFalse(os.path.exists(shot))  # the run is not what was asked: no screenshot of it

    def test_frame_key_when_paused_fails_and_on_a_playing_video_waits_for_a_new_frame(self):
        # --paused: the first frame and no other (after a pause in the keys, a frame captured
        # before it may still arrive, and does end a wait, when inference is slow).
        p = self.raw_view(VTEST, "--untrained", "--layer", "block1_conv1", "--paused", "--keys", "frame", "--frames", "2")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--keys: frame: waits for the next frame, but none can come: the stream is paused", p.stderr)
        _, _, st = self.view(VTEST, "--untrained", "--layer", "block1_conv1", "--keys", "frame,frame", frames=2)
        self.assertGreaterEqual(st["history"]["frames"], 3)  # the first frame, then two new ones

class DownloadGuiTest(ServedWeightsTest):
    """The untrained banner's download, against the local HTTP fixture (a small Keras file)."""

    def view(self, mode, keys, frames):
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base(mode)
        stats = self.path("stats.json")
        cmd = [*XVFB, BIN, "view", VTEST, "--layer", "block1_conv2", "--keys", keys, "--frames", str(frames),
               "--stats", stats, "--size", "1280x720"]
        p = run_group(cmd, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return json.load(f)

    def test_download_then_the_model_reloads_trained(self):
        st = self.view("ok", "download,idle", 10)
        dest = os.path.join(self.models, FILE)
        self.assertFalse(st["untrained"])
        self.assertEqual(st["model_source"], dest)
        self.assertEqual(st["download"]["state"], "succeeded")
        with open(dest, "rb") as f:
            self.assertEqual(f.read(), self.data)
        self.assertEqual(sorted(os.listdir(self.models)), sorted(["models.yml", FILE]))  # no temporary left

    def test_download_in_progress_shows_progress(self):
        # The stalling server sends 1000 bytes, then nothing until the test's server stops, and the
        # client's stall limit is its maximum (an hour): under way however long the frames take.
        self.env["CNNSCOPE_FETCH_STALL_S"] = "3600"
        # 120 UI frames (about 2 s): long enough for the response headers (the total) at any load; a
        # sanitizer build can draw 10 frames before the server has answered.
        st = self.view("stall", "download", 120)
        self.assertTrue(st["untrained"])
        d = st["download"]
        self.assertEqual(d["state"], "running")
        self.assertEqual(d["total"], len(self.data))
        self.assertLess(d["bytes"], d["total"])
        # Quitting mid-download cancels it: nothing is left behind.
        self.assertEqual(os.listdir(self.models), ["models.yml"])

    def test_failed_download_keeps_the_untrained_model_and_says_why(self):
        st = self.view("404", "download,idle", 5)
        self.assertTrue(st["untrained"])
        self.assertEqual(st["download"]["state"], "failed")
        self.assertEqual(os.listdir(self.models), ["models.yml"])


if __name__ == "__main__":
    unittest.main()
