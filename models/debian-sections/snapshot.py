#!/usr/bin/python3
"""Freezes the Debian package-description corpus that `train.py` reads (run once; needs apt lists).

    apt-get -o Dir::State::Lists=/tmp/lists -o Dir::Cache=/tmp/cache -o Acquire::Languages=en update
    /usr/bin/python3 models/debian-sections/snapshot.py /tmp/lists

Reads bookworm/main's amd64 `Packages` and `Translation-en` from that private lists folder (never
the system's), joins short and long descriptions on Description-md5, drops exact duplicate texts,
and writes `corpus/descriptions.jsonl.xz`: every package of the labelled sections, plus a fixed,
hash-chosen sample of other sections' descriptions used unlabelled for masked-LM pre-training.
Provenance (archive, suite, version, date of the Release file) goes to `corpus/SNAPSHOT.json`.
"""
import hashlib
import json
import lzma
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
SECTIONS = ["admin", "devel", "games", "graphics", "python", "science", "sound", "web"]
UNLABELLED = 16000  # descriptions from other sections, for masked-LM pre-training only
PREFIX = "deb.debian.org_debian_dists_bookworm_"


def read_list(path: pathlib.Path) -> str:
    """apt stores lists compressed (lz4 here); apt-helper decompresses whatever apt wrote."""
    out = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", str(path)], check=True, capture_output=True)
    return out.stdout.decode("utf-8")


def stanzas(text: str):
    for block in text.split("\n\n"):
        fields, key = {}, None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line
            else:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if fields:
            yield fields


def description_text(full: str) -> str:
    """Short description, a blank line, then the long description with Debian's ' .' paragraph marks."""
    lines = full.split("\n")
    body = []
    for line in lines[1:]:
        line = line[1:] if line.startswith(" ") else line
        body.append("" if line.strip() == "." else line.rstrip())
    return (lines[0].strip() + "\n\n" + "\n".join(body).strip()).strip()


def first_file(lists: pathlib.Path, stem: str) -> pathlib.Path:
    matches = sorted(lists.glob(PREFIX + stem + "*"))
    if not matches:
        sys.exit(f"no {PREFIX + stem}* in {lists}: run apt-get update into that folder first")
    return matches[0]


def main() -> None:
    lists = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/lists")
    release = (lists / (PREFIX + "InRelease")).read_text(encoding="utf-8", errors="replace")
    meta = {k: v for k, v in (l.split(": ", 1) for l in release.splitlines() if ": " in l and not l.startswith(" "))}
    translations = {
        s["Description-md5"]: s["Description-en"]
        for s in stanzas(read_list(first_file(lists, "main_i18n_Translation-en")))
    }
    seen, labelled, others = set(), [], []
    for s in stanzas(read_list(first_file(lists, "main_binary-amd64_Packages"))):
        full = translations.get(s.get("Description-md5", ""))
        if full is None:
            continue
        text = description_text(full)
        if text in seen:
            continue
        seen.add(text)
        section = s.get("Section", "")
        row = {
            "package": s["Package"],
            "source": s.get("Source", s["Package"]).split(" ")[0],
            "section": section,
            "text": text,
        }
        (labelled if section in SECTIONS else others).append(row)
    others.sort(key=lambda r: hashlib.sha256(r["package"].encode()).hexdigest())
    rows = sorted(labelled + others[:UNLABELLED], key=lambda r: r["package"])

    corpus = HERE / "corpus"
    corpus.mkdir(exist_ok=True)
    payload = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)
    (corpus / "descriptions.jsonl.xz").write_bytes(lzma.compress(payload.encode("utf-8"), preset=9))
    snapshot = {
        "archive": "http://deb.debian.org/debian",
        "suite": meta.get("Suite"),
        "codename": meta.get("Codename"),
        "version": meta.get("Version"),
        "releaseDate": meta.get("Date"),
        "component": "main",
        "architecture": "amd64",
        "files": ["main/binary-amd64/Packages", "main/i18n/Translation-en"],
        "labelledSections": SECTIONS,
        "labelledCount": len(labelled),
        "unlabelledCount": min(UNLABELLED, len(others)),
        "unlabelledChoice": f"first {UNLABELLED} other-section packages by sha256(package name)",
        "dedup": "exact duplicate description texts dropped (first package in Packages order kept)",
    }
    (corpus / "SNAPSHOT.json").write_text(json.dumps(snapshot, indent=2) + "\n", encoding="utf-8")
    print(f"{len(labelled)} labelled + {snapshot['unlabelledCount']} unlabelled descriptions")


if __name__ == "__main__":
    main()
