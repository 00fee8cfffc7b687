#!/usr/bin/env python3
"""Golden dequantized values for kvlab's GGUF reader, from the Python `gguf` package (the reference
dequantizers that ship with llama.cpp, written in numpy).

1. Tests/ModelsTests/Fixtures/gguf-blocks.json: for each of F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K and Q6_K, two
   blocks of random bytes (seeded; the F16 scale fields replaced by random finite halves so that no value
   is NaN or infinite) and their dequantized values; and for F16, BF16, Q8_0, Q4_0 and Q4_1, 64 random
   floats (with a few exact ties and a zero block) and the bytes the package's quantizers (numpy ports of
   ggml's reference quantizers) make of them. Needs no model.
2. Tests/ModelsTests/Fixtures/gguf-dequant.json (when the test model is present): a few tensors of the
   offline test model (SmolLM2-135M-Instruct Q4_1 GGUF). Per tensor: its type and shape, the first 32
   values, the exactly rounded (math.fsum) float64 sum, sum of absolute values and sum of squares, and a
   position-weighted checksum of every value's float32 bit pattern, sum((i + 1) * bits(x_i)) mod 2^64,
   which changes if any single value differs by one ulp.

The Swift tests read only the JSON; they never run Python. Re-run when the test model changes:

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
from gguf import GGMLQuantizationType, GGUFReader
from gguf.quants import dequantize, quantize

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODEL = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "gguf-dequant.json"
BLOCKS_OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "gguf-blocks.json"

# Type name -> (bytes per block, byte offsets of F16 scale fields within a block).
BLOCK_TYPES = {
    "F16": (2, []),
    "BF16": (2, []),
    "Q8_0": (34, [0]),
    "Q4_0": (18, [0]),
    "Q4_1": (20, [0, 2]),
    "Q4_K": (144, [0, 2]),
    "Q6_K": (210, [208]),
}

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


def random_blocks() -> None:
    rng = np.random.default_rng(20261207)
    cases = []
    for name, (size, scale_offsets) in BLOCK_TYPES.items():
        qtype = GGMLQuantizationType[name]
        if name == "F16":
            raw = (rng.standard_normal(64) * 4).astype(np.float16).view(np.uint8)
        elif name == "BF16":
            raw = (rng.standard_normal(64).astype(np.float32) * 4).view(np.uint32)
            raw = (raw >> 16).astype(np.uint16).view(np.uint8)
        else:
            raw = rng.integers(0, 256, size=2 * size, dtype=np.uint8)
            for block in range(2):
                for offset in scale_offsets:
                    half = np.array([rng.uniform(-0.05, 0.05)], dtype=np.float16).view(np.uint8)
                    raw[block * size + offset : block * size + offset + 2] = half
        values = dequantize(raw, qtype).astype(np.float32).reshape(-1)
        assert np.isfinite(values).all()
        cases.append({"type": name, "bytes": bytes(raw).hex(), "values": [float(v) for v in values]})
        print(f"{name}: {len(values)} values from {raw.size} bytes")
    encodings = []
    for name in ["F16", "BF16", "Q8_0", "Q4_0", "Q4_1"]:
        values = (rng.standard_normal(64) * 3).astype(np.float32)
        values[5] = 1 + 2**-11  # an F16 tie
        values[6] = np.float32(np.uint32(0x3F808000).view(np.float32))  # a BF16 tie
        values[32:64] = 0  # a block of zeros: d = 0
        raw = quantize(values.reshape(1, -1), GGMLQuantizationType[name]).reshape(-1).view(np.uint8)
        encodings.append({"type": name, "values": [float(v) for v in values], "bytes": bytes(raw).hex()})
    fixture = {"generator": generator(), "cases": cases, "encodings": encodings}
    BLOCKS_OUT.parent.mkdir(parents=True, exist_ok=True)
    BLOCKS_OUT.write_text(json.dumps(fixture) + "\n")
    print(f"wrote {BLOCKS_OUT.relative_to(ROOT)}")


def generator() -> dict:
    return {
        "script": "scripts/golden/gguf_dequant.py",
        "gguf": importlib.metadata.version("gguf"),
        "numpy": np.__version__,
    }


def main() -> None:
    random_blocks()
    if not MODEL.exists():
        print(f"no model at {MODEL}; {OUT.relative_to(ROOT)} not rewritten")
        return
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
        "generator": generator(),
        "tensors": out,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
