#!/usr/bin/env python3
"""Golden token ids for kvlab's SentencePieceTokenizer, from the reference implementation itself: the
`sentencepiece` library trains a tiny BPE model (byte fallback on, identity normalization, extra whitespace
kept, a dummy prefix space: the settings under which SentencePiece and llama.cpp's "llama" tokenizer agree)
and encodes a set of texts with it.

Writes Tests/ModelsTests/Fixtures/sentencepiece-golden.json: the vocabulary as a GGUF file would store it
(tokens, scores, token types in llama.cpp's numbering) and each text with its ids. The Swift tests read only
the JSON; they never run Python. Re-run after changing the corpus or the texts:

    pip install sentencepiece      # the version used is recorded in the fixture's "generator" block
    python3 scripts/golden/sentencepiece_tokenizer.py
"""

import importlib.metadata
import json
import pathlib
import tempfile

import sentencepiece as spm

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "ModelsTests" / "Fixtures" / "sentencepiece-golden.json"

CORPUS = (
    "The quick brown fox jumps over the lazy dog. Hello world, hello there!\n"
    "It's a small corpus for a tiny model: numbers 12345 and 3.14, words like running, jumped, quickly.\n"
    "Café naïve résumé. The the the, then there, these those. Tokenizers merge frequent pairs.\n"
) * 20

TEXTS = [
    "",
    "Hello world",
    "the quick brown fox",
    "theThe",
    "  two  leading spaces and trailing  ",
    "numbers 12345 and 3.14159",
    "Café naïve résumé",
    "日本語 and emoji 😀",
    "tabs\tand\nnewlines\n\n",
    "It's running, jumped, quickly!",
    "Tokenizers merge frequent pairs.",
]

# sentencepiece's piece kinds → llama.cpp token types (1 normal, 2 unknown, 3 control, 6 byte).
def token_type(sp, i):
    if sp.is_unknown(i):
        return 2
    if sp.is_control(i):
        return 3
    if sp.is_byte(i):
        return 6
    return 1


def main():
    with tempfile.TemporaryDirectory() as tmp:
        corpus = pathlib.Path(tmp) / "corpus.txt"
        corpus.write_text(CORPUS, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(pathlib.Path(tmp) / "tiny"), vocab_size=380, model_type="bpe",
            byte_fallback=True, normalization_rule_name="identity", remove_extra_whitespaces=False,
            character_coverage=1.0, add_dummy_prefix=True, unk_id=0, bos_id=1, eos_id=2, minloglevel=2)
        sp = spm.SentencePieceProcessor(model_file=str(pathlib.Path(tmp) / "tiny.model"))
    n = sp.get_piece_size()
    cases = []
    for text in TEXTS:
        ids = sp.encode(text)
        assert sp.decode(ids) == text, text
        cases.append({"text": text, "ids": ids})
    fixture = {
        "generator": {
            "script": "scripts/golden/sentencepiece_tokenizer.py",
            "sentencepiece": importlib.metadata.version("sentencepiece"),
        },
        "tokens": [sp.id_to_piece(i) for i in range(n)],
        "scores": [sp.get_score(i) for i in range(n)],
        "types": [token_type(sp, i) for i in range(n)],
        "bos": sp.bos_id(),
        "eos": sp.eos_id(),
        "unknown": sp.unk_id(),
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {n} tokens, {len(cases)} cases")


if __name__ == "__main__":
    main()
