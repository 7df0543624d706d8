"""Trains the digit-box CNN on the tensors written by prepare.ts and exports src/reader/digits/model.bin.

    /usr/bin/python3 training/digits/train.py [--epochs N] [--arch NAME] [--aug STRENGTH]
        [--holdout-val] [--sources mnist,synth,eikona] [--dtype float16|float32]
        [--cache DIR] [--out FILE] [--device cpu|cuda] [--threads N]

Needs PyTorch (Debian: apt-get install python3-torch) and numpy; uses a CUDA GPU when there is one.
Seeds are fixed and every random number comes from CPU generators, so on the same machine and
torch build the result is the same (CPU and GPU differ only by floating-point rounding).

Model selection uses the validation split (training TPS in hash bucket 1, set realVal):
`--holdout-val` keeps it out of training and reports it each epoch. The final model (the default)
trains on it too. The held-out test TPS are scored once, at the end. `--sources mnist,synth`
leaves the real e-ikona crops out of training altogether (the cross-source model, scored by
`evaluate.ts --cross-source` on all of them). See training/digits/README.md.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from rkdg import DTYPES, write_rkdg

CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x']
X = 10
SETS = {'mnistTrain': 0, 'realTrain': 1, 'synthTrain': 2, 'realTest': 3, 'mnistTest': 4, 'realVal': 5}
# Where the training samples come from: MNIST train (plain or in a synthetic box), the synthetic
# boxes (X marks, empty boxes, segment digits), the real crops of the e-ikona data set.
SOURCES = ('mnist', 'synth', 'eikona')
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# Architectures: a list of conv blocks (channels; each block = conv 3x3 pad 1 [+ batch norm], ReLU,
# maxpool 2) then one hidden dense layer. Batch norm is folded into the conv at export, so the
# file only holds conv, relu, maxpool and dense layers.
ARCHS = {
    'small': {'convs': [16, 32], 'dense': 64, 'bn': False},  # the first model
    'wide3': {'convs': [24, 48, 64], 'dense': 128, 'bn': True},
    'wide3b': {'convs': [24, 48, 96], 'dense': 128, 'bn': True},
}


class Net(nn.Module):
    def __init__(self, arch, dropout):
        super().__init__()
        self.arch = arch
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        c, size = 1, 28
        for out in arch['convs']:
            self.convs.append(nn.Conv2d(c, out, 3, padding=1))
            self.bns.append(nn.BatchNorm2d(out) if arch['bn'] else nn.Identity())
            c, size = out, size // 2
        self.flat = c * size * size
        self.fc1 = nn.Linear(self.flat, arch['dense'])
        self.fc2 = nn.Linear(arch['dense'], len(CLASSES))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        for conv, bn in zip(self.convs, self.bns):
            x = F.max_pool2d(F.relu(bn(conv(x))), 2)
        x = x.flatten(1)
        x = self.drop(F.relu(self.fc1(x)))
        return self.fc2(x)

    def macs(self):
        total, size, c = 0, 28, 1
        for conv in self.convs:
            total += size * size * conv.in_channels * conv.out_channels * 9
            size //= 2
        return total + self.fc1.in_features * self.fc1.out_features + self.fc2.in_features * self.fc2.out_features


def shift(batch, gen):
    """Random translation by up to 2 pixels (zero fill), per sample (the first model's only augmentation)."""
    n = batch.shape[0]
    padded = F.pad(batch, (2, 2, 2, 2))
    dx = torch.randint(0, 5, (n,), generator=gen).tolist()
    dy = torch.randint(0, 5, (n,), generator=gen).tolist()
    out = torch.empty_like(batch)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


def augment(batch, gen, strength):
    """Mild random affine (rotation, scale, aspect, shear, translation), then sometimes thicker or
    thinner strokes or a blur: variation that survives preprocessBox's size normalisation, like the
    real crops' slant, stroke width and shape. Random numbers from the CPU generator `gen`."""
    n = batch.shape[0]
    dev = batch.device
    u = lambda lo, hi: (torch.rand(n, generator=gen) * (hi - lo) + lo)
    s = strength
    rot = u(-12, 12) * s * math.pi / 180
    scale = 1 + u(-0.12, 0.08) * s
    aspect = 1 + u(-0.12, 0.12) * s
    shear = u(-0.25, 0.25) * s
    tx = u(-2.5, 2.5) / 14  # pixels in normalised coordinates (28 px = 2)
    ty = u(-2.5, 2.5) / 14
    morph = torch.rand(n, generator=gen)
    blur = torch.rand(n, generator=gen)
    cos, sin = torch.cos(rot), torch.sin(rot)
    sx, sy = scale * aspect, scale / aspect
    # theta maps output coordinates to input coordinates: inverse of (rotate * shear * scale)
    a = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)  # n,2,2
    sh = torch.zeros(n, 2, 2)
    sh[:, 0, 0] = 1
    sh[:, 1, 1] = 1
    sh[:, 0, 1] = shear
    sc = torch.zeros(n, 2, 2)
    sc[:, 0, 0] = sx
    sc[:, 1, 1] = sy
    fwd = a @ sh @ sc
    inv = torch.linalg.inv(fwd)
    t = torch.stack([tx, ty], 1).unsqueeze(2)
    theta = torch.cat([inv, -inv @ t], 2).to(dev)
    grid = F.affine_grid(theta, batch.shape, align_corners=False)
    out = F.grid_sample(batch, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    # stroke width: 15% thicker (3x3 cross-ish max), 10% thinner (min); 10% light blur
    thick = F.max_pool2d(out, 3, stride=1, padding=1) * 0.5 + out * 0.5
    thick = torch.maximum(thick, out)
    thin = -F.max_pool2d(-out, 2, stride=1, padding=0)
    thin = F.pad(thin, (0, 1, 0, 1))
    thin = torch.minimum(out, 0.5 * out + 0.5 * thin)
    k = torch.tensor([1.0, 2.0, 1.0], device=dev)
    k = (k[:, None] * k[None, :] / 16).view(1, 1, 3, 3)
    blurred = F.conv2d(out, k, padding=1)
    m = morph.to(dev).view(n, 1, 1, 1)
    b = blur.to(dev).view(n, 1, 1, 1)
    out = torch.where(m < 0.15 * s, thick, torch.where(m > 1 - 0.10 * s, thin, out))
    out = torch.where(b < 0.10 * s, blurred, out)
    return out.clamp(0, 1)


def evaluate(net, x, y=None):
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 4096):
            out.append(F.softmax(net(x[i:i + 4096]), 1))
    return torch.cat(out) if out else torch.empty(0, len(CLASSES))


def acc(probs, y):
    return (probs.argmax(1) == y).float().mean().item() * 100 if len(y) else float('nan')


def folded(net):
    """(weight, bias) per conv with eval-mode batch norm folded in."""
    out = []
    for conv, bn in zip(net.convs, net.bns):
        w, b = conv.weight.detach(), conv.bias.detach()
        if isinstance(bn, nn.BatchNorm2d):
            scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            w = w * scale.view(-1, 1, 1, 1)
            b = (b - bn.running_mean) * scale + bn.bias.detach()
        out.append((w, b))
    return out


def export(net, path, dtype='float16'):
    """RKDG format (see rkdg.py): weights in dtype, float16 by default (half the file; the
    committed model's figures moved by at most one crop, see the README)."""
    blobs = []
    offset = 0

    def add(t):
        nonlocal offset
        a = t.detach().cpu().numpy().astype(np.float32).ravel()
        blobs.append(a)
        ref = {'offset': offset, 'length': int(a.size)}
        offset += int(a.size)
        return ref

    layers = []
    for conv, (w, b) in zip(net.convs, folded(net)):
        layers += [{'type': 'conv', 'in': conv.in_channels, 'out': conv.out_channels, 'kernel': 3, 'pad': 1,
                    'weights': add(w), 'bias': add(b)},
                   {'type': 'relu'}, {'type': 'maxpool', 'size': 2}]
    layers += [
        {'type': 'dense', 'in': net.fc1.in_features, 'out': net.fc1.out_features,
         'weights': add(net.fc1.weight), 'bias': add(net.fc1.bias)},
        {'type': 'relu'},
        {'type': 'dense', 'in': net.fc2.in_features, 'out': len(CLASSES),
         'weights': add(net.fc2.weight), 'bias': add(net.fc2.bias)},
    ]
    header = {'format': 'rekap-digits', 'version': 1, 'classes': CLASSES, 'input': [1, 28, 28], 'layers': layers}
    write_rkdg(path, header, np.concatenate(blobs), dtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=20)
    ap.add_argument('--arch', default='wide3', choices=sorted(ARCHS))
    ap.add_argument('--aug', type=float, default=1.5, help='augmentation strength; 0 = shifts only (the first model)')
    ap.add_argument('--dropout', type=float, default=0.3)
    ap.add_argument('--lr', type=float, default=3e-3, help='one-cycle peak learning rate')
    ap.add_argument('--cache', default=os.path.join(ROOT, 'training/digits/.cache'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'src/reader/digits/model.bin'))
    ap.add_argument('--real-weight', type=int, default=3, help='times each real train crop is seen per epoch')
    ap.add_argument('--holdout-val', action='store_true', help='keep the validation TPS out of training (model selection)')
    ap.add_argument('--label-smoothing', type=float, default=0.05)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--log', default='', help='append a JSON summary line to this file')
    ap.add_argument('--sources', default=','.join(SOURCES),
                    help='comma-separated training sources of ' + ', '.join(SOURCES) +
                    '; without eikona no real crop is trained on (the cross-source model)')
    ap.add_argument('--dtype', default='float16', choices=sorted(DTYPES), help='weight format of the exported file')
    args = ap.parse_args()
    sources = [s for s in args.sources.split(',') if s]
    if not sources or any(s not in SOURCES for s in sources):
        ap.error(f'--sources: a comma-separated list of {", ".join(SOURCES)}')
    if args.holdout_val and 'eikona' not in sources:
        ap.error('--holdout-val needs the eikona source (it holds real crops out of training)')

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads or max(1, os.cpu_count() or 1))
    if args.device == 'cuda':
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    dev = torch.device(args.device)
    gen = torch.Generator().manual_seed(args.seed + 1)

    raw = np.fromfile(os.path.join(args.cache, 'data.bin'), dtype=np.uint8).reshape(-1, 786)
    images = torch.from_numpy(raw[:, :784].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28).to(dev)
    labels = torch.from_numpy(raw[:, 784].astype(np.int64)).to(dev)
    sets = raw[:, 785]
    pick = lambda *names: torch.from_numpy(np.where(np.isin(sets, [SETS[n] for n in names]))[0])
    eikona = 'eikona' in sources
    real_train = pick() if not eikona else pick('realTrain') if args.holdout_val else pick('realTrain', 'realVal')
    real_val = pick('realVal') if args.holdout_val else pick()
    base = [n for n, s in (('mnistTrain', 'mnist'), ('synthTrain', 'synth')) if s in sources]
    train_idx = torch.cat([pick(*base)] + [real_train] * args.real_weight)
    real_test = pick('realTest')
    # Not trained on the e-ikona source: every one of its crops is unseen, all are scored.
    real_unseen = pick() if eikona else pick('realTrain', 'realVal', 'realTest')
    mnist_test = pick('mnistTest')
    print(f'{args}\ntrain samples/epoch {len(train_idx)} (real {len(real_train)} x{args.real_weight}); '
          f'real val {len(real_val)}; real test {len(real_test)}; mnist test {len(mnist_test)}', flush=True)

    torch.manual_seed(args.seed)
    net = Net(ARCHS[args.arch], args.dropout).to(dev)
    print(f'arch {args.arch}: {sum(p.numel() for p in net.parameters())} parameters, {net.macs()} multiply-adds', flush=True)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr / 1.5)
    steps = args.epochs * ((len(train_idx) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    t0 = time.time()
    history = []
    for epoch in range(args.epochs):
        net.train()
        order = train_idx[torch.randperm(len(train_idx), generator=gen)]
        total = 0.0
        for i in range(0, len(order), 128):
            b = order[i:i + 128]
            x = images[b.to(dev)]
            x = augment(x, gen, args.aug) if args.aug > 0 else shift(x, gen)
            loss = F.cross_entropy(net(x), labels[b.to(dev)], label_smoothing=args.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        report = [f'epoch {epoch + 1}: loss {total / len(order):.4f}', f'{time.time() - t0:.0f} s']
        if len(real_val):
            v = acc(evaluate(net, images[real_val.to(dev)]), labels[real_val.to(dev)])
            history.append(v)
            report.append(f'real val {v:.2f}%')
        print(', '.join(report), flush=True)
        export(net, args.out, args.dtype)  # after every epoch, so an interrupted run still leaves a model

    summary = {'args': vars(args), 'val_per_epoch': history, 'seconds': round(time.time() - t0)}
    mp = evaluate(net, images[mnist_test.to(dev)])
    summary['mnist_test'] = acc(mp, labels[mnist_test.to(dev)])
    print(f'mnist test {summary["mnist_test"]:.2f}%')
    def score_real(idx, key, what):
        """Per box and x vs 0 on a set of real crops, into summary[key] and summary[key + '_x_vs_0']."""
        y = labels[idx.to(dev)]
        probs = evaluate(net, images[idx.to(dev)])
        summary[key] = acc(probs, y)
        zx = (y == 0) | (y == X)
        summary[key + '_x_vs_0'] = acc(probs[zx], y[zx])
        print(f'{what}: {summary[key]:.2f}% of {len(y)}, x vs 0 {summary[key + "_x_vs_0"]:.2f}% of {int(zx.sum())}')

    if len(real_val):
        score_real(real_val, 'val', 'real val')
    if len(real_unseen):
        # The cross-source figure on the byte-quantised cache (evaluate.ts --cross-source is the
        # reference: TypeScript reader, the exported file); scored once, at the end.
        score_real(real_unseen, 'eikona_all', 'all e-ikona crops (source not trained on)')
    if len(real_test) and eikona and not args.holdout_val:
        # The held-out test TPS: scored only for the final model (not in selection runs), once.
        y = labels[real_test.to(dev)]
        probs = evaluate(net, images[real_test.to(dev)])
        p = probs.argmax(1)
        summary['test'] = acc(probs, y)
        conf = np.zeros((11, 11), dtype=int)
        for a, b in zip(y.tolist(), p.tolist()):
            conf[a, b] += 1
        print(f'real test {summary["test"]:.2f}%; confusion (rows true, cols predicted, 0-9 then x):')
        print(conf)
        zx = (y == 0) | (y == X)
        print(f'real test x vs 0: {acc(probs[zx], y[zx]):.2f}% of {int(zx.sum())}')
        wrong = [i for i in range(len(y)) if p[i] != y[i]]
        with open(os.path.join(args.cache, 'real-test-errors.json'), 'w') as f:
            json.dump([{'index': int(real_test[i]), 'true': CLASSES[y[i]], 'pred': CLASSES[p[i]]} for i in wrong], f)
    export(net, args.out, args.dtype)
    print(f'wrote {args.out} ({os.path.getsize(args.out)} bytes) after {time.time() - t0:.0f} s', flush=True)
    if args.log:
        with open(args.log, 'a') as f:
            f.write(json.dumps(summary) + '\n')


if __name__ == '__main__':
    main()
