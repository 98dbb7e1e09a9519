#!/usr/bin/python3
"""Golden cases for the C++ tokenizer, made by a small Python reference of CLIP's rules.

The reference follows OpenAI's simple_tokenizer step by step, with ftfy replaced by NFC
(as for ../shared/reference/tokenizer_cases.jsonl):

    NFC -> html.unescape twice -> strip -> collapse \\s+ to ' ' -> strip -> str.lower()
    -> CLIP's split (case-insensitive) -> bytes->unicode -> BPE with </w> -> ids

Everything except the split is done by Python's own library (unicodedata, html, str), so the
C++ tables and algorithms are checked against an implementation they share nothing with.
The split is the `regex` module when it is installed (it is what OpenAI uses); otherwise a
hand-written scanner over unicodedata categories. When `regex` is available both run and
must agree on every case, so Debian's python3 (which lacks `regex`) reproduces the files.

usage: /usr/bin/python3 scripts/make_tokenizer_goldens.py [path/to/tokenizer.json]
writes tests/data/tokenizer/goldens.jsonl (default tokenizer: ../shared/data/clip-vit-b32)
"""
import html
import json
import os
import random
import sys
import unicodedata

try:
    import regex
except ImportError:  # Debian's python3 has no `regex`; the scanner below stands in for it
    regex = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTEXT = 77
SPECIALS = ("<|startoftext|>", "<|endoftext|>")
CLIP_PATTERN = (r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|"
                r"[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+")


# ---- cleaning: Python's own functions, in OpenAI's order ----
def clean(text):
    text = unicodedata.normalize("NFC", text)
    text = html.unescape(html.unescape(text)).strip()
    text = " ".join(part for part in _split_on_regex_space(text))
    return text.strip().lower()


# regex's \s is Unicode White_Space; str.isspace() also accepts U+001C..U+001F.
def _is_regex_space(c):
    return c.isspace() and not ("\x1c" <= c <= "\x1f")


def _split_on_regex_space(text):
    # re.sub(r'\s+', ' ', text) without regex: keep the runs between whitespace, including
    # empty runs at the ends so leading/trailing whitespace still becomes one space.
    parts, cur = [], []
    i = 0
    while i < len(text):
        if _is_regex_space(text[i]):
            parts.append("".join(cur))
            cur = []
            while i < len(text) and _is_regex_space(text[i]):
                i += 1
        else:
            cur.append(text[i])
            i += 1
    parts.append("".join(cur))
    return parts


# ---- the split ----
def _fold(c):
    f = c.casefold()
    return f if len(f) == 1 else c


def _letter_or_number_folds():
    # Under IGNORECASE, regex rejects a character from the negated class when any of its
    # case variants is a letter or number (U+0345 folds to iota), while the positive
    # classes look at the character itself: such a character matches no alternative.
    folds = set()
    for cp in range(0x110000):
        c = chr(cp)
        if unicodedata.category(c)[0] in "LN":
            folds.add(_fold(c))
    return folds


_LN_FOLDS = None


def _kind(c):
    global _LN_FOLDS
    cat = unicodedata.category(c)[0]
    if cat == "L":
        return "L"
    if cat == "N":
        return "N"
    if _is_regex_space(c):
        return " "
    if _LN_FOLDS is None:
        _LN_FOLDS = _letter_or_number_folds()
    if _fold(c) in _LN_FOLDS:
        return " "  # skipped like whitespace
    return "P"


def _starts_with_ci(text, i, literal):
    if i + len(literal) > len(text):
        return False
    return all(_fold(text[i + k]) == _fold(literal[k]) for k in range(len(literal)))


def split_scanner(text):
    words, i, n = [], 0, len(text)
    alternatives = list(SPECIALS) + ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]
    while i < n:
        lit = next((a for a in alternatives if _starts_with_ci(text, i, a)), None)
        if lit is not None:
            words.append(text[i:i + len(lit)])
            i += len(lit)
            continue
        k = _kind(text[i])
        if k == " ":
            i += 1
        elif k == "N":
            words.append(text[i])
            i += 1
        else:
            j = i + 1
            while j < n and _kind(text[j]) == k:
                j += 1
            words.append(text[i:j])
            i = j
    return words


def split(text):
    words = split_scanner(text)
    if regex is not None:
        expected = regex.findall(CLIP_PATTERN, text, regex.IGNORECASE)
        if words != expected:
            raise SystemExit(f"scanner and regex disagree on {text[:80]!r}")
    return words


# ---- byte-level BPE, as in OpenAI's simple_tokenizer ----
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class Reference:
    def __init__(self, tokenizer_json):
        with open(tokenizer_json, encoding="utf-8") as f:
            model = json.load(f)["model"]
        self.vocab = model["vocab"]
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks = dict(zip(merges, range(len(merges))))
        self.b2u = bytes_to_unicode()
        self.u2b = {v: k for k, v in self.b2u.items()}
        self.cache = {}

    def bpe(self, token):
        if token in SPECIALS:
            return [token]
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = set(zip(word[:-1], word[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == best[0] and word[i + 1] == best[1]:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        self.cache[token] = word
        return word

    def tokens(self, text):
        out = [SPECIALS[0]]
        for w in split(clean(text)):
            out += self.bpe("".join(self.b2u[b] for b in w.encode("utf-8")))
        return out + [SPECIALS[1]]

    def display(self, token):
        if token in SPECIALS:
            return token
        t = token[:-4] if token.endswith("</w>") else token
        return bytes(self.u2b[c] for c in t).decode("utf-8", "replace")


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data if isinstance(data, bytes) else data.encode("ascii"):
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def truncate(seq, context, last):
    if len(seq) <= context:
        return seq
    return seq[:context - 1] + [last]


# ---- hostile texts ----
def cases():
    c = []

    # A text is a string or a list of (piece, repeat count), kept that way in the file.
    def add(name, text):
        c.append((name, text))

    add("emoji zwj family", "a photo of 👨‍👩‍👧‍👦 and 🏳️‍🌈 flags")
    add("emoji skin tones", "👍🏽👍🏿 thumbs up, 🧑🏻‍💻 coder, 🇯🇵🇫🇷 flags")
    add("emoji keycaps and variation selectors", "1️⃣ #️⃣ ☺︎ ☺️ ❤️‍🔥")
    add("cjk", "東京タワーの写真、猫と犬。")
    add("korean", "한국어 텍스트 사진")
    add("hangul jamo compose under nfc", "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af")
    add("arabic with harakat", "صورة قطة — مُحَمَّد ٣٤٥")
    add("hebrew with points", "שָׁלוֹם עוֹלָם")
    add("devanagari", "हिन्दी में एक बिल्ली की तस्वीर")
    add("thai", "รูปภาพของแมว")
    add("combining marks nfc", "e\u0301 a\u0328\u0301 o\u0308\u0304 \u0301lead A\u030a \u212b")
    add("combining mark reorder", "a\u0301\u0316 a\u0316\u0301 q\u0307\u0323 \u1e0b\u0323")
    add("zalgo", "z\u0351\u0352\u0353a\u0300\u0301\u0302\u0303l\u0334\u0335\u0336g\u0489o\u0488")
    add("vietnamese", "Tiếng Việt có dấu: Phở bò")
    add("digits", "123456 ٣٤٥ １２３ x² ½ Ⅻ ⅻ 3.14159 1,000,000")
    add("contractions", "I'M you'RE they'VE it'S we'LL he'D can'T")
    add("contraction edges", "'s's's ''ll rock'n'roll it’s 'S 'sun")
    add("long s contraction", "it'ſ <|ſtartoftext|> ſ")
    add("html named", "&lt;b&gt; &amp;amp; &amp;lt; &quot;hi&quot; &apos;x&apos; &nbsp;y")
    add("html legacy without semicolon", "&lt &ltx &amp &ampx &copy2024 &notit; &notin; &AMP &Aacute")
    add("html numeric", "&#39;s &#x27;t &#65;&#x42;&#X43; &#0; &#13; &#128; &#150; &#x110000; &#55296;")
    add("html numeric invalid codepoints", "a&#1;b&#11;c&#127;d&#xFDD0;e&#x1FFFF;f&#65534;g")
    add("html numeric without semicolon", "&#65 &#x41g &#x1F600 &#128512;")
    add("html multi-codepoint entities", "&fjlig; &NotEqualTilde; &ThickSpace; &bne;")
    add("html broken refs", "& amp; &; &#; &#x; &# 5 &#xg; &&amp; &&&")
    add("html long name", "&amp" + "z" * 40 + ";end &" + "q" * 31 + "; &" + "a" * 33)
    add("html non-ascii in name", "&amp\u00e9; &é; &am\u00e9")
    add("html double escape", "&amp;#65; &amp;amp;amp; &amp;lt;tag&amp;gt;")
    add("html makes specials", "&lt;|endoftext|&gt; x &lt;|startoftext|&gt;")
    add("html makes whitespace", "a&#9;&#10;&#32;b&nbsp;&#x3000;c &#x1c;")
    add("whitespace runs", "  \t\n  many\u00a0\u00a0kinds\u2028of\u3000space \r\n\x0b\x0c\x85 ")
    add("separator controls", "\x1cabc\x1d a\x1cb \x1e!\x1f")
    add("zero width", "a\u200bb\u200cc\u200dd\ufeffe \u00ad soft")
    add("lowercase special", "İSTANBUL ΣΑΣ ΟΔΟΣ Σ. ΑΣ'Σ ǅ ẞ ǈ Ω K Å")
    add("final sigma context", "ΑΣ\u0301 ΑΣ\u0301Α ΑΣ:Α .Σ ΑΣ")
    add("ypogegrammeni", "x\u0345y \u03b1\u0345 \u0345")
    add("specials in text", "<|startoftext|>a photo<|endoftext|> <|endoftext|>x <|ENDOFTEXT|>")
    add("specials broken", "<|endoftext| <<|endoftext|> !<|startoftext|>")
    add("punctuation runs", "!!!???...---*** ¿¡ «»“”‘’ §¶†‡ ©®™ →←↑↓")
    add("math and symbols", "∑∫√∞ ≠≤≥ ±×÷ 𝔄𝔅 𝟘𝟙𝟚 ℕℤℚ")
    add("mixed scripts", "cat кот γάτα 猫 قط बिल्ली 고양이 ねこ")
    add("private use and specials", "\ue000\uf8ff \ufffd \uffff x")
    add("astral letters", "𐐀𐐨 𝒜𝒷𝒸 𠀀𠀁")
    add("unpaired variation", "\ufe0f\u200d lead")
    add("empty after cleaning", " \t &#32; ")
    add("only html space", "&nbsp;")
    add("one char", "X")
    add("apostrophe only", "'")

    rng = random.Random(3)
    pieces = ["a", "photo", "of", " ", "  ", "\t", "\n", "Ünïcödé", "e\u0301", "🐈", "👨‍👩‍👧",
              "東京", "قطة", "'s", "'LL", "42", "&amp;", "&lt", "&#x263A;", "ΣΑΣ", "İ", "!?",
              "\u0345", "\x1c", "\u00a0", "<|endoftext|>", "ſ", "ﬁ", "½", "٣", "\u0301"]
    add("random mix 10000 chars", "".join(rng.choice(pieces) for _ in range(4000))[:10000])
    add("one letter word 10000", [("a", 10000)])
    add("varied long word 10000", "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10000)))
    add("emoji run 10000", [("😀🚀🐈", 3334)])
    add("digits 10000", [("0123456789", 1000)])
    add("spaces then word 10000", [(" ", 9990), ("last words", 1)])
    add("punctuation 10000", [("!?.", 3334)])
    add("cjk 10000", "".join(chr(0x4E00 + rng.randrange(0x5000)) for _ in range(10000)))
    add("combining run 10000", [("a", 1), ("\u0301\u0316\u0323", 3333)])
    for k in range(12):
        n = rng.randrange(1, 60)
        add(f"random codepoints {k}", "".join(_random_char(rng) for _ in range(n)))

    # Stress the table-driven steps where they are intricate: NFC (decomposable letters,
    # marks of every class, Hangul jamo), lower() (every changing code point, sigma in all
    # contexts) and html.unescape (fragments of references).
    assigned = [chr(cp) for cp in range(0x110000)
                if unicodedata.category(chr(cp)) not in ("Cn", "Cs")]
    decomposable = [ch for ch in assigned if unicodedata.normalize("NFD", ch) != ch]
    marks = [ch for ch in assigned if unicodedata.combining(ch)]
    jamo = [chr(cp) for cp in list(range(0x1100, 0x1113)) + list(range(0x1161, 0x1176)) +
            list(range(0x11A7, 0x11C3))] + ["\uac00", "\uac01", "\ud7a3"]
    cased = [ch for ch in assigned if ch.lower() != ch or ch.upper() != ch]
    ignorable = ["'", ".", ":", "\u00ad", "\u0301", "\u02b0", "\u2019", "\u00b7"]
    for k in range(6):
        pools = [decomposable, marks, marks, jamo, list("aeiouAEIOU ")]
        add(f"nfc stress {k}", "".join(rng.choice(rng.choice(pools)) for _ in range(300)))
    for k in range(4):
        pools = [cased, ["\u03a3"] * 3, ignorable, list("ab .")]
        add(f"lower stress {k}", "".join(rng.choice(rng.choice(pools)) for _ in range(300)))
    fragments = ["&", "&", "#", "x", "X", ";", "amp", "lt", "not", "in", "copy", "AElig",
                 "nbsp", "12", "0", "9", "65", "1F6", "a", "z", " ", "\t", "<", "é", "fjlig"]
    for k in range(4):
        add(f"html stress {k}", "".join(rng.choice(fragments) for _ in range(300)))
    return c


def _random_char(rng):
    while True:
        r = rng.random()
        if r < 0.3:
            cp = rng.randrange(0x20, 0x250)
        elif r < 0.5:
            cp = rng.randrange(0x300, 0x370)
        elif r < 0.7:
            cp = rng.randrange(0x370, 0x3000)
        elif r < 0.9:
            cp = rng.randrange(0x1F000, 0x1FB00)
        else:
            cp = rng.randrange(0, 0x110000)
        # Only characters Unicode 14 (Python 3.11's unicodedata) assigns: newer ones are
        # letters to a newer `regex` but unassigned to unicodedata, a known divergence.
        if unicodedata.category(chr(cp)) not in ("Cn", "Cs"):
            return chr(cp)


# Raw byte inputs: decoded with errors="replace", as the tokenizer must do.
def byte_cases():
    return [
        ("invalid lone continuation", b"caf\x80e"),
        ("invalid truncated two byte at end", b"abc\xc3"),
        ("invalid truncated four byte", b"x\xf0\x9f\x98 y"),
        ("invalid surrogate encoding", b"\xed\xa0\x80\xed\xbf\xbf"),
        ("invalid overlong", b"\xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf"),
        ("invalid above max", b"\xf4\x90\x80\x80 \xf8\x88\x80\x80\x80 \xfe\xff"),
        ("invalid mixed with valid", "\u00e9".encode() + b"\xff" + "😀".encode() + b"\xe2\x82" + b"ok"),
        ("invalid all bytes", bytes(range(256))),
    ]


def check_shared_reference(ref, tok_path):
    # The reference must itself reproduce OpenAI's ids before its goldens mean anything.
    cases_path = os.path.join(os.path.dirname(tok_path), "..", "..", "reference",
                              "tokenizer_cases.jsonl")
    if not os.path.exists(cases_path):
        print(f"note: {cases_path} absent; the reference was not checked against it")
        return
    with open(cases_path, encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            ids = [ref.vocab[t] for t in ref.tokens(case["text"])]
            if truncate(ids, CONTEXT, ids[-1]) != case["ids"]:
                raise SystemExit(f"reference disagrees with OpenAI on {case['text']!r}")


def main():
    tok_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "..", "shared", "data", "clip-vit-b32", "tokenizer.json")
    ref = Reference(tok_path)
    check_shared_reference(ref, tok_path)
    out_path = os.path.join(ROOT, "tests", "data", "tokenizer", "goldens.jsonl")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    rows = [(name, text, None) for name, text in cases()]
    rows += [(name, raw.decode("utf-8", "replace"), raw) for name, raw in byte_cases()]
    with open(out_path, "w", encoding="utf-8") as f:
        for name, text, raw in rows:
            parts = None
            if isinstance(text, list):
                parts, text = text, "".join(piece * n for piece, n in text)
            toks = ref.tokens(text)
            ids = [ref.vocab[t] for t in toks]
            row = {"name": name}
            if parts is not None:
                row["parts"] = parts
            elif raw is None:
                row["text"] = text
            else:
                row["hex"] = raw.hex()
            short = truncate(toks, CONTEXT, SPECIALS[1])
            cleaned = clean(text)
            if len(cleaned) <= 400:
                row["clean"] = cleaned
            else:
                row["clean_len"] = len(cleaned.encode("utf-8"))
                row["clean_fnv1a64"] = fnv1a64(cleaned.encode("utf-8"))
            row["ids"] = truncate(ids, CONTEXT, ids[-1])
            row["tokens"] = short
            row["display"] = [ref.display(t) for t in short]
            # Untruncated ids check the whole BPE of the long strings; big ones as a digest.
            if len(ids) <= 400:
                row["ids_full"] = ids
            else:
                row["full_len"] = len(ids)
                row["full_fnv1a64"] = fnv1a64(",".join(map(str, ids)))
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} cases to {os.path.relpath(out_path, ROOT)}"
          f" (split checked against regex: {'yes' if regex else 'no, regex not installed'})")


if __name__ == "__main__":
    main()
