"""Fill empty msgstr entries of a .po file from a JSON dictionary {msgid: msgstr}.

Usage: python scripts/po_fill.py LOCALE.po TRANSLATIONS.json — prints the msgids still missing.
A maintenance aid for translators; the build does not run it.
"""

import json
import sys


def unquote(lines):
    return "".join(json.loads(line[line.index('"') :]) for line in lines if '"' in line)


def main(po_path, json_path):
    table = json.load(open(json_path, encoding="utf-8"))
    blocks = open(po_path, encoding="utf-8").read().split("\n\n")
    missing = []
    out = []
    for block in blocks:
        lines = block.split("\n")
        try:
            i_id = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
            i_str = next(i for i, line in enumerate(lines) if line.startswith("msgstr "))
        except StopIteration:
            out.append(block)
            continue
        msgid = unquote(lines[i_id:i_str])
        msgstr = unquote(lines[i_str:])
        fuzzy = "#, fuzzy" in lines
        if msgid and (not msgstr or fuzzy):
            if msgid in table:
                lines = [*lines[:i_str], "msgstr " + json.dumps(table[msgid], ensure_ascii=False)]
                lines = [
                    line for line in lines if line != "#, fuzzy" and not line.startswith("#| ")
                ]
            else:
                missing.append(msgid)
        out.append("\n".join(lines))
    open(po_path, "w", encoding="utf-8").write("\n\n".join(out))
    for m in missing:
        print("missing:", m)


if __name__ == "__main__":
    main(*sys.argv[1:])
