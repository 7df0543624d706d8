"""The RKDG model file (read by parseModel in src/reader/digits/model.ts), numpy only.

    "RKDG", u32 LE header length (padded with spaces to a multiple of 4), JSON header
    {format, version, dtype, classes, input, layers}, then the weights, little-endian, in the
    header's dtype: float16 (the default since 2026-12) or float32 (files without dtype).

Each weighted layer names {offset, length} counted in weights, not bytes.

    /usr/bin/python3 training/digits/rkdg.py IN OUT [--dtype float16|float32]

rewrites a model file in another dtype (how the committed float32 model became float16).
"""
import argparse
import json
import struct

import numpy as np

DTYPES = {'float32': '<f4', 'float16': '<f2'}


def write_rkdg(path, header, weights, dtype='float16'):
    """header: the JSON header without dtype; weights: one float array holding every tensor,
    at the offsets the header's layers name."""
    if dtype not in DTYPES:
        raise ValueError(f'unknown dtype {dtype}')
    data = np.asarray(weights, dtype=np.float32).astype(DTYPES[dtype])
    if dtype == 'float16' and not np.all(np.isfinite(data)):
        raise ValueError('a weight is out of float16 range')
    text = json.dumps({**header, 'dtype': dtype}).encode()
    pad = (-(8 + len(text))) % 4
    with open(path, 'wb') as f:
        f.write(b'RKDG')
        f.write(struct.pack('<I', len(text) + pad))
        f.write(text + b' ' * pad)
        f.write(data.tobytes())


def read_rkdg(path):
    """(header without dtype, float32 weights, dtype it was stored in)."""
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:4] != b'RKDG':
        raise ValueError(f'{path}: not an RKDG file')
    (length,) = struct.unpack('<I', raw[4:8])
    header = json.loads(raw[8:8 + length])
    dtype = header.pop('dtype', 'float32')
    if dtype not in DTYPES:
        raise ValueError(f'{path}: unknown dtype {dtype}')
    weights = np.frombuffer(raw[8 + length:], dtype=DTYPES[dtype]).astype(np.float32)
    return header, weights, dtype


def main():
    ap = argparse.ArgumentParser(description='Rewrite an RKDG model file in another weight dtype.')
    ap.add_argument('src')
    ap.add_argument('dst')
    ap.add_argument('--dtype', default='float16', choices=sorted(DTYPES))
    args = ap.parse_args()
    header, weights, was = read_rkdg(args.src)
    write_rkdg(args.dst, header, weights, args.dtype)
    back = read_rkdg(args.dst)[1]
    err = np.abs(back - weights)
    rel = err / np.maximum(np.abs(weights), 1e-30)
    print(f'{args.src} ({was}) -> {args.dst} ({args.dtype}): {weights.size} weights, '
          f'max |w| {np.abs(weights).max():.4g}, max abs error {err.max():.3g}, '
          f'max relative error of normal values {rel[np.abs(weights) >= 2 ** -14].max():.3g}')


if __name__ == '__main__':
    main()
