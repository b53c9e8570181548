"""The Slurm array jobs of featvis and topk (scripts/slurm/featvis-all.sh, topk-all.sh: sharded-all.sh + shard.sbatch) on a single-node
Slurm started here in a scratch folder (munged, slurmctld, slurmd on localhost, private ports and
socket; ../shared/docs/slurm.md's recipe): the array's shards merged by the dependent job equal an
unsharded run, file for file. Skips when Slurm or munge is not installed or not root; stops every
daemon it started, also when it fails."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from helpers import BIN, VTEST, CliTest, assert_same_outputs, read_bytes, read_json  # noqa: E402
import backward_ref as ref  # noqa: E402


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.join(ROOT, "scripts", "slurm", "featvis-all.sh")
TOPK_DRIVER = os.path.join(ROOT, "scripts", "slurm", "topk-all.sh")


def missing():
    for tool in ("slurmctld", "slurmd", "sbatch", "squeue", "munged"):
        if not shutil.which(tool) and not os.path.exists(os.path.join("/usr/sbin", tool)):
            return f"{tool} is not installed (scripts/install-deps.sh installs slurm-wlm and munge)"
    if os.geteuid() != 0:
        return "the single-node Slurm runs its daemons as root"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(name):
    return shutil.which(name) or os.path.join("/usr/sbin", name)


@unittest.skipIf(missing(), missing() or "")
class SlurmTest(CliTest):
    def setUp(self):
        super().setUp()
        # The scratch folder goes last, after the daemons whose pid files it holds have stopped
        # (cleanups run after tearDown, last added first).
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def tearDown(self):
        pass

    def watch_pidfile(self, path):
        """Stops the daemon whose pid file is `path` when the test ends (its pid read now)."""
        deadline = time.time() + 15
        pid = None
        while pid is None and time.time() < deadline:
            try:
                with open(path) as f:
                    pid = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                time.sleep(0.1)
        if pid is None:
            self.fail(f"no pid file {path}" + self.logs())
        self.addCleanup(self.stop_pid, pid)

    def stop_pid(self, pid):
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.time() + wait
            while time.time() < deadline:
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                            return  # exited; its parent has not reaped it yet
                except (OSError, IndexError):
                    return
                time.sleep(0.1)

    def start_slurm(self):
        d = self.path("slurm")
        os.makedirs(d)
        os.chmod(self.tmp, 0o755)
        os.chmod(d, 0o755)
        for sub in ("state", "spool", "munge"):
            os.makedirs(os.path.join(d, sub))
        # munge: its own key, socket and pid file here (never the machine's munged).
        m = os.path.join(d, "munge")
        key = os.path.join(m, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        os.chmod(m, 0o700)
        self.munge_socket = os.path.join(m, "munge.socket")
        munge_pid = os.path.join(m, "munged.pid")
        self.slurm_dir = d
        subprocess.run([tool("munged"), "--force", "--key-file", key, "--socket", self.munge_socket, "--pid-file", munge_pid,
                        "--log-file", os.path.join(m, "munged.log"), "--seed-file", os.path.join(m, "munged.seed")],
                       check=True, timeout=30)
        self.watch_pidfile(munge_pid)
        host = socket.gethostname().split(".")[0]
        mem_mb = int(read_bytes("/proc/meminfo").split()[1]) // 1024 - 512
        conf = os.path.join(d, "slurm.conf")
        with open(conf, "w") as f:
            f.write(f"""ClusterName=cnnscopetest
SlurmctldHost={host}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName={host} CPUs={os.cpu_count()} RealMemory={mem_mb} State=UNKNOWN
PartitionName=local Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
        self.env["SLURM_CONF"] = conf
        # Stop order on the way out: jobs, slurmd, slurmctld, munged (cleanups run last added first).
        subprocess.run([tool("slurmctld"), "-f", conf], env=self.env, check=True, timeout=30)
        self.watch_pidfile(os.path.join(d, "slurmctld.pid"))
        subprocess.run([tool("slurmd"), "-f", conf, "-N", host], env=self.env, check=True, timeout=30)
        self.watch_pidfile(os.path.join(d, "slurmd.pid"))
        self.addCleanup(self.cancel_jobs)
        deadline = time.time() + 60
        while time.time() < deadline:
            p = subprocess.run([tool("sinfo"), "-h", "-o", "%t"], env=self.env, capture_output=True, text=True, timeout=30)
            if p.returncode == 0 and p.stdout.strip() in ("idle", "mix", "alloc"):
                return
            time.sleep(0.5)
        self.fail("the single-node Slurm did not come up: " + self.logs())

    def cancel_jobs(self):
        try:
            subprocess.run([tool("scancel"), "--user", "root"], env=self.env, timeout=10, capture_output=True)
        except subprocess.TimeoutExpired:
            pass

    def logs(self):
        text = ""
        for f in ("slurmctld.log", "slurmd.log"):
            p = os.path.join(self.slurm_dir, f)
            if os.path.exists(p):
                with open(p) as fh:
                    text += f"\n--- {f}\n" + fh.read()[-3000:]
        return text

    def submit_and_wait(self, driver, out, args):
        """Runs a sharded-all.sh driver with 3 shards, waits for the array and the merge; the merged folder."""
        env = dict(self.env, CNNSCOPE=BIN)
        p = subprocess.run([driver, "-n", "3", "-o", out, "-c", "1", "--", *args], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        words = p.stdout.split()
        self.assertEqual(words[0::2], ["array", "merge"], p.stdout)
        array, merge = words[1], words[3]
        deadline = time.time() + 180
        while time.time() < deadline:
            q = subprocess.run([tool("squeue"), "-h", "-j", f"{array},{merge}", "-o", "%i %T"], env=self.env,
                               capture_output=True, text=True, timeout=30)
            if q.returncode == 0 and not q.stdout.strip():
                break
            time.sleep(0.5)
        else:
            self.fail("the jobs did not finish: " + q.stdout + self.logs())
        logs = os.path.join(out, "logs")
        merged = os.path.join(out, "merged")
        self.assertTrue(os.path.isdir(merged), f"no merged folder; logs: {os.listdir(logs)} " +
                        "".join(read_bytes(os.path.join(logs, f)).decode() for f in sorted(os.listdir(logs))) + self.logs())
        for i in range(3):  # each array task ran its own shard
            shard = read_json(os.path.join(out, f"shard-{i}", "shard.json"))
            self.assertEqual((shard["shard"], shard["shards"]), (i, 3))
        return merged

    def test_topk_array_job_and_merge_equal_the_unsharded_run(self):
        args = [VTEST, "--untrained", "--layer", "block2_conv1", "--input-size", "64x48", "--frames", "9", "--k", "3", "-q"]
        whole = self.path("whole")
        self.run_cli("topk", *args, "--out", whole)
        self.start_slurm()
        merged = self.submit_and_wait(TOPK_DRIVER, self.path("tk"), args)
        assert_same_outputs(self, whole, merged, 128 + 3, timed="topk.json")

    def test_array_job_and_merge_equal_the_unsharded_run(self):
        layers = ref.vgg_layers([("block1_conv1", 3, 6), ("block1_pool",), ("block2_conv1", 6, 7)],
                                __import__("numpy").random.default_rng(4))
        model = self.path("tiny.h5")
        ref.write_keras_h5(model, layers)
        args = ["--model", model, "--layer", "block2_conv1", "--channels", "all", "--size", "32", "--iterations", "10", "--seed",
                "3", "-q"]
        whole = self.path("whole") + "/"
        self.run_cli("featvis", *args, "--out", whole)

        self.start_slurm()
        out = self.path("fv")
        merged = self.submit_and_wait(DRIVER, out, args)
        assert_same_outputs(self, whole, merged, 7 + 2)


if __name__ == "__main__":
    unittest.main()
