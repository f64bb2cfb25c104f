#!/usr/bin/env python3
"""Extract the default model's training text from Debian packages on this machine.

Sources (public domain / freely redistributable text shipped by Debian):
  * the King James Bible, via the `bible` command (package bible-kjv, data in bible-kjv-text)
  * fortunes (package fortunes / fortunes-min, /usr/share/games/fortunes); offensive
    fortunes ('off/' folder) are skipped, and so are the ASCII-art files.

Held-out split: the Bible books 1 John .. Revelation (the last ~2% of the verses) and
every 40th fortune.  Validation split (used only to pick the best checkpoint during
training): James, 1 Peter, 2 Peter and another 1 in 40 of the fortunes.
Chat documents (training split only), so that the model answers in Gemma's chat format
(<start_of_turn>user ... <end_of_turn> <start_of_turn>model ... <end_of_turn>), as the chat
demo sends it: "Read me <Book> <chapter>" -> its first verses; a verse -> the verses that
follow it; a request for a fortune or a quote -> a fortune; some with a second turn.
Writes into OUTDIR (default .traindata/):
  train.jsonl, valid.jsonl, heldout.jsonl  one {"text": document} per line (a Bible book or a fortune)
  heldout.txt                 the held-out documents as plain text, separated by blank lines
  stats.json                  counts
Usage: python3 tools/train/prepare_data.py [OUTDIR]
"""
import json, os, random, re, subprocess, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else ".traindata"
FORTUNE_DIR = "/usr/share/games/fortunes"
SKIP_FORTUNES = {"ascii-art", "art"}  # pictures, not prose
HELDOUT_FIRST_BOOK = "1 John"          # 1 John, 2 John, 3 John, Jude, Revelation
VALID_BOOKS = {"James", "1 Peter", "2 Peter"}
FORTUNE_HOLDOUT_EVERY = 40
FORTUNE_ASKS = ["Tell me a fortune.", "Tell me something funny.", "Give me a quote.",
                "Say something wise.", "Cheer me up.", "Any advice?", "Tell me a joke.",
                "What do you think?", "Hello!", "Hi", "Say something.", "Tell me something."]
VERSE_ASKS = ["{v}", "{v}", "Continue: {v}", "What comes after \"{v}\"?", "{v} Go on."]


def turn(role, text):
    return f"<start_of_turn>{role}\n{text.strip()}<end_of_turn>\n"


def chat_docs(books, fortunes_train, rng):
    """Chat-format training documents built from the training text."""
    docs = []
    for name, chapters in books:
        for ch in chapters:
            head, verses = ch[0], ch[1:]
            if rng.random() < 0.5:
                k = rng.randint(3, 6)
                docs.append(turn("user", f"Read me {head}.") + turn("model", "\n".join(verses[:k])))
            for _ in range(1):
                if len(verses) < 4:
                    break
                i = rng.randrange(len(verses) - 3)
                k = rng.randint(1, 3)
                d = turn("user", rng.choice(VERSE_ASKS).format(v=verses[i])) + \
                    turn("model", "\n".join(verses[i + 1:i + 1 + k]))
                if rng.random() < 0.3 and i + 1 + k < len(verses):
                    d += turn("user", rng.choice(["Go on.", "And then?", "More.", "Continue."])) + \
                        turn("model", "\n".join(verses[i + 1 + k:i + 3 + k]))
                docs.append(d)
    for f in rng.sample(fortunes_train, min(2500, len(fortunes_train))):
        d = turn("user", rng.choice(FORTUNE_ASKS)) + turn("model", f)
        if rng.random() < 0.25:
            d += turn("user", rng.choice(["Another one.", "More!", "Again.", "One more, please."])) + \
                turn("model", rng.choice(fortunes_train))
        docs.append(d)
    rng.shuffle(docs)
    return docs


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
    f_train = []
    for i, t in enumerate(f):
        r = i % FORTUNE_HOLDOUT_EVERY
        dst = held if r == FORTUNE_HOLDOUT_EVERY - 1 else valid if r == FORTUNE_HOLDOUT_EVERY // 2 else f_train
        dst.append(t)
    train += f_train
    train_books = [b for i, b in enumerate(books) if i < cut and b[0] not in VALID_BOOKS]
    chats = chat_docs(train_books, f_train, random.Random(1611))
    train += chats
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
        "chat_docs": len(chats), "chat_chars": sum(len(d) for d in chats),
        "train_docs": len(train), "valid_docs": len(valid), "heldout_docs": len(held),
        "train_chars": sum(len(d) for d in train), "valid_chars": sum(len(d) for d in valid),
        "heldout_chars": sum(len(d) for d in held),
    }
    with open(os.path.join(OUT, "stats.json"), "w") as o:
        json.dump(stats, o, indent=1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
