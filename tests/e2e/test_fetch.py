"""`cnnscope fetch` against a local HTTP server: success, and every failure leaves nothing behind.

The served file is a small Keras weights file in the real layout (h5py), the first VGG19 layers;
a catalogue written here lists it as vgg19_keras with its md5, and CNNSCOPE_MODEL_URL_BASE points
the download at the server, whose path picks what it does (serve, 404, cut, stall, corrupt).
"""
import hashlib
import io
import os
import subprocess
import time
import unittest

import numpy as np

from helpers import BIN, CliTest
from http_fixture import Server, closed_port

# Not named like the real file: cnnscope checks a file named vgg19* for all 16 VGG19 convs (80 MB).
FILE = "tiny_keras_notop.h5"
SHAPES = [("block1_conv1", 3, 64), ("block1_conv2", 64, 64), ("block2_conv1", 64, 128)]


def keras_weights():
    """A Keras 'notop' file's layout (modern weight names), ~450 KB; returns (bytes, params)."""
    import h5py
    rng = np.random.default_rng(15)
    buf = io.BytesIO()
    params = 0
    with h5py.File(buf, "w") as f:
        names = ["input_1", "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1"]
        f.attrs["layer_names"] = np.array([n.encode() for n in names])
        for empty in ("input_1", "block1_pool"):
            f.create_group(empty).attrs["weight_names"] = np.array([], dtype=np.float64)
        for name, cin, cout in SHAPES:
            g = f.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            g[f"{name}/kernel:0"] = rng.normal(0, 0.1, (3, 3, cin, cout)).astype(np.float32)
            g[f"{name}/bias:0"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)
            params += 9 * cin * cout + cout
    return buf.getvalue(), params


CATALOGUE = """%YAML:1.0
---
models:
  - name: vgg19_keras
    title: "VGG19"
    framework: keras
    file: {file}
    url: "https://example.invalid/keras-applications/vgg19/{file}"
    md5: "{md5}"
    width: 224
    height: 224
    mean: [ 103.939, 116.779, 123.68 ]
    scale: 1.0
    rgb: 0
"""


class ServedWeightsTest(CliTest):
    """A local HTTP server with a small Keras weights file, a models.yml naming it with its md5,
    no proxies and a 2 s stall timeout: the set-up of the fetch tests and the window's download
    tests (no tests of its own)."""

    @classmethod
    def setUpClass(cls):
        cls.data, cls.params = keras_weights()
        cls.server = Server({FILE: cls.data}).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        super().setUp()
        self.models = self.env["CNNSCOPE_MODELS_DIR"]
        os.makedirs(self.models)
        with open(os.path.join(self.models, "models.yml"), "w") as f:
            f.write(CATALOGUE.format(file=FILE, md5=hashlib.md5(self.data).hexdigest()))
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            self.env.pop(k, None)
        self.env["CNNSCOPE_FETCH_STALL_S"] = "2"


class FetchTest(ServedWeightsTest):

    def fetch(self, base, *args, expect=0, timeout=60):
        self.env["CNNSCOPE_MODEL_URL_BASE"] = base
        return self.run_cli("fetch", *args, expect=expect, timeout=timeout)

    def weights_path(self, directory=None):
        return os.path.join(directory or self.models, FILE)

    def test_success_places_the_checked_file_and_the_model_loads_trained(self):
        p = self.run_cli("layers")
        self.assertIn("UNTRAINED", p.stderr)
        p = self.fetch(self.server.base("ok"))
        self.assertIn("md5 OK", p.stderr)
        with open(self.weights_path(), "rb") as f:
            self.assertEqual(f.read(), self.data)
        self.assertEqual(oct(os.stat(self.weights_path()).st_mode & 0o777), "0o644")
        self.assertEqual(sorted(os.listdir(self.models)), sorted([FILE, "models.yml"]))  # no temporary left
        p = self.run_cli("layers")
        self.assertNotIn("UNTRAINED", p.stderr + p.stdout)
        self.assertIn(f"{self.params:,}", p.stdout)  # the file's parameters, counted here from the shapes
        # Again: the verified copy is kept, nothing downloaded (the server would 404).
        p = self.fetch(self.server.base("404"))
        self.assertIn("have " + self.weights_path(), p.stderr)

    def test_default_directory_is_the_user_data_dir_that_model_search_reads(self):
        # No CNNSCOPE_MODELS_DIR: files go to $XDG_DATA_HOME/cnnscope/models, which loading searches.
        del self.env["CNNSCOPE_MODELS_DIR"]
        xdg = self.path("xdg")
        self.env["XDG_DATA_HOME"] = xdg
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("ok")
        # the catalogue is found through ./models (the working directory is the scratch dir)
        os.rename(self.models, self.path("models"))
        self.run_cli("fetch")
        dest = os.path.join(xdg, "cnnscope", "models", FILE)
        self.assertTrue(os.path.isfile(dest))
        p = self.run_cli("layers")
        self.assertNotIn("UNTRAINED", p.stderr + p.stdout)

    def assert_failed_cleanly(self, p, needle, directory=None, previous=None):
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("cnnscope: error: "), p.stderr)
        self.assertIn(needle, lines[0])
        self.assertIn("nothing was changed", lines[0])
        directory = directory or self.models
        left = sorted(f for f in os.listdir(directory) if f != "models.yml")
        self.assertEqual(left, [FILE] if previous is not None else [], f"left behind: {left}")
        if previous is not None:
            with open(self.weights_path(directory), "rb") as f:
                self.assertEqual(f.read(), previous, "the previous file was changed")

    def failure_cases(self):
        refused = f"http://127.0.0.1:{closed_port()}/x"
        return [
            ("404", self.server.base("404"), "HTTP 404"),
            ("cut", self.server.base("cut"), "cut short"),
            ("stall", self.server.base("stall"), "stalled: no data for 2 s"),
            ("corrupt", self.server.base("corrupt"), "md5 of the downloaded"),
            ("refused", refused, "connection refused"),
            ("dns", "http://no-such-host.invalid/x", "cannot resolve host 'no-such-host.invalid'"),
        ]

    def test_failures_leave_nothing_behind(self):
        for name, base, needle in self.failure_cases():
            with self.subTest(name):
                t0 = time.monotonic()
                p = self.fetch(base, expect=1)
                self.assert_failed_cleanly(p, needle)
                self.assertLess(time.monotonic() - t0, 20)

    def test_failures_keep_the_previous_file(self):
        previous = b"an older, damaged copy"  # its md5 does not match, so fetch tries again
        for name, base, needle in self.failure_cases():
            with self.subTest(name):
                with open(self.weights_path(), "wb") as f:
                    f.write(previous)
                p = self.fetch(base, expect=1)
                self.assert_failed_cleanly(p, needle, previous=previous)

    def test_full_disk(self):
        mnt = self.path("tiny")
        os.makedirs(mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt], capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here (needs root)")
        try:
            self.assertGreater(len(self.data), 256 * 1024)
            previous = b"old"
            with open(os.path.join(mnt, FILE), "wb") as f:
                f.write(previous)
            p = self.fetch(self.server.base("ok"), "--dir", mnt, expect=1)
            self.assert_failed_cleanly(p, "disk full", directory=mnt, previous=previous)
        finally:
            subprocess.run(["umount", mnt])

    def test_unknown_name_and_quiet_success(self):
        p = self.fetch(self.server.base("ok"), "nosuchmodel", expect=1)
        self.assertIn("no model named 'nosuchmodel'", p.stderr)
        blocker = self.path("a-file")
        open(blocker, "w").close()
        p = self.fetch(self.server.base("ok"), "--dir", blocker, expect=1)
        self.assert_clean_failure(p, "a file of that name is in the way")
        p = self.fetch(self.server.base("ok"), "vgg19_keras", "-q")
        self.assertEqual(p.stderr, "")
        self.assertTrue(os.path.isfile(self.weights_path()))

    def test_ctrl_c_cancels_and_leaves_nothing(self):
        import signal
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("slow")  # ~4 s for the whole file
        proc = subprocess.Popen([BIN, "fetch"], env=self.env, cwd=self.tmp, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not any(f.startswith(".") for f in os.listdir(self.models)) and time.monotonic() < deadline:
            time.sleep(0.05)  # the temporary file appears once the download runs
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.stderr.close()
        self.assertEqual(proc.wait(timeout=30), 130, err)
        self.assertIn("cancelled", err)
        self.assertEqual(os.listdir(self.models), ["models.yml"])

    def test_progress_bar_on_a_terminal(self):
        from helpers import StderrOnPty
        self.env["CNNSCOPE_MODEL_URL_BASE"] = self.server.base("slow")
        run = StderrOnPty([BIN, "fetch"], env=self.env, cwd=self.tmp, stdout=subprocess.DEVNULL)
        text = run.read_rest()
        self.assertEqual(run.proc.wait(timeout=60), 0, text)
        self.assertIn("\r", text)  # one line that rewrites itself
        self.assertRegex(text, r"KB/s|MB/s")
        self.assertIn("left", text)
        self.assertIn(f"/ {len(self.data) / 1000:.0f} KB", text)
        self.assertIn("saved", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
