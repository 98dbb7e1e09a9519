"""Shared definitions for the tiny CLIP: label space, held-out pairs, caption templates,
and a CLIP-compatible byte-level BPE tokenizer (encode side).

The tokenizer here reproduces CLIP's rules (lowercase, whitespace collapse, CLIP's split
pattern, bytes_to_unicode, `</w>` word ends, rank-ordered merges) so that the ids used in
training are exactly the ids the project's C++ tokenizer produces from tokenizer.json.
"""
import json
import re

COLOURS = ["red", "green", "blue", "yellow", "orange", "purple", "black", "white"]
SHAPES = ["circle", "square", "triangle", "star", "cross", "hexagon"]

# (colour, shape) pairs never shown in training. Every colour is held out exactly once and
# every shape at most twice, so each word still appears in training with other partners.
HELD_OUT = [
    ("purple", "star"),
    ("red", "hexagon"),
    ("green", "cross"),
    ("blue", "triangle"),
    ("yellow", "circle"),
    ("orange", "square"),
    ("black", "hexagon"),
    ("white", "triangle"),
]
ALL_PAIRS = [(c, s) for c in COLOURS for s in SHAPES]
SEEN_PAIRS = [p for p in ALL_PAIRS if p not in HELD_OUT]

LABEL_TEMPLATE = "a photo of a {colour} {shape}"

# Full captions: {c} colour, {s} shape, {z} size word (small/large), {b} background word.
TEMPLATES_FULL = [
    "a photo of a {c} {s}",
    "a {c} {s}",
    "a picture of a {c} {s}",
    "a drawing of a {c} {s}",
    "an image of a {c} {s}",
    "a {c} {s} shape",
    "the {c} {s}",
    "a rendering of a {c} {s}",
    "a photo of the {c} {s}",
    "a simple drawing of a {c} {s}",
]
TEMPLATES_SIZE = [
    "a photo of a {z} {c} {s}",
    "a {z} {c} {s}",
    "a drawing of a {z} {c} {s}",
]
TEMPLATES_BG = [
    "a {c} {s} on a {b} background",
    "a photo of a {c} {s} on a {b} background",
    "a drawing of a {z} {c} {s} on a {b} background",
]
# Partial captions (only colour or only shape); the loss treats every image they fit as a match.
TEMPLATES_COLOUR_ONLY = ["a photo of a {c} shape", "a {c} object", "something {c}"]
TEMPLATES_SHAPE_ONLY = ["a photo of a {s}", "a {s}", "a drawing of a {s}"]

SIZE_WORDS = ["small", "large"]
BG_WORDS = ["grey", "light", "dark", "textured", "noisy", "plain"]


def all_template_strings():
    return (TEMPLATES_FULL + TEMPLATES_SIZE + TEMPLATES_BG + TEMPLATES_COLOUR_ONLY
            + TEMPLATES_SHAPE_ONLY)


# ---------------------------------------------------------------- CLIP-style tokenizer

def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1))
          + list(range(ord("\xae"), ord("\xff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


# CLIP's pattern restricted to what Python's `re` can express; identical for ASCII text.
PAT = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+""",
                 re.IGNORECASE)


def pre_tokenize(text):
    text = re.sub(r"\s+", " ", text).strip().lower()
    return PAT.findall(text)


def get_pairs(word):
    return set(zip(word[:-1], word[1:]))


def bpe_word(token, ranks):
    """CLIP's bpe(): token is a byte-unicode string; returns the list of sub-tokens."""
    word = tuple(token[:-1]) + (token[-1] + "</w>",)
    pairs = get_pairs(word)
    if not pairs:
        return [token + "</w>"]
    while True:
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new_word = []
        i = 0
        while i < len(word):
            try:
                j = word.index(first, i)
            except ValueError:
                new_word.extend(word[i:])
                break
            new_word.extend(word[i:j])
            i = j
            if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
        if len(word) == 1:
            break
        pairs = get_pairs(word)
    return list(word)


class Tokenizer:
    def __init__(self, path):
        d = json.load(open(path, encoding="utf-8"))
        self.vocab = d["model"]["vocab"]
        merges = d["model"]["merges"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in merges]
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.b2u = bytes_to_unicode()
        self.start_id = self.vocab["<|startoftext|>"]
        self.end_id = self.vocab["<|endoftext|>"]
        self.cache = {}

    def encode(self, text, context_length=None):
        if context_length is None and text in self.cache:
            return self.cache[text]
        ids = [self.start_id]
        for tok in pre_tokenize(text):
            u = "".join(self.b2u[b] for b in tok.encode("utf-8"))
            ids.extend(self.vocab[t] for t in bpe_word(u, self.ranks))
        ids.append(self.end_id)
        if context_length is not None and len(ids) > context_length:
            ids = ids[:context_length]
            ids[-1] = self.end_id
        if context_length is None:
            self.cache[text] = ids
        return ids
