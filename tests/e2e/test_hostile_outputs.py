"""Issue 20 (trust), outputs: what a hostile tester found about writes, numbers and messages, each
class checked end to end on the real binary: a file-size limit, non-finite numbers, JSON that must
parse strictly, sources that end early, output sets written as a whole or not at all, sources
named like camera indices, scripted steps that fail, bad environment numbers, third-party noise
under -q, and window tests that leave no X server behind."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest, group_processes, kill_group, popen_group, run_group, window_env  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
FRUITS = os.path.join(DATA, "fruits.jpg")
TREE = os.path.join(DATA, "tree.avi")
FAST = ["--untrained", "--input-size", "64x64"]
HAS_WINDOW = shutil.which("xvfb-run") is not None and " view " in subprocess.run([BIN, "--help"], capture_output=True,
                                                                                   text=True).stdout
window_test = unittest.skipUnless(HAS_WINDOW, "needs xvfb-run and a build with the window")


def strict_json(path):
    """json.load that refuses NaN, Infinity and -Infinity (which are not JSON)."""
    def reject(token):
        raise ValueError(f"{path}: bare {token} is not JSON")
    with open(path) as f:
        return json.load(f, parse_constant=reject)


def everything_in(directory):
    """Every entry below DIRECTORY, hidden ones included."""
    out = []
    for root, dirs, files in os.walk(directory):
        out += [os.path.relpath(os.path.join(root, n), directory) for n in dirs + files]
    return sorted(out)


class HostileOutputsTest(CliTest):
    def limited(self, kb, *args):
        """cnnscope ARGS under `ulimit -f KB` (bash counts 1024-byte blocks)."""
        return subprocess.run(["bash", "-c", f'ulimit -f {kb}; exec "$0" "$@"', BIN, *args], env=self.env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=300)

    def out_dir(self, name="out"):
        d = self.path(name)
        os.makedirs(d)
        return d

    # Class 5: a file-size limit is a write error like any other.
    def test_a_file_size_limit_is_a_reported_write_error_that_leaves_nothing(self):
        d = self.out_dir()
        cases = [
            ("record-gif", 100, ["record", VTEST, "--layer", "block1_conv1", "--frames", "20", "--out", os.path.join(d, "r.gif")]),
            ("sweep", 50, ["sweep", BABOON, "--layer", "block1_conv1", "--out", os.path.join(d, "s.gif")]),
            ("record-mp4", 20, ["record", VTEST, "--layer", "block1_conv1", "--frames", "30", "--out", os.path.join(d, "r.mp4")]),
            ("record-png", 100, ["record", VTEST, "--layer", "block1_conv1", "--frames", "5", "--out", os.path.join(d, "frames")]),
            ("grid", 20, ["grid", BABOON, "--layer", "block1_conv1", "--out", os.path.join(d, "grid")]),
            ("dump", 20, ["dump", BABOON, "--layer", "block1_conv1", "--out", os.path.join(d, "d.npy")]),
            ("atlas", 50, ["atlas", BABOON, "--out", os.path.join(d, "a.png")]),
        ]
        for name, kb, args in cases:
            with self.subTest(name):
                p = self.limited(kb, *args, "--untrained", "-q")
                self.assertIn(p.returncode, (1, 2), f"{name}: killed or exit 0 ({p.returncode}): {p.stderr}")
                self.assertIn("cnnscope: error:", p.stderr)
                self.assertRegex(p.stderr, r"file-size limit|File too large", p.stderr)
                self.assertEqual(everything_in(d), [], f"{name} left files behind")

    # Class 7: numbers that reach a computation are finite and in range; JSON never holds NaN/Inf.
    def test_non_finite_or_absurd_transfer_weights_are_refused_or_give_strict_json(self):
        for opt, value in (("--alpha", "nan"), ("--tv", "inf"), ("--beta", "1e38"), ("--lr", "1e30"), ("--alpha", "-inf"),
                           ("--beta", "NaN"), ("--iterations", "1e400")):
            with self.subTest(opt=opt, value=value):
                out, js = self.path(f"t{opt}{value}.png"), self.path(f"t{opt}{value}.json")
                p = self.run_cli("transfer", BABOON, "--style-image", FRUITS, "--untrained", "--size", "48x48", "--iterations", "2",
                                 opt, value, "--out", out, "--json", js, "-q", expect=None)
                if p.returncode == 0:
                    strict_json(js)  # a run that says it worked wrote real numbers
                    self.fail(f"{opt} {value} was accepted")
                self.assertIn(p.returncode, (1, 2), p.stderr)
                self.assertIn(opt, p.stderr)
                self.assertFalse(os.path.exists(out) or os.path.exists(js))

    def test_every_numeric_option_of_every_command_has_a_range(self):
        top = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
        commands = re.findall(r"^  ([a-z][a-z-]+)\s{2,}", top.split("Subcommands:")[1], re.M)
        self.assertIn("transfer", commands)
        missing = []
        for c in commands:
            text = subprocess.run([BIN, c, "--help"], capture_output=True, text=True).stdout
            # An option's entry, with its description (which may start on the next line): the
            # range is printed once, "(range LO..HI)", at the end of the description.
            entries = []
            for line in text.splitlines():
                if re.match(r"^  -", line):
                    entries.append(line)
                elif entries and re.match(r"^ {20,}\S", line):
                    entries[-1] += " " + line.strip()
                else:
                    entries.append("")
            for e in entries:
                m = re.match(r"^\s+(?:-\w,)?(--[\w-]+)\s+(FLOAT|INT|UINT)\b(\S*)", e)
                if m and not re.search(r"\(range [-\d.e+]+\.\.[-\d.e+]+\)$", e) and c != "fetch":
                    missing.append(f"{c} {m.group(1)} {m.group(2)}{m.group(3)}")
        self.assertEqual(missing, [], "numeric options without a range in option_ranges.cpp")

    def test_every_json_output_parses_strictly(self):
        d = self.out_dir()
        self.run_cli("transfer", BABOON, "--style-image", FRUITS, "--untrained", "--size", "48x48", "--iterations", "2",
                     "--out", os.path.join(d, "t.png"), "--json", os.path.join(d, "t.json"), "-q")
        self.run_cli("topk", TREE, *FAST, "--layer", "block1_conv1", "--frames", "3", "--k", "1", "--thumb", "16",
                     "--out", os.path.join(d, "topk"), "-q")
        self.run_cli("atlas", BABOON, *FAST, "--out", os.path.join(d, "a.png"), "--layout", os.path.join(d, "a.json"), "-q")
        self.run_cli("bench", "--untrained", "--source", BABOON, "--layer", "block1_conv1", "--input-size", "32x32", "--frames", "1",
                     "--warmup", "0", "--json", os.path.join(d, "b.json"), "-q")
        for js in ("t.json", "topk/topk.json", "a.json", "b.json"):
            with self.subTest(js):
                strict_json(os.path.join(d, js))

    # Class 7: a source that ends early is reported, with both counts, and never exit 0.
    def test_a_truncated_source_is_reported_with_both_counts(self):
        trunc = self.path("trunc.avi")
        with open(VTEST, "rb") as f, open(trunc, "wb") as g:
            g.write(f.read(300000))
        d = self.out_dir()
        for name, args in (("record", ["record", trunc, "--layer", "block1_conv1", "--size", "64x64", "--out", os.path.join(d, "r.gif")]),
                           ("topk", ["topk", trunc, "--layer", "block1_conv1", "--k", "1", "--thumb", "16",
                                     "--out", os.path.join(d, "topk")])):
            with self.subTest(name):
                p = self.run_cli(*args, *FAST, "-q", expect=None)
                self.assertEqual(p.returncode, 3, p.stderr)
                warn = [l for l in p.stderr.splitlines() if l.startswith("cnnscope: warning:")]
                self.assertEqual(len(warn), 1, p.stderr)
                self.assertRegex(warn[0], r"ended after \d+ frames \([\d.]+ s of 79.5 s\), but its header claims 795")
        self.assertTrue(os.path.exists(os.path.join(d, "r.gif")))
        self.assertIn("header claims", strict_json(os.path.join(d, "topk", "topk.json"))["source_ended_early"])
        # The whole file is not short: exit 0, no warning.
        p = self.run_cli("record", TREE, "--layer", "block1_conv1", "--size", "64x64", "--out", os.path.join(d, "t.gif"), *FAST)
        self.assertNotIn("header claims", p.stderr)

    # Class 8: output sets are written as a whole or not at all, and a reused folder has no stale files.
    def test_topk_into_a_reused_folder_keeps_no_stale_channels_and_no_foreign_file_is_touched(self):
        out = self.path("topk")
        common = ["--frames", "2", "--k", "1", "--thumb", "16", "--out", out, *FAST, "-q"]
        self.run_cli("topk", TREE, "--layer", "block3_conv1", *common)
        self.assertEqual(len([f for f in os.listdir(out) if f.startswith("channel_")]), 256)
        with open(os.path.join(out, "notes.txt"), "w") as f:
            f.write("mine")
        with open(os.path.join(out, "channel_9999.png"), "w") as f:  # looks like ours, but cnnscope did not write it
            f.write("mine too")
        self.run_cli("topk", TREE, "--layer", "block1_conv1", *common)
        channels = sorted(f for f in os.listdir(out) if f.startswith("channel_"))
        self.assertEqual(channels, [f"channel_{c:04d}.png" for c in range(64)] + ["channel_9999.png"])
        self.assertEqual(strict_json(os.path.join(out, "topk.json"))["channels"], 64)
        self.assertTrue(os.path.exists(os.path.join(out, "notes.txt")))
        self.assertEqual([f for f in os.listdir(out) if "partial" in f], [])

    def test_a_failing_topk_or_atlas_leaves_no_part_of_its_set(self):
        d = self.out_dir()
        # topk: the small channel sheets fit, topk.json does not.
        p = self.limited(6, "topk", TREE, "--layer", "block1_conv1", "--frames", "2", "--k", "1", "--thumb", "16",
                         "--out", os.path.join(d, "topk"), *FAST, "-q")
        self.assertIn(p.returncode, (1, 2), p.stderr)
        self.assertEqual(everything_in(d), [], p.stderr)
        # atlas: its --layout JSON fits, the PNG does not.
        p = self.limited(40, "atlas", BABOON, "--untrained", "--out", os.path.join(d, "a.png"), "--layout", os.path.join(d, "a.json"),
                         "-q")
        self.assertIn(p.returncode, (1, 2), p.stderr)
        self.assertEqual(everything_in(d), [], p.stderr)
        # topk into a folder it wrote before that now fails: the earlier set stays whole.
        out = os.path.join(d, "again")
        self.run_cli("topk", TREE, "--layer", "block1_conv1", "--frames", "2", "--k", "1", "--thumb", "16", "--out", out, *FAST, "-q")
        before = {f: os.path.getmtime(os.path.join(out, f)) for f in os.listdir(out)}
        p = self.limited(6, "topk", TREE, "--layer", "block2_conv1", "--frames", "2", "--k", "1", "--thumb", "16", "--out", out,
                         *FAST, "-q")
        self.assertIn(p.returncode, (1, 2), p.stderr)
        self.assertEqual({f: os.path.getmtime(os.path.join(out, f)) for f in os.listdir(out)}, before)

    def test_an_mp4_whose_folder_is_moved_mid_run_leaves_nothing_anywhere(self):
        d = self.out_dir("rec")
        p = popen_group([BIN, "record", VTEST, "--untrained", "--layer", "block1_conv1", "--input-size", "64x64", "--size", "640x480",
                         "--frames", "400", "--out", os.path.join(d, "r.mp4"), "-q"], env=self.env, cwd=self.tmp,
                        stderr=subprocess.PIPE, text=True)
        self.addCleanup(kill_group, p.pid)
        deadline = time.time() + 60
        while time.time() < deadline and not [f for f in os.listdir(d) if "partial" in f]:
            time.sleep(0.1)
        time.sleep(1)
        moved = self.path("moved")
        os.rename(d, moved)
        err = p.communicate(timeout=300)[1]
        self.assertIn(p.returncode, (1, 2), err)
        self.assertIn("moved or removed", err)
        self.assertEqual(everything_in(moved), [])
        self.assertFalse(os.path.exists(d))

    # Class 9: a source that names an existing file is that file; cameras are cam:N.
    def test_a_file_named_like_a_camera_index_is_that_file(self):
        shutil.copy(TREE, self.path("0"))
        p = self.run_cli("dump", "0", "--untrained", "--layer", "block1_conv1", "--out", "d.npy", "-q")
        self.assertTrue(os.path.exists(self.path("d.npy")), p.stderr)
        p = self.run_cli("dump", "cam:7", "--untrained", "--layer", "block1_conv1", "--out", "e.npy", "-q", expect=1)
        self.assert_clean_failure(p, "camera")
        p = self.run_cli("dump", "cam:x", "--untrained", "--layer", "block1_conv1", "--out", "e.npy", "-q", expect=1)
        self.assert_clean_failure(p, "cam:N")
        self.assertIn("cam:N", subprocess.run([BIN, "record", "--help"], capture_output=True, text=True).stdout)

    def test_a_bad_memory_budget_in_the_environment_is_one_clear_error(self):
        for value in ("abc", "-5", "nan", "1e400", "0", "12MB", ""):
            with self.subTest(value=value):
                self.env["CNNSCOPE_MAX_MEMORY_MB"] = value
                p = self.run_cli("layers", "--untrained", expect=1)
                self.assert_clean_failure(p, "CNNSCOPE_MAX_MEMORY_MB")
        self.env["CNNSCOPE_MAX_MEMORY_MB"] = "4000"
        self.run_cli("layers", "--untrained")

    def test_quiet_runs_print_no_ffmpeg_or_swscaler_noise(self):
        bugy = os.path.join(DATA, "Megamind_bugy.avi")
        trunc = self.path("trunc.avi")
        with open(VTEST, "rb") as f, open(trunc, "wb") as g:
            g.write(f.read(300000))
        for name, args in (("truncated", ["record", trunc, "--out", "a.mp4"]), ("bugy", ["record", bugy, "--out", "b.gif"])):
            with self.subTest(name):
                p = self.run_cli(*args, "--layer", "block1_conv1", "--size", "64x64", *FAST, "-q", expect=None)
                noise = [l for l in p.stderr.splitlines() if not l.startswith("cnnscope: ")]
                self.assertEqual(noise, [], p.stderr)

    @window_test
    def test_a_scripted_step_that_fails_exits_non_zero_with_its_error(self):
        p = run_group(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", BIN, "view", BABOON, "--untrained", "--keys",
                       "model=/nonexistent.onnx", "--frames", "2"], env=window_env(self.env), cwd=self.tmp, capture_output=True, text=True,
                      timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("/nonexistent.onnx", p.stderr)
        self.assertEqual(len([l for l in p.stderr.splitlines() if l.startswith("cnnscope: error:")]), 1, p.stderr)

    # Class 10: a window test leaves no X server running, also when it times out.
    @window_test
    def test_a_window_run_that_times_out_leaves_no_x_server(self):
        marker = f"CNNSCOPE_XVFB_MARK=test-{os.getpid()}-{time.time()}"
        env = dict(self.env, CNNSCOPE_XVFB_MARK=marker.split("=", 1)[1])
        with self.assertRaises(subprocess.TimeoutExpired):
            run_group(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", BIN, "view", VTEST, "--untrained", "--frames", "1000000"],
                      env=window_env(env), cwd=self.tmp, capture_output=True, text=True, timeout=6)
        time.sleep(0.5)
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if marker.encode() in f.read().split(b"\0"):
                        left.append(pid)
            except OSError:
                pass
        self.assertEqual(left, [], "a process of the window run (its Xvfb?) outlived its test")

    @window_test
    def test_a_window_run_leaves_nothing_in_its_process_group(self):
        p = popen_group(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", BIN, "view", BABOON, "--untrained", "--frames", "2"],
                        env=window_env(self.env), cwd=self.tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        p.wait(timeout=120)
        kill_group(p.pid)
        time.sleep(0.2)
        self.assertEqual(group_processes(p.pid), [])


if __name__ == "__main__":
    unittest.main()
