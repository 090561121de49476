#!/usr/bin/env python3
"""Fails when the include graph between product folders has a cycle.

Every .c and .h under the product folders (dns/ config/ cache/ tls/
resolver/, and any folder below them, such as resolver/query/) belongs to
the folder it sits in, and each folder is one node. Each `#include "..."`
line is resolved as the compiler resolves a quoted include here: next to
the including file first, then from the top of the tree (-I$(top_srcdir)).
An include that lands in another product folder is an edge from the
includer's folder to that folder; anything else (system headers,
autoconf's config.h, tests/) is not part of the graph. Includes inside one
folder are not edges: cycles within a folder are that folder's business.

Exit 0 and the edges when the folders form a DAG; exit 1 and each cycle
found, with the include lines that make it, when they do not. Which edges
are allowed is deliberately not checked: only that dependencies point one
way.

Usage: check-deps.py [--root DIR]   (default: the tree this script is in)
"""
import os
import re
import sys

PRODUCT = ("dns", "config", "cache", "tls", "resolver")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def product_files(root):
    for top in PRODUCT:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            # Build output and hidden folders (.deps) hold no sources.
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, name), root)


def folder_of(rel):
    """The product folder a tree-relative path is in, or None."""
    folder = os.path.dirname(os.path.normpath(rel))
    if folder.split(os.sep)[0] in PRODUCT:
        return folder
    return None


def resolve(root, includer, target):
    """Where a quoted include of target from includer points, tree-relative."""
    here = os.path.normpath(os.path.join(os.path.dirname(includer), target))
    if os.path.isfile(os.path.join(root, here)):
        return here
    top = os.path.normpath(target)
    if os.path.isfile(os.path.join(root, top)):
        return top
    return None


def build_graph(root):
    """{folder: {folder it includes: [(file, line number, text), ...]}}"""
    graph = {}
    for rel in product_files(root):
        src = folder_of(rel)
        graph.setdefault(src, {})
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                hit = resolve(root, rel, m.group(1))
                dst = folder_of(hit) if hit else None
                if dst is None or dst == src:
                    continue
                graph[src].setdefault(dst, []).append((rel, lineno, line.strip()))
    return graph


def find_cycles(graph):
    """Each cycle that depth-first search closes, as a list of folders."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in graph}
    cycles = []

    def visit(node, path):
        colour[node] = GREY
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if colour.get(nxt, WHITE) == GREY:
                cycles.append(path[path.index(nxt):] + [nxt])
            elif colour.get(nxt, WHITE) == WHITE:
                visit(nxt, path)
        path.pop()
        colour[node] = BLACK

    for node in sorted(graph):
        if colour[node] == WHITE:
            visit(node, [])
    return cycles


def main(argv):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    if len(argv) == 3 and argv[1] == "--root":
        root = argv[2]
    elif len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = os.path.abspath(root)
    graph = build_graph(root)
    if not graph:
        print(f"check-deps: no product sources under {root}", file=sys.stderr)
        return 2
    cycles = find_cycles(graph)
    if cycles:
        for cycle in cycles:
            print("check-deps: FAIL: include cycle between folders: "
                  + " -> ".join(f"{n}/" for n in cycle))
            for a, b in zip(cycle, cycle[1:]):
                for rel, lineno, text in graph[a][b]:
                    print(f"  {rel}:{lineno}: {text}")
        return 1
    nedges = sum(len(v) for v in graph.values())
    print(f"check-deps: ok: {len(graph)} folders, {nedges} edges between them, no cycle")
    for a in sorted(graph):
        if graph[a]:
            print(f"  {a}/ -> " + " ".join(f"{b}/" for b in sorted(graph[a])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
