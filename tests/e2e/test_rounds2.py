"""Reliability, round two (issue 11): one test class per class of failure, each failing on the
old behaviour. Outputs never replace inputs or non-regular files, temporaries are exclusive and
cleaned up, memory is bounded before it is spent, options are range-checked in one table,
non-finite numbers are refused, every error is one line, silent sources time out, and an
unrelated models.yml does not break --model FILE."""
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, VTEST, CliTest  # noqa: E402

FAST = ["--untrained", "-q", "--input-size", "64x64"]


def write_keras(path, convs, fill=None, poison=None):
    """A Keras-layout .h5 with conv layers of (in, out) channels; weights seeded, or `fill`;
    `poison` = (layer index, value) puts one bad value into that layer's kernel."""
    import h5py
    rng = np.random.default_rng(3)
    names = [f"conv{i + 1}" for i in range(len(convs))]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in names]
        for i, (n, (cin, cout)) in enumerate(zip(names, convs)):
            g = f.create_group(n)
            g.attrs["weight_names"] = [f"{n}/kernel:0".encode(), f"{n}/bias:0".encode()]
            k = (np.full((3, 3, cin, cout), fill, "f4") if fill is not None else rng.normal(0, 0.1, (3, 3, cin, cout)).astype("f4"))
            if poison and poison[0] == i:
                k[0, 0, 0, 0] = poison[1]
            g.create_dataset(f"{n}/kernel:0", data=k)
            g.create_dataset(f"{n}/bias:0", data=np.zeros(cout, "f4"))


def write_file(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def read_text(path):
    with open(path) as f:
        return f.read()


def digest(path):
    with open(path, "rb") as f:
        return f.read()


class Base(CliTest):
    def one_error(self, p, *needles):
        """Exit 1..127, exactly one stderr line, the project's error line, naming the problem."""
        self.assertTrue(1 <= p.returncode <= 127, (p.returncode, p.stderr))
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("cnnscope: error: "), p.stderr)
        for n in needles:
            self.assertIn(n, lines[0])

    def image(self, name="in.png", src="baboon.jpg", size=(96, 80)):
        from PIL import Image
        Image.open(os.path.join(DATA, src)).convert("RGB").resize(size).save(self.path(name))
        return self.path(name)


class OutputNeverInputTest(Base):
    def test_outputs_equal_to_an_input_are_refused_before_any_work(self):
        img = self.image("x.png")
        video = self.path("v.avi")
        shutil.copy(os.path.join(DATA, "tree.avi"), video)
        os.symlink(img, self.path("alias.png"))
        before = {p: digest(p) for p in (img, video)}
        cases = [
            ["grid", img, "--layer", "block1_conv1", "--out", img, *FAST],
            ["grid", img, "--layer", "block1_conv1", "--out", self.path("alias.png"), *FAST],
            ["record", video, "--layer", "block1_conv1", "--out", video, "--frames", "3", *FAST],
            ["stylize", img, "--style", img, "--out", img],
            ["dump", img, "--layer", "block1_conv1", "--out", "a.npy", "--gram", "a.npy", *FAST],
            ["dump", img, "--layer", "block1_conv1", "--out", "./a.npy", "--gram", self.path("a.npy"), *FAST],
            ["bench", "--source", video, "--json", video, "--frames", "1", "--warmup", "0", "--layer", "block1_conv1",
             "--input-size", "32x32", "--untrained", "-q"],
        ]
        for args in cases:
            p = self.run_cli(*args, expect=None)
            self.one_error(p, "same file")
        for path, data in before.items():
            self.assertEqual(digest(path), data, path)
        self.assertFalse(os.path.exists(self.path("a.npy")))

    def test_model_file_is_an_input(self):
        write_keras(self.path("m.h5"), [(3, 4)])
        before = digest(self.path("m.h5"))
        p = self.run_cli("dump", self.image(), "--layer", "conv1", "--model", "m.h5", "--out", "m.h5", "-q", expect=None)
        self.one_error(p)  # "--out must name a .npy" or "same file": either way nothing replaced
        p = self.run_cli("grid", self.image(), "--layer", "conv1", "--model", "m.png", "--out", "m.png", "-q", expect=None)
        self.one_error(p)
        self.assertEqual(digest(self.path("m.h5")), before)


class OnlyRegularFilesTest(Base):
    def test_devices_fifos_and_folders_are_never_replaced(self):
        img = self.image()
        os.mkfifo(self.path("f.npy"))
        node = self.path("node.json")
        if os.geteuid() == 0:
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        os.mkdir(self.path("d.png"))
        p = self.run_cli("dump", img, "--layer", "block1_conv1", "--out", "f.npy", *FAST, expect=None)
        self.one_error(p, "FIFO")
        self.assertTrue(stat.S_ISFIFO(os.lstat(self.path("f.npy")).st_mode))
        if os.geteuid() == 0:
            p = self.run_cli("bench", "--source", os.path.join(DATA, "tree.avi"), "--json", node, "--frames", "1", "--warmup", "0",
                             "--layer", "block1_conv1", "--input-size", "32x32", "--untrained", "-q", expect=None)
            self.one_error(p, "character device")
            self.assertTrue(stat.S_ISCHR(os.lstat(node).st_mode))
        p = self.run_cli("grid", img, "--layer", "block1_conv1", "--out", "d.png", *FAST, expect=None)
        self.one_error(p, "directory")
        self.assertTrue(os.path.isdir(self.path("d.png")))

    def test_trailing_slash_means_a_folder(self):
        img = self.image()
        os.mkdir(self.path("empty"))
        self.run_cli("record", img, "--layer", "block1_conv1", "--out", "empty/", "--size", "64x64", *FAST)
        self.assertEqual(os.listdir(self.path("empty")), ["frame_000000.png"])
        for out in ("x.gif/", "x.mp4/"):
            p = self.run_cli("record", img, "--layer", "block1_conv1", "--out", out, *FAST, expect=None)
            self.one_error(p, "ends in '/'")
        p = self.run_cli("stylize", img, "--style", "nope.t7", "--out", "s.png/", expect=None)
        self.one_error(p)
        os.mkdir(self.path("full"))
        write_file(self.path("full", "keep.txt"), "keep")
        p = self.run_cli("record", img, "--layer", "block1_conv1", "--out", "full/", *FAST, expect=None)
        self.one_error(p, "not empty")
        self.assertEqual(os.listdir(self.path("full")), ["keep.txt"])
        self.assertEqual(sorted(os.listdir(self.tmp)), sorted(["empty", "full", "home", "in.png"]))


class TemporaryFilesTest(Base):
    def test_long_names_work_in_every_output_kind(self):
        img = self.image()
        stem = "n" * 245
        self.run_cli("dump", img, "--layer", "block1_conv1", "--out", stem + ".npy", *FAST)
        self.run_cli("grid", img, "--layer", "block1_conv1", "--out", stem + ".png", *FAST)
        self.run_cli("sweep", img, "--layer", "block1_conv1", "--out", stem + ".gif", "--display-size", "32x32", *FAST)
        self.run_cli("record", img, "--layer", "block1_conv1", "--out", stem + ".mp4", "--size", "64x64", *FAST)
        self.run_cli("record", img, "--layer", "block1_conv1", "--out", "d" * 249, "--size", "64x64", *FAST)
        self.run_cli("bench", "--source", os.path.join(DATA, "tree.avi"), "--json", stem + ".jso", "--frames", "1", "--warmup", "0",
                     "--layer", "block1_conv1", "--input-size", "32x32", "--untrained", "-q")
        for name in (stem + ".npy", stem + ".png", stem + ".gif", stem + ".mp4", "d" * 249, stem + ".jso"):
            self.assertTrue(os.path.exists(self.path(name)), name)
        self.assertFalse([f for f in os.listdir(self.tmp) if "partial" in f])

    def test_a_killed_run_leaves_nothing_forever(self):
        out = self.path("long.gif")
        proc = subprocess.Popen([BIN, "record", VTEST, "--layer", "block1_conv1", "--out", out, *FAST], env=self.env, cwd=self.tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and not [f for f in os.listdir(self.tmp) if "partial" in f]:
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        stale = [f for f in os.listdir(self.tmp) if "partial" in f]
        self.assertTrue(stale, "the recording never started")
        self.run_cli("dump", self.image(), "--layer", "block1_conv1", "--out", "next.npy", *FAST)
        self.assertEqual([f for f in os.listdir(self.tmp) if "partial" in f], [])
        self.assertFalse(os.path.exists(out))

    def test_a_planted_link_is_never_followed(self):
        victim = self.path("victim.txt")
        write_file(victim, "precious")
        # Whatever the temporary name, none may be opened through a link: plant links at every
        # name the old scheme could pick for the next few processes.
        first = os.getpid()
        for pid in range(first, first + 200):
            os.symlink(victim, self.path(f".out.partial-{pid}.npy"))
        self.run_cli("dump", self.image(), "--layer", "block1_conv1", "--out", "out.npy", *FAST)
        self.assertEqual(read_text(victim), "precious")
        self.assertEqual(np.load(self.path("out.npy")).shape[:2], (1, 64))


class MemoryBoundTest(Base):
    def png_claiming(self, w, h):
        import struct
        import zlib

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        raw = zlib.compress(b"\0" * 4096)
        data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
        write_file(self.path("huge.png"), data)
        return self.path("huge.png")

    def test_image_size_is_checked_from_the_header(self):
        huge = self.png_claiming(30000, 30000)
        t0 = time.time()
        p = self.run_cli("dump", huge, "--layer", "block1_conv1", "--out", "a.npy", *FAST, expect=None)
        self.one_error(p, "900000000 pixels", "--max-pixels")
        self.assertLess(time.time() - t0, 20)
        img = self.image(size=(200, 100))
        p = self.run_cli("--max-pixels", "10000", "dump", img, "--layer", "block1_conv1", "--out", "a.npy", *FAST, expect=None)
        self.one_error(p, "20000 pixels")
        self.run_cli("dump", img, "--layer", "block1_conv1", "--out", "a.npy", "--max-pixels", "20000", *FAST)

    def test_unwritten_h5_dataset_is_refused_by_what_the_file_holds(self):
        import h5py
        path = self.path("sparse.h5")
        with h5py.File(path, "w") as f:
            f.attrs["layer_names"] = [b"conv1"]
            g = f.create_group("conv1")
            g.attrs["weight_names"] = [b"conv1/kernel:0", b"conv1/bias:0"]
            g.create_dataset("conv1/kernel:0", shape=(3, 3, 3, 50_000_000), dtype="f4", chunks=(1, 1, 1, 4096))
            g.create_dataset("conv1/bias:0", data=np.zeros(4, "f4"))
        self.assertLess(os.path.getsize(path), 100_000)
        p = self.run_cli("layers", "--model", path, expect=None)
        self.one_error(p, "5400000000 bytes", "stores only")

    def test_outputs_and_forward_are_estimated_before_allocating(self):
        img = self.image()
        p = self.run_cli("grid", img, "--layer", "block1_conv1", "--tiles", "32", "--tile-size", "2048", "--out", "g", *FAST, expect=None)
        self.one_error(p, "GB")
        self.assertFalse(os.path.exists(self.path("g")))
        env = dict(self.env, CNNSCOPE_MAX_MEMORY_MB="200")
        p = subprocess.run([BIN, "layers", "--untrained", "-q", "--input-size", "1024x1024"], env=env, capture_output=True, text=True)
        self.one_error(p, "forward pass", "GB")


class RangesTest(Base):
    def test_every_numeric_option_has_one_range(self):
        img = self.image()
        cases = [
            ["bench", "--threads", "100000"],
            ["record", img, "--layer", "block1_conv1", "--out", "r.gif", "--fps", "0.001"],
            ["record", img, "--layer", "block1_conv1", "--out", "r.gif", "--channel", "-1"],
            ["compare", img, "--style", "s.t7", "--out", "c.png", "--channel", "-2"],
            ["grid", img, "--out", "g", "--page", "-1"],
            ["record", img, "--layer", "block1_conv1", "--out", "r.gif", "--frames", "-1"],
            ["record", img, "--layer", "block1_conv1", "--out", "r.gif", "--start", "-5"],
            ["grid", img, "--out", "g", "--gamma", "nan"],
            ["sweep", img, "--layer", "block1_conv1", "--out", "s.gif", "--delay-ms", "inf"],
        ]
        for args in cases:
            p = self.run_cli(*args, expect=None)
            self.one_error(p, "must be a number from")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["home", "in.png"])

    def test_minimum_input_size_comes_from_the_model(self):
        p = self.run_cli("dump", self.image(), "--layer", "block1_conv1", "--out", "a.npy", "--untrained", "-q", "--input-size", "16x40",
                         expect=None)
        self.one_error(p, "at least 32x32", "block5_pool")
        self.run_cli("dump", self.image(), "--layer", "block5_pool", "--out", "a.npy", "--untrained", "-q", "--input-size", "32x32")
        self.assertEqual(np.load(self.path("a.npy")).shape, (1, 512, 1, 1))


class NonFiniteTest(Base):
    def test_nan_inf_and_absurd_weights_are_refused_naming_the_layer(self):
        img = self.image()
        for name, poison in (("nan.h5", float("nan")), ("inf.h5", float("inf")), ("big.h5", 1e20)):
            write_keras(self.path(name), [(3, 4), (4, 4)], poison=(1, poison))
            p = self.run_cli("dump", img, "--layer", "conv2", "--model", name, "--out", "a.npy", "-q", expect=None)
            self.one_error(p, "'conv2'")
        self.assertFalse(os.path.exists(self.path("a.npy")))

    def test_a_forward_that_overflows_is_an_error(self):
        write_keras(self.path("over.h5"), [(3, 4)] + [(4, 4)] * 7, fill=1e5)
        p = self.run_cli("grid", self.image(), "--layer", "conv8", "--model", "over.h5", "--out", "g.png", "-q", expect=None)
        self.one_error(p, "non-finite")
        self.assertFalse(os.path.exists(self.path("g.png")))

    def test_models_yml_std_that_overflows_is_refused(self):
        write_keras(self.path("m.h5"), [(3, 4)])
        os.makedirs(self.path("models"), exist_ok=True)
        write_file(self.path("models", "models.yml"), 
            "models:\n  - name: m\n    file: m.h5\n    framework: keras\n    std: [1e-300, 1, 1]\n")
        shutil.copy(self.path("m.h5"), self.path("models", "m.h5"))
        p = self.run_cli("layers", "--model", "m", expect=None)
        self.one_error(p, "std 1e-300")


class OneErrorLineTest(Base):
    def test_usage_errors_and_third_party_noise_are_one_line(self):
        img = self.image()
        cases = [
            ["grid", img, "--out", "g", "--bogus"],
            ["grid", img, "--out", "g", "--out", "h"],
            ["grid", img, "--out", "g", "--page", "99999999999"],
            ["sweep", img, "--layer", "block1_conv1", "--out", "s.gif", "--delay-ms", "1.5"],
            ["dump", "/dev/null", "--layer", "block1_conv1", "--out", "a.npy", *FAST],
            ["frobnicate"],
        ]
        for args in cases:
            p = self.run_cli(*args, expect=None)
            self.one_error(p)

    def test_verbose_is_a_global_flag(self):
        p = self.run_cli("--verbose", "layers", "--untrained", "-q", "--input-size", "32x32")
        self.assertIn("block5_pool", p.stdout)
        p = self.run_cli("layers", "--untrained", "-q", "--input-size", "32x32", "--verbose")
        self.assertIn("block5_pool", p.stdout)


class SilentSourceTest(Base):
    def test_a_fifo_with_no_writer_times_out(self):
        os.mkfifo(self.path("pipe.avi"))
        env = dict(self.env, CNNSCOPE_SOURCE_TIMEOUT_MS="1500")
        t0 = time.time()
        try:
            p = subprocess.run([BIN, "dump", self.path("pipe.avi"), "--layer", "block1_conv1", "--out", "a.npy", *FAST], env=env,
                               cwd=self.tmp, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("a FIFO with no writer blocked forever")
        self.one_error(p, "FIFO", "delivered nothing")
        self.assertLess(time.time() - t0, 20)

    def test_a_fifo_with_a_writer_plays(self):
        os.mkfifo(self.path("pipe.avi"))
        writer = subprocess.Popen(["sh", "-c", f"cat {os.path.join(DATA, 'tree.avi')} > {self.path('pipe.avi')}"])
        try:
            self.run_cli("dump", self.path("pipe.avi"), "--layer", "block1_conv1", "--out", "a.npy", *FAST)
        finally:
            writer.kill()
            writer.wait()
        self.assertEqual(np.load(self.path("a.npy")).shape, (1, 64, 64, 64))


class CatalogueTest(Base):
    def test_a_malformed_catalogue_in_the_cwd_does_not_break_model_file(self):
        write_keras(self.path("mine.h5"), [(3, 4)])
        os.makedirs(self.path("models"), exist_ok=True)
        write_file(self.path("models", "models.yml"), "models:\n  - name: [unterminated\n\t\x01garbage\n")
        p = self.run_cli("dump", self.image(), "--layer", "conv1", "--model", "mine.h5", "--out", "a.npy")
        self.assertIn("ignoring the model catalogue", p.stderr)
        self.assertEqual(np.load(self.path("a.npy")).shape[1], 4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
