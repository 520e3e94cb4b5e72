#!/usr/bin/python3
"""The dependency rules of docs/architecture.md, checked against the includes of src/.

docs/architecture.md holds the table between the markers `<!-- layers:begin -->` and `<!-- layers:end -->`:
one row per layer (a folder of src/) naming the layers its files may include. Two more rules hold inside
the card and host sides: an applet folder (card/piv, host/oath, ...) may include its side's own files and
the folders that side's row lists as shared (`card/pin`), never another applet's folder.

Usage: check_layers.py REPO_ROOT   (exit 0: the tree keeps the rules; 1: each breach printed as
FILE:LINE: the include and the rule it breaks; 2: the table itself is unusable.)
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_table(doc):
    text = doc.read_text(encoding="utf-8")
    m = re.search(r"<!-- layers:begin -->(.*?)<!-- layers:end -->", text, re.S)
    if not m:
        raise ValueError("%s has no layers table (<!-- layers:begin --> ... <!-- layers:end -->)" % doc)
    allowed, shared = {}, {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue  # header, separator, prose
        layer = cells[0].strip("`")
        deps = {d.strip().strip("`") for d in cells[1].split(",") if d.strip() and d.strip() != "-"}
        if layer in allowed:
            raise ValueError("layer %s appears twice in the table" % layer)
        allowed[layer] = {d for d in deps if "/" not in d}
        shared[layer] = {d for d in deps if "/" in d}
    if not allowed:
        raise ValueError("the layers table in %s has no rows" % doc)
    for layer, deps in allowed.items():
        for d in deps:
            if d not in allowed:
                raise ValueError("layer %s may include %s, which is not a row of the table" % (layer, d))
    return allowed, shared


def main(argv):
    root = pathlib.Path(argv[1]) if len(argv) > 1 else pathlib.Path(__file__).resolve().parents[2]
    try:
        allowed, shared = read_table(root / "docs" / "architecture.md")
    except ValueError as e:
        print("check_layers: %s" % e, file=sys.stderr)
        return 2
    src = root / "src"
    breaches = []
    seen_layers = set()
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp", ".hpp", ".inc") or not path.is_file():
            continue
        rel = path.relative_to(src)
        layer = rel.parts[0] if len(rel.parts) > 1 else None
        if layer is None:
            continue
        seen_layers.add(layer)
        if layer not in allowed:
            breaches.append("%s: layer %s is not in docs/architecture.md's table" % (path.relative_to(root), layer))
            continue
        own_folder = "/".join(rel.parts[:2]) if len(rel.parts) > 2 else None
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            parts = target.split("/")
            if len(parts) < 2 or not (src / parts[0]).is_dir():
                continue  # a file next to this one, or a third-party header
            where = "%s:%d: #include \"%s\"" % (path.relative_to(root), number, target)
            if parts[0] != layer:
                if parts[0] not in allowed[layer]:
                    breaches.append("%s: %s may not include %s (docs/architecture.md, layers)" % (where, layer, parts[0]))
                continue
            # Inside one side: an applet folder reaches its side's own files, shared folders, itself.
            if len(parts) > 2:
                target_folder = "/".join(parts[:2])
                if target_folder != own_folder and target_folder not in shared[layer] and own_folder is not None:
                    breaches.append("%s: %s may not include another applet's folder %s" % (where, own_folder, target_folder))
    for layer in sorted(set(allowed) - seen_layers):
        breaches.append("docs/architecture.md: layer %s has no folder under src/" % layer)
    for b in breaches:
        print(b)
    if breaches:
        print("check_layers: %d breach(es) of the dependency rules" % len(breaches), file=sys.stderr)
        return 1
    print("check_layers: %d layers, every include within the rules" % len(allowed))
    return 0


def self_test(root):
    """Copies docs/architecture.md and src/ aside, breaks each rule once, and expects each breach found."""
    import shutil
    import subprocess
    import tempfile
    cases = [
        ("src/host/trace.cpp", '#include "card/card.h"', "host may not include card"),
        ("src/core/error.cpp", '#include "crypto/random.h"', "core may not include crypto"),
        ("src/card/piv/piv_applet.cpp", '#include "card/oath/oath_applet.h"', "another applet's folder card/oath"),
        ("src/runbook/diagnosis.cpp", '#include "cli/context.h"', "runbook may not include cli"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        copy = pathlib.Path(tmp)
        (copy / "docs").mkdir()
        shutil.copy(root / "docs" / "architecture.md", copy / "docs" / "architecture.md")
        shutil.copytree(root / "src", copy / "src")
        clean = subprocess.run([sys.executable, __file__, str(copy)], capture_output=True, text=True)
        if clean.returncode != 0:
            print("self-test: the untouched copy already fails:\n" + clean.stdout + clean.stderr)
            return 1
        for file, include, expected in cases:
            target = copy / file
            original = target.read_text(encoding="utf-8")
            target.write_text(include + "\n" + original, encoding="utf-8")
            run = subprocess.run([sys.executable, __file__, str(copy)], capture_output=True, text=True)
            target.write_text(original, encoding="utf-8")
            if run.returncode != 1 or expected not in run.stdout or file + ":1:" not in run.stdout:
                print("self-test: %s in %s was not reported (exit %d):\n%s" % (include, file, run.returncode,
                                                                              run.stdout + run.stderr))
                return 1
            print("self-test: caught %s" % run.stdout.strip().splitlines()[0])
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        sys.exit(self_test(pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else pathlib.Path(__file__).resolve().parents[2]))
    sys.exit(main(sys.argv))
