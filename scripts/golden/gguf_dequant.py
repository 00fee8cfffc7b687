#!/usr/bin/env python3
"""Golden dequantized values of the offline test model (SmolLM2-135M-Instruct Q4_1 GGUF), for kvlab's GGUF reader.

Dequantizes a few tensors of the real model with the Python `gguf` package (the reference dequantizers
that ship with llama.cpp, written in numpy) and records, per tensor: its type and shape, the first 32
values, the exactly rounded (math.fsum) float64 sum, sum of absolute values and sum of squares, and a
position-weighted checksum of every value's float32 bit pattern, sum((i + 1) * bits(x_i)) mod 2^64, which
changes if any single value differs by one ulp.

Writes Tests/ModelsTests/Fixtures/gguf-dequant.json. The Swift tests read only the JSON; they never run
Python. Re-run when the test model changes:

    pip install gguf numpy        # the versions used are recorded in the fixture's "generator" block
    python3 scripts/golden/gguf_dequant.py [MODEL.gguf]
"""

import hashlib
import importlib.metadata
import json
import math
import pathlib
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODEL = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "gguf-dequant.json"

# One Q8_0 (the token embedding), Q4_1 matrices of the first and last blocks, F32 norms.
NAMES = [
    "token_embd.weight",
    "blk.0.attn_q.weight",
    "blk.29.ffn_down.weight",
    "blk.0.attn_norm.weight",
    "output_norm.weight",
]


def checksum(values: np.ndarray) -> int:
    bits = values.astype(np.float32).reshape(-1).view(np.uint32).astype(np.uint64)
    weights = np.arange(1, bits.size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return int((bits * weights).sum(dtype=np.uint64))


def main() -> None:
    sha = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    reader = GGUFReader(str(MODEL))
    tensors = {t.name: t for t in reader.tensors}
    out = []
    for name in NAMES:
        t = tensors[name]
        values = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        as_double = [float(v) for v in values]
        out.append(
            {
                "name": name,
                "type": t.tensor_type.name,
                "dimensions": [int(d) for d in t.shape],
                "first": as_double[:32],
                "sum": math.fsum(as_double),
                "sum_abs": math.fsum(abs(v) for v in as_double),
                "sum_squares": math.fsum(v * v for v in as_double),
                "bit_checksum": str(checksum(values)),
            }
        )
        print(f"{name}: {t.tensor_type.name} {list(t.shape)} sum={out[-1]['sum']!r}")
    fixture = {
        "model_sha256": sha,
        "generator": {
            "script": "scripts/golden/gguf_dequant.py",
            "gguf": importlib.metadata.version("gguf"),
            "numpy": np.__version__,
        },
        "tensors": out,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
