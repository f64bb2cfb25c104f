#!/usr/bin/env python3
"""Extract the default model's training text from Debian packages on this machine.

Sources (public domain / freely redistributable text shipped by Debian):
  * the King James Bible, via the `bible` command (package bible-kjv, data in bible-kjv-text)
  * fortunes (package fortunes / fortunes-min, /usr/share/games/fortunes); offensive
    fortunes ('off/' folder) are skipped, and so are the ASCII-art files.

Held-out split: the Bible books 1 John .. Revelation (the last ~2% of the verses) and
every 40th fortune.  Validation split (used only to pick the best checkpoint during
training): James, 1 Peter, 2 Peter and another 1 in 40 of the fortunes.
Writes into OUTDIR (default .traindata/):
  train.jsonl, valid.jsonl, heldout.jsonl  one {"text": document} per line (a Bible book or a fortune)
  heldout.txt                 the held-out documents as plain text, separated by blank lines
  stats.json                  counts
Usage: python3 tools/train/prepare_data.py [OUTDIR]
"""
import json, os, re, subprocess, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else ".traindata"
FORTUNE_DIR = "/usr/share/games/fortunes"
SKIP_FORTUNES = {"ascii-art", "art"}  # pictures, not prose
HELDOUT_FIRST_BOOK = "1 John"          # 1 John, 2 John, 3 John, Jude, Revelation
VALID_BOOKS = {"James", "1 Peter", "2 Peter"}
FORTUNE_HOLDOUT_EVERY = 40


def bible_books():
    raw = subprocess.run(["bible", "-l", "100000", "-m", "16384", "Gen1:1-Rev22:21"],
                         check=True, capture_output=True, text=True).stdout
    books = []  # [name, [chapter lines...]]
    head = re.compile(r"^(\S.*?) (\d+)$")
    verse = re.compile(r"^\s+\d+ (.*)$")
    for line in raw.splitlines():
        if not line.strip():
            continue
        m = head.match(line)
        if m:
            name, chap = m.group(1), int(m.group(2))
            if not books or books[-1][0] != name:
                books.append([name, []])
            books[-1][1].append([f"{name} {chap}"])
            continue
        m = verse.match(line)
        if not m or not books:
            raise SystemExit(f"prepare_data: unexpected bible line: {line!r}")
        books[-1][1][-1].append(m.group(1).strip())
    return books


def book_text(chapters):
    # chapter heading, then one verse per line; chapters separated by a blank line
    return "\n\n".join("\n".join(c) for c in chapters) + "\n"


def clean_fortune(s):
    s = re.sub(r".\x08", "", s)              # overstrike (x\bx or _\bx)
    s = s.replace("\t", "    ")
    s = "".join(ch for ch in s if ch == "\n" or ord(ch) >= 32)
    lines = [l.rstrip() for l in s.split("\n")]
    return "\n".join(lines).strip("\n")


def fortunes():
    docs = []
    for name in sorted(os.listdir(FORTUNE_DIR)):
        p = os.path.join(FORTUNE_DIR, name)
        if "." in name or not os.path.isfile(p) or name in SKIP_FORTUNES:
            continue
        with open(p, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        for part in re.split(r"\n%\n", "\n" + text + "\n"):
            t = clean_fortune(part)
            if len(t) >= 20 and "\ufffd" not in t:
                docs.append(t + "\n")
    return docs


def main():
    os.makedirs(OUT, exist_ok=True)
    books = bible_books()
    names = [b[0] for b in books]
    if HELDOUT_FIRST_BOOK not in names:
        raise SystemExit(f"prepare_data: book {HELDOUT_FIRST_BOOK!r} not found")
    cut = names.index(HELDOUT_FIRST_BOOK)
    train, valid, held = [], [], []
    for i, (name, chapters) in enumerate(books):
        dst = held if i >= cut else valid if name in VALID_BOOKS else train
        dst.append(book_text(chapters))
    f = fortunes()
    for i, t in enumerate(f):
        r = i % FORTUNE_HOLDOUT_EVERY
        (held if r == FORTUNE_HOLDOUT_EVERY - 1 else valid if r == FORTUNE_HOLDOUT_EVERY // 2 else train).append(t)
    for fn, docs in (("train.jsonl", train), ("valid.jsonl", valid), ("heldout.jsonl", held)):
        with open(os.path.join(OUT, fn), "w", encoding="utf-8") as o:
            for d in docs:
                o.write(json.dumps({"text": d}, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "heldout.txt"), "w", encoding="utf-8") as o:
        o.write("\n".join(held))
    verses = sum(len(c) - 1 for _, ch in books for c in ch)
    held_verses = sum(len(c) - 1 for _, ch in books[cut:] for c in ch)
    stats = {
        "bible_books": len(books), "bible_verses": verses,
        "bible_heldout_books": names[cut:], "bible_heldout_verses": held_verses,
        "fortunes": len(f), "fortunes_heldout": len(f) // FORTUNE_HOLDOUT_EVERY,
        "train_docs": len(train), "valid_docs": len(valid), "heldout_docs": len(held),
        "train_chars": sum(len(d) for d in train), "valid_chars": sum(len(d) for d in valid),
        "heldout_chars": sum(len(d) for d in held),
    }
    with open(os.path.join(OUT, "stats.json"), "w") as o:
        json.dump(stats, o, indent=1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
