"""The featvis loop in PyTorch, for bench/featvis.sh: untrained VGG19 (He init) up to a layer, a
Fourier-parametrised image with Lucid's colour decorrelation and sigmoid, a random jitter / scale /
rotation (affine_grid + grid_sample) and a TV prior each step, forward, backward, Adam. Prints
"torch: ms_per_step M" for STEPS steps after 2 warm-up steps, on torch.set_num_threads(THREADS).
usage: featvis_torch.py LAYER SIZE STEPS [THREADS]"""
import math
import sys
import time

import torch

layer, size, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
torch.set_num_threads(threads)
torch.manual_seed(0)

blocks = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]
mods, cin, found = [], 3, False
for b, (n, c) in enumerate(blocks, start=1):
    for i in range(1, n + 1):
        conv = torch.nn.Conv2d(cin, c, 3, padding=1)
        torch.nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
        torch.nn.init.zeros_(conv.bias)
        mods += [conv, torch.nn.ReLU()]
        cin = c
        if f"block{b}_conv{i}" == layer:
            found = True
            break
    if found:
        break
    mods.append(torch.nn.MaxPool2d(2))
assert found, f"no layer {layer}"
net = torch.nn.Sequential(*mods).eval()
for p in net.parameters():
    p.requires_grad_(False)

H = W = size
fy = torch.fft.fftfreq(H)[:, None]
fx = torch.fft.fftfreq(W)[None, :]
scale = 1.0 / torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / max(H, W)) / 4.0
spec = (torch.randn(3, H, W, 2) * 0.01).requires_grad_(True)
C = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
C = C / C.norm(dim=0).max()
mean = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
opt = torch.optim.Adam([spec], lr=0.05)
channel = 0


def step():
    opt.zero_grad()
    z = torch.view_as_complex(spec) * scale
    x = torch.fft.ifft2(z, norm="ortho").real
    rgb = torch.sigmoid(torch.einsum("ij,jhw->ihw", C, x))[None]
    a = math.radians(float(torch.empty(1).uniform_(-10, 10)))
    s = float(torch.empty(1).uniform_(0.9, 1.1))
    j = max(1.0, round(size / 16)) * 2 / size
    theta = torch.tensor([[math.cos(a) / s, -math.sin(a) / s, float(torch.empty(1).uniform_(-j, j))],
                          [math.sin(a) / s, math.cos(a) / s, float(torch.empty(1).uniform_(-j, j))]])[None]
    grid = torch.nn.functional.affine_grid(theta, (1, 3, H, W), align_corners=False)
    view = torch.nn.functional.grid_sample(rgb, grid, padding_mode="reflection", align_corners=False)
    blob = view.flip(1) * 255 - mean  # RGB -> BGR, Keras caffe preprocessing
    act = net(blob)[0, channel].mean()
    tv = ((rgb[..., 1:, :] - rgb[..., :-1, :]) ** 2).sum() + ((rgb[..., :, 1:] - rgb[..., :, :-1]) ** 2).sum()
    loss = -(act - 0.05 * tv / (H * W))
    loss.backward()
    opt.step()


for _ in range(2):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
print(f"torch: ms_per_step {1e3 * (time.perf_counter() - t0) / steps:.1f} threads {threads}")
