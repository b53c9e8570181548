"""The small with-top Keras-layout net of test_classify.py in torch (float64, batched), for the
tests of `cam` and `attribute`: activations and gradients at a layer, an edit of that layer's
output (ablation), and pytorch-grad-cam's definitions computed from them."""
import numpy as np

from test_classify import CONVS


def keras_forward(x, convs, dense, layer=None, edit=None):
    """Logits (N, classes) of the with-top net on a torch (N, 3, H, W) float64 batch, and the
    activation at LAYER (after `edit(activation)` when given, which may replace it)."""
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
