#!/bin/sh
# Reproduces src/reader/digits/model.bin: TypeScript preprocessing -> PyTorch training -> export,
# then evaluates the exported model with the TypeScript reader. Run from anywhere.
set -e
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-/usr/bin/python3}"
node bin/run-ts.mjs training/digits/prepare.ts
"$PYTHON" training/digits/train.py "$@"
node bin/run-ts.mjs training/digits/evaluate.ts
