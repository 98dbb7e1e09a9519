#!/usr/bin/python3
"""Generate src/core/unicode_tables.cpp: the Unicode data CLIP's text cleaning needs.

The tokenizer must clean text exactly as OpenAI's Python reference does, so every table is
read off Python itself (unicodedata, str.lower, str.isspace, html.entities), never off ICU:

- per code point flags: split class for CLIP's pattern (letter / number / whitespace /
  other / matched by nothing), str.isspace(), Cased, Case_Ignorable, "lower() changes it",
  "NFC may change text around it";
- canonical combining classes, full canonical decompositions, primary compositions (NFC);
- str.lower() of every single code point (full mappings, e.g. U+0130 -> i + U+0307);
- simple case folding (CLIP's pattern is case-insensitive);
- HTML5 named character references and html.unescape's numeric special cases.

usage: /usr/bin/python3 scripts/gen_unicode_tables.py   (rewrites src/core/unicode_tables.cpp)
The output depends only on the Python version's unicodedata (printed in the file header).
"""
import html
import html.entities
import os
import sys
import unicodedata

try:
    import regex  # only to cross-check the split classes when it happens to be installed
except ImportError:
    regex = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "core", "unicode_tables.cpp")
MAX_CP = 0x110000
HANGUL_S, HANGUL_COUNT = 0xAC00, 11172

# flag bits; keep in sync with src/core/unicode_tables.h
OTHER, LETTER, NUMBER, SPACE, SKIP = 0, 1, 2, 3, 4
PY_SPACE, CASED, CASE_IGNORABLE, HAS_LOWER, NFC_CHECK = 0x08, 0x10, 0x20, 0x40, 0x80


def is_regex_space(c):
    # The `regex` module's \s is Unicode White_Space; str.isspace() additionally accepts the
    # information separators U+001C..U+001F, which therefore survive as punctuation.
    return c.isspace() and not (0x1C <= ord(c) <= 0x1F)


def simple_fold(c):
    # Simple (one-to-one) case folding, as regex's IGNORECASE uses it. Python exposes only
    # full folding; where that is multi-character, fall back to the lowercase form's fold.
    f = c.casefold()
    if len(f) == 1:
        return f
    low = c.lower()
    if len(low) == 1 and low != c:
        return simple_fold(low)
    return c


def is_cased(c):
    return c.islower() or c.isupper() or unicodedata.category(c) == "Lt"


def is_case_ignorable(c):
    # Read off str.lower()'s own final-sigma rule, so it is Python's Case_Ignorable exactly:
    # 'A' c 'Σ' ends in ς iff c is ignorable or cased; 'AΣ' c keeps ς iff ignorable or uncased.
    t1 = ("A" + c + "\u03a3").lower()[-1] == "\u03c2"
    t2 = ("A\u03a3" + c).lower()[1] == "\u03c2"
    return t1 and t2


def main():
    chars = [chr(cp) for cp in range(MAX_CP)]
    cats = [unicodedata.category(c) for c in chars]

    # primary compositions: two-code-point canonical decompositions that NFC recomposes
    compositions = []
    for cp, c in enumerate(chars):
        d = unicodedata.decomposition(c)
        if not d or d.startswith("<"):
            continue
        parts = [int(x, 16) for x in d.split()]
        if len(parts) == 2 and unicodedata.normalize("NFC", c) == c:
            compositions.append((parts[0], parts[1], cp))
    compositions.sort()
    second_elements = {b for _, b, _ in compositions}
    second_elements.update(range(0x1161, 0x1176))  # Hangul V
    second_elements.update(range(0x11A8, 0x11C3))  # Hangul T

    ln_folds = {simple_fold(c) for c, cat in zip(chars, cats) if cat[0] in "LN"}

    flags = bytearray(MAX_CP)
    lower_map, decomp_map, ccc_map, fold_map = [], [], [], []
    for cp, c in enumerate(chars):
        cat = cats[cp]
        if cat[0] == "L":
            f = LETTER
        elif cat[0] == "N":
            f = NUMBER
        elif is_regex_space(c):
            f = SPACE
        elif simple_fold(c) in ln_folds:
            # IGNORECASE: the negated class rejects it (a case variant is a letter), the
            # positive classes test the character itself: no alternative matches (U+0345).
            f = SKIP
        else:
            f = OTHER
        if 0xD800 <= cp <= 0xDFFF:
            flags[cp] = f
            continue
        if c.isspace():
            f |= PY_SPACE
        if is_cased(c):
            f |= CASED
        if is_case_ignorable(c):
            f |= CASE_IGNORABLE
        low = c.lower()
        if low != c:
            f |= HAS_LOWER
            lower_map.append((cp, [ord(x) for x in low]))
        ccc = unicodedata.combining(c)
        if ccc:
            ccc_map.append((cp, ccc))
        nfd = unicodedata.normalize("NFD", c)
        if nfd != c and not (HANGUL_S <= cp < HANGUL_S + HANGUL_COUNT):
            decomp_map.append((cp, [ord(x) for x in nfd]))
        if ccc or unicodedata.normalize("NFC", c) != c or cp in second_elements:
            f |= NFC_CHECK
        fold = simple_fold(c)
        if fold != c:
            fold_map.append((cp, ord(fold)))
        flags[cp] = f

    if regex is not None:
        cross_check(chars, cats, flags)

    stage1, stage2, block = two_stage(flags)

    entities = sorted(html.entities.html5.items(), key=lambda kv: kv[0].encode("ascii"))
    invalid_charrefs = sorted((k, ord(v)) for k, v in html._invalid_charrefs.items())
    invalid_codepoints = sorted(html._invalid_codepoints)

    pool = []

    def pooled(seq):
        off = len(pool)
        pool.extend(seq)
        return off, len(seq)

    lower_entries = [(cp,) + pooled(seq) for cp, seq in lower_map]
    decomp_entries = [(cp,) + pooled(seq) for cp, seq in decomp_map]
    assert len(pool) < 65536

    w = []
    w.append("// GENERATED by scripts/gen_unicode_tables.py -- do not edit; rerun the script.")
    w.append(f"// Source: Python {sys.version_info[0]}.{sys.version_info[1]}, unicodedata {unicodedata.unidata_version}, "
             f"html.entities.html5 ({len(entities)} names).")
    w.append('#include "unicode_tables.h"')
    w.append("")
    w.append("namespace clipx::unicode {")
    w.append("")
    w.append(f'const char* const kUnicodeVersion = "{unicodedata.unidata_version}";')
    w.append("")
    w.append(f"const uint16_t kFlagStage1[{len(stage1)}] = {{")
    w += wrap([str(x) for x in stage1])
    w.append("};")
    w.append(f"const uint8_t kFlagStage2[{len(stage2)}] = {{")
    w += wrap([str(x) for x in stage2])
    w.append("};")
    w.append("")
    w.append(f"const uint32_t kPool[{len(pool)}] = {{")
    w += wrap([hex(x) for x in pool])
    w.append("};")
    for name, entries in (("kLowerMap", lower_entries), ("kDecompositionMap", decomp_entries)):
        w.append(f"const Mapping {name}[{len(entries)}] = {{")
        w += wrap([f"{{{hex(cp)}, {off}, {n}}}" for cp, off, n in entries])
        w.append("};")
        w.append(f"const size_t {name}Size = {len(entries)};")
    w.append(f"const CombiningClass kCombiningClasses[{len(ccc_map)}] = {{")
    w += wrap([f"{{{hex(cp)}, {ccc}}}" for cp, ccc in ccc_map])
    w.append("};")
    w.append(f"const size_t kCombiningClassesSize = {len(ccc_map)};")
    w.append(f"const Composition kCompositions[{len(compositions)}] = {{")
    w += wrap([f"{{{hex(a)}, {hex(b)}, {hex(c)}}}" for a, b, c in compositions])
    w.append("};")
    w.append(f"const size_t kCompositionsSize = {len(compositions)};")
    w.append(f"const Fold kSimpleFolds[{len(fold_map)}] = {{")
    w += wrap([f"{{{hex(a)}, {hex(b)}}}" for a, b in fold_map])
    w.append("};")
    w.append(f"const size_t kSimpleFoldsSize = {len(fold_map)};")
    w.append("")
    w.append(f"const HtmlEntity kHtmlEntities[{len(entities)}] = {{")
    w += wrap([f'{{"{name}", {{{", ".join(hex(ord(x)) for x in value)}}}, {len(value)}}}'
               for name, value in entities], width=100)
    w.append("};")
    w.append(f"const size_t kHtmlEntitiesSize = {len(entities)};")
    w.append(f"const HtmlCharref kHtmlInvalidCharrefs[{len(invalid_charrefs)}] = {{")
    w += wrap([f"{{{hex(a)}, {hex(b)}}}" for a, b in invalid_charrefs])
    w.append("};")
    w.append(f"const size_t kHtmlInvalidCharrefsSize = {len(invalid_charrefs)};")
    w.append(f"const uint32_t kHtmlInvalidCodepoints[{len(invalid_codepoints)}] = {{")
    w += wrap([hex(x) for x in invalid_codepoints])
    w.append("};")
    w.append(f"const size_t kHtmlInvalidCodepointsSize = {len(invalid_codepoints)};")
    w.append("")
    w.append("}  // namespace clipx::unicode")
    with open(OUT, "w", encoding="ascii") as f:
        f.write("\n".join(w) + "\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}: block {block}, stage2 {len(stage2)} bytes, "
          f"{len(lower_entries)} lower, {len(decomp_entries)} decompositions, "
          f"{len(compositions)} compositions, {len(ccc_map)} ccc, {len(fold_map)} folds, "
          f"{len(entities)} entities")
    assert block == 128, "unicode_tables.h assumes 128-code-point blocks"


def two_stage(flags, block=128):
    blocks, index, stage1 = {}, [], []
    for start in range(0, MAX_CP, block):
        chunk = bytes(flags[start:start + block])
        if chunk not in blocks:
            blocks[chunk] = len(blocks)
            index.append(chunk)
        stage1.append(blocks[chunk])
    stage2 = b"".join(index)
    return stage1, stage2, block


def wrap(items, width=96):
    lines, cur = [], "   "
    for it in items:
        if len(cur) + len(it) + 2 > width:
            lines.append(cur)
            cur = "   "
        cur += " " + it + ","
    if cur.strip():
        lines.append(cur)
    return lines


def cross_check(chars, cats, flags):
    """Compare the split classes with the `regex` module that OpenAI's tokenizer uses."""
    ci = regex.IGNORECASE
    letter = regex.compile(r"[\p{L}]", ci)
    number = regex.compile(r"[\p{N}]", ci)
    other = regex.compile(r"[^\s\p{L}\p{N}]", ci)
    space = regex.compile(r"\s")
    newer, disagree = 0, []
    for cp, c in enumerate(chars):
        if cats[cp] in ("Cn", "Cs"):
            # unassigned in this unicodedata; a newer `regex` may know it as a letter
            if letter.match(c) or number.match(c):
                newer += 1
            continue
        want = (LETTER if letter.match(c) else NUMBER if number.match(c)
                else SPACE if space.match(c) else OTHER if other.match(c) else SKIP)
        if want != flags[cp] & 7:
            disagree.append(hex(cp))
    ascii_letters = "abcdefghijklmnopqrstuvwxyz"
    any_letter = regex.compile("|".join(ascii_letters), ci)
    for cp, c in enumerate(chars):
        # The split only ever sees str.lower()'s output, so only lower()'s fixed points
        # matter (U+0130 differs: regex links it to 'i', but lower() never leaves it).
        if c.lower() != c:
            continue
        theirs = {x for x in ascii_letters if regex.fullmatch(x, c, ci)} if any_letter.fullmatch(c) else set()
        ours = {x for x in ascii_letters if simple_fold(c) == x}
        if theirs != ours:
            disagree.append(f"fold of {hex(cp)}")
    print(f"cross-check with regex {regex.__version__}: {len(disagree)} disagreements "
          f"{disagree[:10]}; {newer} code points are letters/numbers only in regex's newer Unicode")
    if disagree:
        raise SystemExit("split classes disagree with the regex module")


if __name__ == "__main__":
    main()
