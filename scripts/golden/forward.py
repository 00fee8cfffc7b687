#!/usr/bin/env python3
"""Golden values for kvlab's Llama forward pass (Tests/ModelsTests/LlamaRealModelTests.swift).

An independent implementation: the `gguf` package reads and dequantizes the offline test model
(SmolLM2-135M-Instruct, Q4_1), and numpy runs the Llama forward pass in float64 the way llama.cpp does,
with interleaved RoPE on the GGUF-order query/key rows (kvlab un-permutes those rows and uses
rotate-half RoPE instead). For a fixed English sentence's token ids it writes, to
`Tests/ModelsTests/Fixtures/forward-golden.json`, the negative log-likelihood of every next token and the
top-5 logits at a few positions. The Swift tests never run Python.

    pip install gguf numpy
    python3 scripts/golden/forward.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
"""

import json
import pathlib
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODEL = ROOT / ".models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "forward-golden.json"

SENTENCE = (
    "The history of the city began in the early years of the last century, when a small group of farmers"
    " decided to build a school and a church near the river."
)
# The sentence's words as single vocabulary entries ("Ġ" = a leading space), checked against the file.
TOKENS = [
    504, 1463, 282, 260, 2240, 2585, 281, 260, 1584, 929, 282, 260, 1596, 2070, 28, 645, 253,
    1165, 1528, 282, 5283, 4041, 288, 1235, 253, 1125, 284, 253, 4538, 2141, 260, 4626, 30,
]
TOP_POSITIONS = [0, 8, 16, 32]


def scalar(reader, key):
    field = reader.fields[key]
    return field.parts[field.data[0]][0]


def main():
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else MODEL
    reader = GGUFReader(str(path))
    vocab_field = reader.fields["tokenizer.ggml.tokens"]
    vocab = [bytes(vocab_field.parts[i]).decode("utf-8") for i in vocab_field.data]
    assert "".join(vocab[t] for t in TOKENS).replace("Ġ", " ") == SENTENCE

    tensors = {t.name: t for t in reader.tensors}

    def weight(name):
        t = tensors[name]
        # ggml dims [ne0, ne1] (ne0 innermost) are numpy shape (ne1, ne0): a linear layer's (out, in).
        values = dequantize(t.data, t.tensor_type).astype(np.float64)
        return values.reshape([int(n) for n in reversed(t.shape)])

    layers = int(scalar(reader, "llama.block_count"))
    heads = int(scalar(reader, "llama.attention.head_count"))
    kv_heads = int(scalar(reader, "llama.attention.head_count_kv"))
    d_model = int(scalar(reader, "llama.embedding_length"))
    base = float(scalar(reader, "llama.rope.freq_base"))
    eps = float(scalar(reader, "llama.attention.layer_norm_rms_epsilon"))
    hd = d_model // heads
    group = heads // kv_heads
    n = len(TOKENS)

    def rms_norm(x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    # llama.cpp's RoPE: pairs (2i, 2i+1) of each head rotate by position · base^(−2i/hd).
    freqs = base ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
    angles = np.arange(n, dtype=np.float64)[:, None] * freqs[None, :]
    cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]

    def rope(x):  # x: (n, heads, hd)
        even, odd = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = even * cos - odd * sin
        out[..., 1::2] = odd * cos + even * sin
        return out

    embedding = weight("token_embd.weight")
    output = weight("output.weight") if "output.weight" in tensors else embedding
    h = embedding[TOKENS]
    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for layer in range(layers):
        p = f"blk.{layer}."
        x = rms_norm(h, weight(p + "attn_norm.weight"))
        q = rope((x @ weight(p + "attn_q.weight").T).reshape(n, heads, hd))
        k = rope((x @ weight(p + "attn_k.weight").T).reshape(n, kv_heads, hd))
        v = (x @ weight(p + "attn_v.weight").T).reshape(n, kv_heads, hd)
        attended = np.empty((n, heads, hd))
        for j in range(heads):
            scores = q[:, j, :] @ k[:, j // group, :].T / np.sqrt(hd) + mask
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            attended[:, j, :] = (scores / scores.sum(axis=1, keepdims=True)) @ v[:, j // group, :]
        h = h + attended.reshape(n, heads * hd) @ weight(p + "attn_output.weight").T
        x = rms_norm(h, weight(p + "ffn_norm.weight"))
        gate = x @ weight(p + "ffn_gate.weight").T
        up = x @ weight(p + "ffn_up.weight").T
        h = h + (gate / (1 + np.exp(-gate)) * up) @ weight(p + "ffn_down.weight").T
    logits = rms_norm(h, weight("output_norm.weight")) @ output.T
    m = logits.max(axis=1, keepdims=True)
    log_probs = logits - (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))
    nll = [-float(log_probs[t, TOKENS[t + 1]]) for t in range(n - 1)]
    top = []
    for t in TOP_POSITIONS:
        order = np.argsort(-logits[t], kind="stable")[:5]
        top.append({"position": t, "tokens": [int(i) for i in order], "logits": [float(logits[t, i]) for i in order]})

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "model": path.name,
                "sentence": SENTENCE,
                "tokens": TOKENS,
                "nll": nll,
                "meanNLL": float(np.mean(nll)),
                "top5": top,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}: mean NLL {np.mean(nll):.4f}, perplexity {np.exp(np.mean(nll)):.2f}")


if __name__ == "__main__":
    main()
