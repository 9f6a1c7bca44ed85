#!/usr/bin/env python3
"""The house's size, as issue 30 counts it: source files over 700 lines and functions over
70 lines under src/ (a function from its `fn` line to its closing brace). Prints both lists,
longest first. Run from the repository: python3 .ci/house.py"""
import glob
import re

files = []
functions = []
for path in sorted(glob.glob("src/**/*.rs", recursive=True)):
    lines = open(path, encoding="utf-8").read().split("\n")
    files.append((len(lines) - 1, path))
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(pub(\([a-z]+\))? )?(async )?(const )?(unsafe )?fn (\w+)", line)
        if not m:
            continue
        indent, k = m.group(1), i
        while k < len(lines) and not lines[k].rstrip().endswith(("{", ";", "}")):
            k += 1
        if lines[k].rstrip().endswith(";") and "{" not in lines[k]:
            continue  # a declaration without a body
        if lines[k].rstrip().endswith("}") and lines[k].count("{") == lines[k].count("}"):
            continue  # a one-line body
        j = k
        while j < len(lines) and not (lines[j].startswith(indent + "}") and lines[j].strip() in ("}", "},", "})", "};")):
            j += 1
        if j - i + 1 > 70:
            functions.append((j - i + 1, path, m.group(7)))

print("files over 700 lines:")
for n, path in sorted(files, reverse=True):
    if n > 700:
        print(f"  {n:5}  {path}")
print("functions over 70 lines:")
for n, path, name in sorted(functions, reverse=True):
    print(f"  {n:5}  {path}  {name}")
print(f"{sum(1 for n, _ in files if n > 700)} files, {len(functions)} functions")
