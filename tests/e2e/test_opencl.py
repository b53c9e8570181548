"""--target opencl for real, on POCL's CPU device (pocl-opencl-icd, OPENCV_OPENCL_DEVICE=:CPU:) at
32x32: the maps equal the cpu's within 1e-3 of each layer's largest value, opencl_fp16's error is
measured and bounded, every report (layers, bench JSON, the window's stats and panel) names the
target and device that ran, the check against the cpu refuses a device that computes wrong, and
where no OpenCL device exists the fallback says so. POCL compiles its kernels once per test class
(a shared POCL_CACHE_DIR), then a 32x32 VGG19 run takes a couple of seconds."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, DATA, CliTest, window_env  # noqa: E402

BABOON = os.path.join(DATA, "baboon.jpg")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24"]
SIZE = "32x32"
LAYERS = ["block1_conv1", "block2_conv1"]


def tiny_keras(path):
    """A four-layer Keras file in VGG19's names (h5py, as Keras writes it): a fast model for POCL."""
    import h5py
    rng = np.random.default_rng(5)
    layers = [("block1_conv1", 3, 8), ("block1_conv2", 8, 8), ("block1_pool", 0, 0), ("block2_conv1", 8, 16)]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in ["input_1"] + [l[0] for l in layers]])
        f.create_group("input_1").attrs["weight_names"] = np.array([], dtype=np.float64)
        for name, cin, cout in layers:
            g = f.create_group(name)
            if not cin:
                g.attrs["weight_names"] = np.array([], dtype=np.float64)
                continue
            g.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()])
            g[f"{name}/kernel:0"] = rng.normal(0, np.sqrt(2 / (9 * cin)), (3, 3, cin, cout)).astype(np.float32)
            g[f"{name}/bias:0"] = rng.uniform(-0.1, 0.1, cout).astype(np.float32)


def pocl_cpu_device():
    """POCL's CPU device as `clinfo -l` lists it, or None (the tests then skip, saying why)."""
    try:
        out = subprocess.run(["clinfo", "-l"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return "Portable Computing Language" in out or None


class OpenClTest(CliTest):
    cache = None

    @classmethod
    def setUpClass(cls):
        if not pocl_cpu_device():
            raise unittest.SkipTest("no POCL OpenCL CPU device (scripts/install-deps.sh installs pocl-opencl-icd)")
        cls.cache = tempfile.mkdtemp(prefix="cnnscope-pocl-")  # kernels compiled once for the class
        cls.model = os.path.join(cls.cache, "tiny.h5")
        tiny_keras(cls.model)

    @classmethod
    def tearDownClass(cls):
        if cls.cache:
            shutil.rmtree(cls.cache, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.env["POCL_CACHE_DIR"] = self.cache
        self.env["OPENCV_OPENCL_DEVICE"] = ":CPU:"
        for k in ("OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES", "CNNSCOPE_TARGET_TOLERANCE", "OCL_ICD_VENDORS", "OPENCV_OPENCL_RUNTIME"):
            self.env.pop(k, None)

    def cpu_maps(self, layer):
        """The cpu's maps of `layer`, computed once for the class."""
        out = os.path.join(self.cache, f"cpu_{layer}.npy")
        if not os.path.exists(out):
            shutil.copy(self.dump("cpu", layer)[1].out, out)
        return np.load(out)

    def dump(self, target, layer, extra_env=None):
        out = self.path(f"{target}_{layer}.npy")
        env = dict(self.env, **(extra_env or {}))
        p = subprocess.run([BIN, "dump", BABOON, "--model", self.model, "--input-size", SIZE, "--layer", layer, "--target", target,
                            "--out", out], env=env, cwd=self.tmp, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        p.out = out
        return np.load(out), p

    def header(self, *args, extra_env=None, vgg=False):
        env = dict(self.env, **(extra_env or {}))
        model = ["--untrained"] if vgg else ["--model", self.model]
        p = subprocess.run([BIN, "layers", *model, "--input-size", SIZE, *args], env=env, cwd=self.tmp,
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def assert_ran_on_pocl(self, text):
        self.assertRegex(text, r"target opencl on .*\(Portable Computing Language, CPU\)")

    # --- what runs -------------------------------------------------------------------------------

    def test_targets_lists_the_device_that_runs_and_how_to_pick(self):
        p = self.run_cli("targets")
        self.assertRegex(p.stdout, r"opencl +yes +OpenCL device, FP32\n")  # offered, and no 'switching to CPU' note
        self.assertIn("(OPENCV_OPENCL_DEVICE=':CPU:')", p.stdout)
        self.assertRegex(p.stdout, r"\* .* \(Portable Computing Language, CPU, OpenCL [^)]*\)  <- --target opencl runs here")
        self.assertIn("--opencl-device", p.stdout)
        # Without the variable OpenCV takes GPUs only: the CPU device is listed but not used.
        env = dict(self.env)
        env.pop("OPENCV_OPENCL_DEVICE")
        p = subprocess.run([BIN, "targets"], env=env, capture_output=True, text=True, timeout=120)
        self.assertRegex(p.stdout, r"opencl +no ")
        self.assertRegex(p.stdout, r"- .*\(Portable Computing Language, CPU")
        self.assertIn("none of them is used", p.stdout)
        # --opencl-device does what the variable does (before OpenCV loads).
        p = subprocess.run([BIN, "targets", "--opencl-device", ":CPU:"], env=env, capture_output=True, text=True, timeout=120)
        self.assertIn("<- --target opencl runs here", p.stdout)
        self.assertRegex(p.stdout, r"opencl +yes ")

    def test_opencl_maps_equal_the_cpu_and_the_report_names_the_device(self):
        p = self.header("--target", "opencl", vgg=True)  # the whole VGG19 checked on the device
        self.assert_ran_on_pocl(p.stdout)
        self.assertRegex(p.stdout, r"checked against the cpu: largest difference [0-9.e+-]+ of the layer's range")
        self.assertNotIn("refused", p.stdout + p.stderr)
        for layer in LAYERS:
            cpu = self.cpu_maps(layer)
            ocl, _ = self.dump("opencl", layer)
            self.assertEqual(cpu.shape, ocl.shape)
            rel = np.abs(ocl - cpu).max() / np.abs(cpu).max()
            self.assertLess(rel, 1e-3, layer)
            self.assertGreater(np.abs(cpu).max(), 0)

    def test_opencl_fp16_error_is_measured_and_bounded(self):
        cpu = self.cpu_maps("block2_conv1")
        half, _ = self.dump("opencl_fp16", "block2_conv1")
        rel = np.abs(half - cpu).max() / np.abs(cpu).max()
        print(f"\nopencl_fp16 on POCL, block2_conv1 at {SIZE}: largest difference {rel:.3g} of the layer's range")
        self.assertLess(rel, 5e-2)
        p = self.header("--target", "opencl_fp16")
        self.assertRegex(p.stdout, r"target opencl_fp16 on .*Portable Computing Language")

    def test_bench_json_names_target_device_check_and_opencv_kernels(self):
        js = self.path("bench.json")
        self.run_cli("bench", "--model", self.model, "-q", "--input-size", SIZE, "--layer", "block2_conv1", "--frames", "1",
                     "--warmup", "0", "--target", "opencl", "--json", js)
        with open(js) as f:
            d = json.load(f)
        m = d["machine"]
        self.assertEqual(m["target"], "opencl")
        self.assertEqual(m["target_requested"], "opencl")
        self.assertIn("Portable Computing Language, CPU", m["target_device"])
        self.assertLess(m["target_check_diff"], 1e-3)
        self.assertEqual(m["target_note"], "")
        # The oneDNN CPU kernels never take a layer on another target.
        for r in d["results"]:
            self.assertEqual({k["kernel"] for k in r["conv_layers"]}, {"opencv"}, r["conv_layers"])
            self.assertEqual({k["why"] for k in r["conv_layers"]}, {"target is not the cpu"})

    # --- refusals and fallbacks --------------------------------------------------------------------

    def test_a_device_that_differs_beyond_the_tolerance_is_refused(self):
        # Tolerance 0: POCL's sums are not the cpu's to the last bit, so the device is refused.
        p = self.header("--target", "opencl", extra_env={"CNNSCOPE_TARGET_TOLERANCE": "0"})
        self.assertRegex(p.stderr, r"target 'opencl' refused on .*Portable Computing Language.*: its maps differ from the cpu's "
                                   r"by [0-9.e+-]+ of the layer's range at \S+ \(tolerance 0\); using cpu")
        self.assertRegex(p.stdout, r"target cpu\n")
        cpu = self.cpu_maps("block1_conv2")
        got, q = self.dump("opencl", "block1_conv2", {"CNNSCOPE_TARGET_TOLERANCE": "0"})
        self.assertIn("refused", q.stderr)
        self.assertTrue(np.array_equal(got, cpu))  # the cpu ran it, as reported

    def test_user_turning_all_devices_off_gets_the_cpu_and_says_why(self):
        p = self.header("--target", "opencl", extra_env={"OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES": "0"})
        self.assertIn("is not a GPU and OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES is off", p.stderr)
        self.assertRegex(p.stdout, r"target cpu\n")

    def test_no_opencl_device_falls_back_with_a_message(self):
        empty = self.path("no-icds")
        os.makedirs(empty)
        for extra in ({"OCL_ICD_VENDORS": empty}, {"OPENCV_OPENCL_RUNTIME": "disabled"}):
            p = subprocess.run([BIN, "targets"], env=dict(self.env, **extra), capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"opencl +no ", extra)
            self.assertIn("OpenCL devices: 0 found", p.stdout, extra)
            self.assertIn("no OpenCL runtime or device", p.stdout, extra)
        got, q = self.dump("opencl", "block1_conv2", {"OCL_ICD_VENDORS": empty})
        self.assertIn("target 'opencl' is not offered by this OpenCV build on this machine", q.stderr)
        self.assertIn("no OpenCL device found (install your GPU's OpenCL ICD, or pocl-opencl-icd for the CPU); using cpu", q.stderr)
        self.assertTrue(np.array_equal(got, self.cpu_maps("block1_conv2")))

    # --- the window ----------------------------------------------------------------------------------

    def view(self, *args):
        stats = self.path("stats.json")
        if os.path.exists(stats):
            os.remove(stats)
        p = subprocess.run([*XVFB, BIN, "view", BABOON, "--model", self.model, "--input-size", SIZE, "--layer", "block1_conv2", *args,
                            "--stats", stats, "--size", "960x600"], env=window_env(self.env), cwd=self.tmp, capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(stats) as f:
            return json.load(f)

    def test_window_scripted_run_on_opencl_and_a_live_switch(self):
        # The panel's target combo, live: cpu -> opencl (checked, then the window runs on it) ...
        st = self.view("--frames", "8", "--keys", "idle,target=opencl,idle")
        self.assertEqual(st["target"], "opencl")
        self.assertIn("Portable Computing Language, CPU", st["target_device"])
        self.assertLess(st["target_check_diff"], 1e-3)
        self.assertTrue(st["target_check"].startswith("checked against the cpu"))
        self.assertEqual(st["layer"], "block1_conv2")
        self.assertRegex(st["caption"], r"\[opencl on .*\(Portable Computing Language, CPU\)\]")
        # ... and --target opencl -> cpu.
        st = self.view("--target", "opencl", "--frames", "8", "--keys", "idle,target=cpu,idle")
        self.assertEqual((st["target"], st["target_device"], st["target_check_diff"]), ("cpu", "CPU", None))
        self.assertNotIn("[opencl", st["caption"])

if __name__ == "__main__":
    unittest.main()
