"""The small test classifiers in torch: the with-top Keras-layout net of test_classify.py
(float64, batched: activations and gradients at a layer, an edit of that layer's output for
ablation) and a VGG-like torch classifier exported to ONNX; Score-CAM's definition from them.
Shared by test_classify, test_cam and test_attribute."""
import numpy as np

from test_classify import CONVS


def keras_features(x, convs, layer=None, edit=None):
    """The conv stack of the with-top net on a torch (N, 3, H, W) float64 batch: its last map, and
    the activation at LAYER (after `edit(activation)` when given, which may replace it)."""
    import torch
    import torch.nn.functional as F
    A = None
    for s in CONVS:
        if len(s) == 1:
            x = F.max_pool2d(x, 2)
        else:
            k, b = convs[s[0]]
            x = F.relu(F.conv2d(x, torch.from_numpy(k.astype(np.float64)).permute(3, 2, 0, 1), torch.from_numpy(b.astype(np.float64)), padding=1))
        if s[0] == layer:
            if edit is not None:
                x = edit(x)
            if x.requires_grad:
                x.retain_grad()
            A = x
    return x, A


def keras_forward(x, convs, dense, layer=None, edit=None):
    """Logits (N, classes) of the with-top net and the activation at LAYER (see keras_features)."""
    import torch.nn.functional as F
    import torch
    x, A = keras_features(x, convs, layer, edit)
    v = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # Keras's (h, w, c) flatten
    for i, (_, k, b) in enumerate(dense):
        v = v @ torch.from_numpy(k.astype(np.float64)) + torch.from_numpy(b.astype(np.float64))
        if i + 1 < len(dense):
            v = F.relu(v)
    return v, A


def keras_autograd(blob, convs, dense, layer, cls=None, edit=None):
    """Activations and d logit[cls] / d activations at LAYER of the with-top net (float64), the
    class (default: the top-1) and the logits."""
    import torch
    torch.set_num_threads(2)
    x = torch.from_numpy(blob[None].astype(np.float64)).requires_grad_(True)
    v, A = keras_forward(x, convs, dense, layer, edit)
    cls = int(v[0].argmax()) if cls is None else cls
    v[0, cls].backward()
    return A[0].detach().numpy(), A.grad[0].numpy(), cls, v[0].detach().numpy()


def scorecam(blob, A, logits_of, cls):
    """pytorch-grad-cam's ScoreCAM from activations A (C, h, w): each channel upsampled
    (UpsamplingBilinear2d: corners aligned) to the input, min-max normalised, multiplies the
    input; softmax over channels of the class's logit on those inputs weights the channels."""
    import torch
    import torch.nn.functional as F
    a = torch.from_numpy(A[None])
    up = F.interpolate(a, size=blob.shape[1:], mode="bilinear", align_corners=True)
    flat = up.view(1, up.shape[1], -1)
    lo, hi = flat.min(dim=-1)[0][:, :, None, None], flat.max(dim=-1)[0][:, :, None, None]
    up = (up - lo) / (hi - lo + 1e-8)
    inputs = torch.from_numpy(blob[None].astype(np.float64))[:, None] * up[:, :, None]
    with torch.no_grad():
        scores = logits_of(inputs[0])[:, cls]
    w = torch.softmax(scores, dim=0).numpy()
    return np.maximum(np.einsum("c,chw->hw", w, A), 0)


def vgglike_onnx(path, seed, fc_scale=None, softmax_at_end=False, labels=None):
    """A VGG-like torch classifier (two conv blocks, Flatten, Linear/ReLU/Dropout/Linear, 10
    classes) seeded with SEED (the last Linear's weights times FC_SCALE: logits spread wider),
    exported to PATH (with a trailing Softmax when asked); LABELS: also write c0..c9 there.
    Returns the torch net (eval mode, without the Softmax)."""
    import torch
    import torch.nn as nn
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
        nn.Flatten(), nn.Sequential(nn.Linear(16 * 8 * 8, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10)))
    if fc_scale is not None:
        with torch.no_grad():
            net[2][3].weight.mul_(fc_scale)
    net.eval()
    exported = nn.Sequential(net, nn.Softmax(dim=1)).eval() if softmax_at_end else net
    torch.onnx.export(exported, torch.zeros(1, 3, 32, 32), path, input_names=["input"], output_names=["out"], opset_version=11)
    if labels:
        with open(labels, "w") as f:
            f.write("\n".join(f"c{i}" for i in range(10)) + "\n")
    return net


def residual_onnx(path, seed, labels=None):
    """A small residual classifier (stem conv/ReLU/max-pool, one basic block with BatchNorm and a
    skip connection, global average pooling, Linear, 10 classes), exported to PATH: OpenCV runs it,
    the backward engine cannot go through its Add. Returns the torch net (eval mode)."""
    import torch
    import torch.nn as nn

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1, self.bn1, self.relu = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()
            self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)

        def forward(self, x):
            return self.relu(x + self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)), Block(8),
                        nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)))
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2), m.running_var.uniform_(0.5, 1.5), m.weight.uniform_(0.5, 1.5)
    net.eval()
    torch.onnx.export(net, torch.zeros(1, 3, 32, 32), path, input_names=["input"], output_names=["out"], opset_version=11)
    if labels:
        with open(labels, "w") as f:
            f.write("\n".join(f"c{i}" for i in range(10)) + "\n")
    return net
