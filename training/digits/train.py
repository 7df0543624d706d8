"""Trains the digit-box CNN on the tensors written by prepare.ts and exports src/reader/digits/model.bin.

    /usr/bin/python3 training/digits/train.py [--epochs N] [--cache DIR] [--out FILE]

Needs PyTorch (Debian: apt-get install python3-torch) and numpy. Seeds are fixed; on the same
machine and torch build the result is the same. See training/digits/README.md.
"""
import argparse
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x']
X = 10
SETS = {'mnistTrain': 0, 'realTrain': 1, 'synthTrain': 2, 'realTest': 3, 'mnistTest': 4}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, len(CLASSES))
        self.drop = nn.Dropout(0.25)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = self.drop(F.relu(self.fc1(x)))
        return self.fc2(x)


def shift(batch, gen):
    """Random translation by up to 2 pixels (zero fill), per sample."""
    n = batch.shape[0]
    padded = F.pad(batch, (2, 2, 2, 2))
    dx = torch.randint(0, 5, (n,), generator=gen)
    dy = torch.randint(0, 5, (n,), generator=gen)
    out = torch.empty_like(batch)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


def evaluate(net, x, y):
    net.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, len(x), 2048):
            preds.append(net(x[i:i + 2048]).argmax(1))
    return torch.cat(preds) if preds else torch.empty(0, dtype=torch.long)


def export(net, path):
    """RKDG format: magic, u32 header length, JSON header, pad to 4, float32 LE data."""
    blobs = []
    offset = 0

    def add(t):
        nonlocal offset
        a = t.detach().cpu().numpy().astype('<f4').ravel()
        blobs.append(a)
        ref = {'offset': offset, 'length': int(a.size)}
        offset += int(a.size)
        return ref

    layers = [
        {'type': 'conv', 'in': 1, 'out': 16, 'kernel': 3, 'pad': 1,
         'weights': add(net.conv1.weight), 'bias': add(net.conv1.bias)},
        {'type': 'relu'}, {'type': 'maxpool', 'size': 2},
        {'type': 'conv', 'in': 16, 'out': 32, 'kernel': 3, 'pad': 1,
         'weights': add(net.conv2.weight), 'bias': add(net.conv2.bias)},
        {'type': 'relu'}, {'type': 'maxpool', 'size': 2},
        {'type': 'dense', 'in': 32 * 7 * 7, 'out': 64, 'weights': add(net.fc1.weight), 'bias': add(net.fc1.bias)},
        {'type': 'relu'},
        {'type': 'dense', 'in': 64, 'out': len(CLASSES), 'weights': add(net.fc2.weight), 'bias': add(net.fc2.bias)},
    ]
    header = json.dumps({'format': 'rekap-digits', 'version': 1, 'classes': CLASSES,
                         'input': [1, 28, 28], 'layers': layers}).encode()
    pad = (-(8 + len(header))) % 4
    with open(path, 'wb') as f:
        f.write(b'RKDG')
        f.write(struct.pack('<I', len(header) + pad))
        f.write(header + b' ' * pad)
        for a in blobs:
            f.write(a.tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=6)
    ap.add_argument('--cache', default=os.path.join(ROOT, 'training/digits/.cache'))
    ap.add_argument('--out', default=os.path.join(ROOT, 'src/reader/digits/model.bin'))
    ap.add_argument('--real-weight', type=int, default=3, help='times each real train crop is seen per epoch')
    args = ap.parse_args()

    torch.manual_seed(1)
    np.random.seed(1)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    gen = torch.Generator().manual_seed(2)

    raw = np.fromfile(os.path.join(args.cache, 'data.bin'), dtype=np.uint8).reshape(-1, 786)
    images = torch.from_numpy(raw[:, :784].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    labels = torch.from_numpy(raw[:, 784].astype(np.int64))
    sets = raw[:, 785]
    pick = lambda *names: torch.from_numpy(np.where(np.isin(sets, [SETS[n] for n in names]))[0])
    real_train = pick('realTrain')
    train_idx = torch.cat([pick('mnistTrain', 'synthTrain')] + [real_train] * args.real_weight)
    real_test = pick('realTest')
    mnist_test = pick('mnistTest')
    print(f'train samples/epoch {len(train_idx)}; real test {len(real_test)}; mnist test {len(mnist_test)}')

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    steps = args.epochs * ((len(train_idx) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    t0 = time.time()
    for epoch in range(args.epochs):
        net.train()
        order = train_idx[torch.randperm(len(train_idx), generator=gen)]
        total = 0.0
        for i in range(0, len(order), 128):
            b = order[i:i + 128]
            x = shift(images[b], gen)
            loss = F.cross_entropy(net(x), labels[b], label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        report = [f'epoch {epoch + 1}: loss {total / len(order):.4f}', f'{time.time() - t0:.0f} s']
        if len(real_test):
            p = evaluate(net, images[real_test], labels[real_test])
            report.append(f'real test {(p == labels[real_test]).float().mean().item() * 100:.2f}%')
        p = evaluate(net, images[mnist_test], labels[mnist_test])
        report.append(f'mnist test {(p == labels[mnist_test]).float().mean().item() * 100:.2f}%')
        print(', '.join(report), flush=True)
        export(net, args.out)  # after every epoch, so an interrupted run still leaves a model

    if len(real_test):
        y = labels[real_test]
        p = evaluate(net, images[real_test], y)
        conf = np.zeros((11, 11), dtype=int)
        for a, b in zip(y.tolist(), p.tolist()):
            conf[a, b] += 1
        print('real test confusion (rows true, cols predicted, 0-9 then x):')
        print(conf)
        zx = (y == 0) | (y == X)
        print(f'real test x vs 0: {(p[zx] == y[zx]).float().mean().item() * 100:.2f}% of {int(zx.sum())}')
        wrong = [i for i in range(len(y)) if p[i] != y[i]]
        with open(os.path.join(args.cache, 'real-test-errors.json'), 'w') as f:
            json.dump([{'index': int(real_test[i]), 'true': CLASSES[y[i]], 'pred': CLASSES[p[i]]} for i in wrong], f)
    export(net, args.out)
    print(f'wrote {args.out} ({os.path.getsize(args.out)} bytes) after {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main()
