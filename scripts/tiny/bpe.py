"""Learn a small byte-level BPE from the tiny model's captions and write tokenizer.json
in the same layout as CLIP's Hugging Face tokenizer.json.

Vocab order follows CLIP: the 256 byte symbols, the same with `</w>`, one token per merge,
then <|startoftext|> and <|endoftext|>.

usage: /usr/bin/python3 scripts/tiny/bpe.py models/tiny/tokenizer.json
"""
import collections
import itertools
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (COLOURS, SHAPES, SIZE_WORDS, BG_WORDS, LABEL_TEMPLATE,  # noqa: E402
                    all_template_strings, bytes_to_unicode, pre_tokenize, Tokenizer)


def corpus_words():
    """Word frequencies over every caption the generator can produce (plus the labels)."""
    counts = collections.Counter()
    for t in all_template_strings() + [LABEL_TEMPLATE.replace("{colour}", "{c}").replace("{shape}", "{s}")]:
        for c, s, z, b in itertools.product(COLOURS, SHAPES, SIZE_WORDS, BG_WORDS):
            for w in pre_tokenize(t.format(c=c, s=s, z=z, b=b)):
                counts[w] += 1
    return counts


def train_bpe(word_counts, max_merges=1000):
    b2u = bytes_to_unicode()
    words = {}
    for w, n in word_counts.items():
        u = "".join(b2u[b] for b in w.encode("utf-8"))
        words[tuple(u[:-1]) + (u[-1] + "</w>",)] = n
    merges = []
    while len(merges) < max_merges:
        pairs = collections.Counter()
        for sym, n in words.items():
            for p in zip(sym[:-1], sym[1:]):
                pairs[p] += n
        if not pairs:
            break
        # most frequent pair; ties broken lexicographically so the result is deterministic
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        new_words = {}
        for sym, n in words.items():
            out = []
            i = 0
            while i < len(sym):
                if i < len(sym) - 1 and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + n
        words = new_words
    return merges


def build_tokenizer_json(merges):
    b2u = bytes_to_unicode()
    symbols = list(b2u.values())
    vocab_list = symbols + [s + "</w>" for s in symbols]
    for a, b in merges:
        tok = a + b
        if tok not in vocab_list:
            vocab_list.append(tok)
    start_id = len(vocab_list)
    end_id = start_id + 1
    vocab_list += ["<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(vocab_list)}
    split = ("<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|"
             "[^\\s\\p{L}\\p{N}]+")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": start_id, "content": "<|startoftext|>", "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": True, "special": True},
            {"id": end_id, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": False, "special": True},
        ],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": split}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", end_id],
                           "cls": ["<|startoftext|>", start_id], "trim_offsets": False,
                           "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>",
                  "continuing_subword_prefix": "", "end_of_word_suffix": "</w>",
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "models/tiny/tokenizer.json"
    counts = corpus_words()
    merges = train_bpe(counts)
    tj = build_tokenizer_json(merges)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    tok = Tokenizer(out)
    # every corpus word must come out as a single token
    for w in counts:
        ids = tok.encode(w)
        assert len(ids) == 3, (w, ids)
    print(f"{len(counts)} words, {len(merges)} merges, vocab {len(tj['model']['vocab'])} -> {out}")
    print(tok.encode("a photo of a red circle"), tok.encode("A  Photo of a purple STAR!"))


if __name__ == "__main__":
    main()
