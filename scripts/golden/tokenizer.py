#!/usr/bin/env python3
"""Golden token ids for kvlab's BPETokenizer, from an independent reference: the Hugging Face `tokenizers`
library configured by hand with the test model's vocabulary and merges (read from the GGUF file).

Not transformers' GGUF converter: it ignores tokenizer.ggml.pre (so SmolLM2's individual digits come out
wrong). The reference is built the way SmolLM2's own tokenizer.json is configured: no normalizer; BPE with
no unknown token, no byte fallback, merges not ignored; pre-tokenizer Sequence[Digits(individual_digits=True),
ByteLevel(add_prefix_space=False, use_regex=True)]; ByteLevel decoder. The control tokens
(tokenizer.ggml.token_type 3) are added as special tokens for the parse_special cases only.

The same texts are also encoded with two other pre-tokenizers over the same vocabulary:
  gpt2     ByteLevel(add_prefix_space=False, use_regex=True) alone;
  default  llama.cpp's fallback chain, each step an isolating Split: [\\p{P}$+<=>^~|]+, the GPT-2 pattern,
           \\p{N}+, [0-9]{3}; then ByteLevel(use_regex=False).

Writes Tests/ModelsTests/Fixtures/tokenizer-golden.json. The Swift tests read only the JSON; they never run
Python. Re-run after changing the texts:

    pip install gguf tokenizers      # versions used are recorded in the fixture's "generator" block
    python3 scripts/golden/tokenizer.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
"""

import hashlib
import importlib.metadata
import json
import pathlib
import sys

import tokenizers
from gguf import GGUFReader
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "tokenizer-golden.json"
DEFAULT_MODEL = ROOT / ".models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog. In 1859, Charles Darwin published On the Origin of "
    "Species, which argued that populations evolve over generations through natural selection. It wasn't "
    "an instant success with everyone; critics asked how 3 or 4 small variations could add up to anything. "
    "Today, biologists measure mutation rates of roughly 1.2e-8 per base pair per generation, and they've "
    "sequenced genomes with more than 3,000,000,000 letters.\n\nStill, the central idea fits on one line."
)

# (text, lossless): lossless is false where the text holds bytes the vocabulary has no symbol for (they are
# dropped when encoding, so decoding cannot give them back).
TEXTS = [
    ("", True),
    ("1234567", True),
    ("3.14159 and 2024-12-07, 10:30am; 1,000,000 items at $4.99", True),
    ("Hello, world! How are you?", True),
    ("don't I'M we'll they've she'd it's you're O'Neil's 'quoted'", True),
    ("   leading spaces", True),
    ("trailing spaces   ", True),
    ("tabs\tand\t\ttabs\nnewlines\n\n\nand\r\nCRLF \n x", True),
    ("multiple    spaces   between  words", True),
    ("Café naïve résumé Ångström façade", True),
    ("e\u0301 combining: a\u0308 o\u0302\u0323 \u0301alone", True),
    ("日本語のテキスト 中文，标点。 한국어", True),
    ("Emoji: 😀👍🏽 🇺🇸 ❤️ 👨\u200d👩\u200d👧", True),
    ("Punctuation!!! ??? ... --- (parens) [brackets] {braces} <tags> 5 + 5 = 10 ^ ~ | `code` @#%&*", True),
    ("Unicode numbers: ① Ⅻ ½ ٣٤٥ x² 𝟘", True),
    ("whitespace:\u00a0nbsp\u2003em\u3000ideographic\u0085nel\u001fus\u000bvt", True),
    ("def f(x):\n    return x ** 2  # square\n", True),
    ("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", True),
    (PARAGRAPH, True),
    ("a\u0004b c\u0006d", False),
    # An emoji tag sequence (the flag of England): format characters from plane 14.
    ("flag \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F!", True),
    # U+40000 starts with the byte 0xF1, which SmolLM2's vocabulary lacks: that byte is dropped and the
    # remaining bytes of the word still merge with each other.
    ("x\U00040000y\U00040041", False),
]


def read_vocabulary(path):
    reader = GGUFReader(str(path))

    def field(key):
        return reader.fields[key]

    def strings(key):
        f = field(key)
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    def string(key):
        f = field(key)
        return bytes(f.parts[f.data[0]]).decode("utf-8")

    assert string("tokenizer.ggml.model") == "gpt2"
    assert string("tokenizer.ggml.pre") == "smollm"
    tokens = strings("tokenizer.ggml.tokens")
    merges = strings("tokenizer.ggml.merges")
    f = field("tokenizer.ggml.token_type")
    types = [int(f.parts[i][0]) for i in f.data]
    return tokens, merges, types


def reference(tokens, merges, types, pre, parse_special):
    vocab = {token: i for i, token in enumerate(tokens)}
    pairs = [tuple(m.split(" ")) for m in merges]
    assert all(len(p) == 2 for p in pairs)
    bpe = models.BPE(vocab=vocab, merges=pairs, unk_token=None, fuse_unk=False, byte_fallback=False,
                     ignore_merges=False)
    tk = Tokenizer(bpe)
    if pre == "smollm":
        tk.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ])
    elif pre == "gpt2":
        tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    elif pre == "default":
        tk.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"[\p{P}\$\+<=>\^~\|]+"), behavior="isolated"),
            pre_tokenizers.Split(Regex(GPT2_PATTERN), behavior="isolated"),
            pre_tokenizers.Split(Regex(r"\p{N}+"), behavior="isolated"),
            pre_tokenizers.Split(Regex(r"[0-9][0-9][0-9]"), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    else:
        raise ValueError(pre)
    tk.decoder = decoders.ByteLevel()
    if parse_special:
        specials = [AddedToken(tokens[i], special=True, normalized=False, lstrip=False, rstrip=False,
                               single_word=False) for i, t in enumerate(types) if t == 3]
        tk.add_special_tokens(specials)
        for i, t in enumerate(types):
            if t == 3:
                assert tk.token_to_id(tokens[i]) == i
    return tk


def main():
    model = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MODEL
    tokens, merges, types = read_vocabulary(model)
    cases = []
    for pre in ["smollm", "gpt2", "default"]:
        for parse_special in [False, True]:
            tk = reference(tokens, merges, types, pre, parse_special)
            for text, lossless in TEXTS:
                if parse_special and "<|" not in text:
                    continue
                ids = tk.encode(text, add_special_tokens=False).ids
                decoded = tk.decode(ids, skip_special_tokens=False)
                assert (decoded == text) == lossless, (pre, text, decoded)
                cases.append({"pre": pre, "parse_special": parse_special, "text": text, "lossless": lossless,
                              "ids": ids})
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    fixture = {
        "generator": {
            "script": "scripts/golden/tokenizer.py",
            "tokenizers": tokenizers.__version__,
            "gguf": importlib.metadata.version("gguf"),
            "model": model.name,
            "model_sha256": digest,
        },
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
