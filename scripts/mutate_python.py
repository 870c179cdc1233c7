#!/usr/bin/env python3
"""Mutation testing of the independent Python implementation against the vectors alone.

Each mutant is one small change to one expression or statement of
conformance/impls/python/provedex_ref (a comparison flipped, a boolean
operator swapped, a condition negated, an integer off by one, a `raise`
dropped, a `return` value dropped, a `break` turned into `continue`). The
conformance runner then runs every vector against the mutated
implementation's adapter, one file at a time, smallest first. A mutant is
*killed* when the runner reports a failed or errored test (or dies, or times
out), and *survives* when every vector still passes: a behaviour of the implementation that no vector pins.

Code that only plants the deliberate bugs of the planted-bug drill
(`bugs.py` and every statement that calls `planted(...)`) is not mutated:
it is not part of the implementation's behaviour.

Usage:
    scripts/mutate_python.py [--repo DIR] [--runner PATH] [--python PATH]
                             [--only FILE.py] [--out DIR] [--jobs N]

--repo is the tree whose implementation, spec and vectors are used (default:
this repository); --runner a built `provedex-conformance` (default:
DIR/target/debug/provedex-conformance). Results go to --out (default:
target/mutants-python/): results.json (every mutant and its outcome) and
report.md (counts per file and kill rates, with the survivors that
conformance/mutation/python.tsv explains as equivalent or unreached counted
apart, and every other survivor listed). --report RESULTS.json... prints the
report of earlier runs, merged, without running anything.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

REPO = pathlib.Path(__file__).resolve().parents[1]
IMPL = pathlib.Path("conformance/impls/python")
PACKAGE = "provedex_ref"
NOT_MUTATED = {"bugs.py", "__init__.py"}
FLIPPED_COMPARISONS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
SWAPPED_OPERATORS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitOr,
}


@dataclass
class Mutant:
    file: str
    line: int
    description: str
    index: int
    outcome: str = ""


def is_planted_call(node: ast.AST) -> bool:
    """Whether `node` is `planted(...)`: the drill's switch, whose branch is bug code, not the implementation."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "planted"


class Mutator(ast.NodeTransformer):
    """Walks a module in a fixed order; counts mutation points, and applies the one numbered `target`."""

    def __init__(self, target: int | None) -> None:
        self.target = target
        self.count = 0
        self.points: list[tuple[int, str]] = []
        self.skip_depth = 0

    def point(self, node: ast.AST, description: str) -> bool:
        """Registers a mutation point; true when it is the one to apply."""
        if self.skip_depth:
            return False
        index = self.count
        self.count += 1
        self.points.append((getattr(node, "lineno", 0), description))
        return index == self.target

    def visit_If(self, node: ast.If) -> ast.AST:
        if is_planted_call(node.test):
            self.skip_depth += 1
            node.body = [self.visit(statement) for statement in node.body]
            self.skip_depth -= 1
            node.orelse = [self.visit(statement) for statement in node.orelse]
            return node
        apply = self.point(node, f"if {ast.unparse(node.test)}  ->  if not (...)")
        self.generic_visit(node)
        if apply:
            node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            flipped = FLIPPED_COMPARISONS.get(type(op))
            if flipped and self.point(node, f"{type(op).__name__} -> {flipped.__name__} in {ast.unparse(node)}"):
                node.ops[i] = flipped()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self.point(node, f"{type(node.op).__name__} -> {other.__name__} in {ast.unparse(node)}"):
            node.op = other()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        swapped = SWAPPED_OPERATORS.get(type(node.op))
        if swapped and self.point(node, f"{type(node.op).__name__} -> {swapped.__name__} in {ast.unparse(node)}"):
            node.op = swapped()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self.point(node, f"drop `not` in {ast.unparse(node)}"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self.point(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int) and self.point(node, f"{value} -> {value + 1}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        self.generic_visit(node)
        if self.point(node, f"drop `{ast.unparse(node)[:80]}`"):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            if self.point(node, f"`{ast.unparse(node)[:80]}` -> `return None`"):
                return ast.copy_location(ast.Return(value=ast.Constant(None)), node)
        return node

    def visit_Break(self, node: ast.Break) -> ast.AST:
        if self.point(node, "break -> continue"):
            return ast.copy_location(ast.Continue(), node)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        # Docstrings and bare string expressions are documentation, not behaviour.
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        # Annotations and default values of type hints are not behaviour worth a mutant.
        node.body = [self.visit(statement) for statement in node.body]
        node.body = [s for s in node.body if s is not None]
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [self.visit(d) if d is not None else None for d in node.args.kw_defaults]
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node


def mutation_points(source: str) -> list[tuple[int, str]]:
    mutator = Mutator(None)
    mutator.visit(ast.parse(source))
    return mutator.points


def mutated_source(source: str, index: int) -> str:
    tree = ast.parse(source)
    Mutator(index).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def run_vectors(runner: pathlib.Path, python: str, tree: pathlib.Path, spec: pathlib.Path, vectors: pathlib.Path) -> str:
    """`killed`, `survived` or `timeout` for the implementation in `tree`.

    The vector files run one at a time, smallest first, and the first that
    fails kills the mutant: most mutants die in a small file, so only the
    survivors pay for a whole pass.
    """
    env = dict(os.environ, PROVEDEX_SPEC_DIR=str(spec), PYTHONDONTWRITEBYTECODE="1")
    # Generous per answer: a 16 MiB line takes the unmutated implementation
    # seconds, more on a loaded machine, and a slow answer must not pass for a kill.
    adapter = [python, str(tree / "adapter.py")]
    for stem in sorted((p.stem for p in vectors.glob("*.json")), key=lambda s: (vectors / f"{s}.json").stat().st_size):
        command = [str(runner), "run", "--timeout", "30", "--vectors", str(vectors), "--filter", f"{stem}/", "--", *adapter]
        try:
            done = subprocess.run(command, env=env, capture_output=True, timeout=600)
        except subprocess.TimeoutExpired:
            return "timeout"
        if done.returncode != 0:
            return "killed"
    return "survived"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=pathlib.Path, default=REPO)
    parser.add_argument("--runner", type=pathlib.Path)
    parser.add_argument("--python", default=str(REPO / "target/python-venv/bin/python"))
    parser.add_argument("--only", action="append", default=[], help="mutate only this file of provedex_ref (repeatable)")
    parser.add_argument("--out", type=pathlib.Path, default=REPO / "target/mutants-python")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--report",
        type=pathlib.Path,
        nargs="+",
        metavar="RESULTS",
        help="run nothing: print the report of earlier results.json files, merged (a later file's result of a "
        "mutant replaces an earlier one's, so a run with --only can update a full run)",
    )
    args = parser.parse_args()
    if args.report:
        merged: dict[tuple[str, int], Mutant] = {}
        for path in args.report:
            for m in json.loads(path.read_text(encoding="utf-8")):
                mutant = Mutant(**m)
                merged[(mutant.file, mutant.index)] = mutant
        print(render(sorted(merged.values(), key=lambda m: (m.file, m.index)), None))
        return 0
    repo = args.repo.resolve()
    runner = (args.runner or repo / "target/debug/provedex-conformance").resolve()
    if not runner.is_file():
        print(f"error: no runner at {runner}; build it with `cargo build -p provedex-conformance`", file=sys.stderr)
        return 2
    package = repo / IMPL / PACKAGE
    files = sorted(p.name for p in package.glob("*.py") if p.name not in NOT_MUTATED)
    if args.only:
        unknown = set(args.only) - set(files)
        if unknown:
            print(f"error: not a mutated file of {PACKAGE}: {sorted(unknown)}", file=sys.stderr)
            return 2
        files = [f for f in files if f in args.only]

    spec, vectors = repo / "spec", repo / "vectors"
    with tempfile.TemporaryDirectory(prefix="mutants-python-") as scratch:
        pristine = pathlib.Path(scratch) / "pristine"
        shutil.copytree(repo / IMPL, pristine, ignore=shutil.ignore_patterns("__pycache__", "tests"))
        if run_vectors(runner, args.python, pristine, spec, vectors) != "survived":
            print("error: the unmutated implementation does not pass every vector", file=sys.stderr)
            return 2
        mutants: list[Mutant] = []
        for name in files:
            source = (package / name).read_text(encoding="utf-8")
            for index, (line, description) in enumerate(mutation_points(source)):
                mutants.append(Mutant(f"{PACKAGE}/{name}", line, description, index))
        print(f"{len(mutants)} mutants in {len(files)} files, {args.jobs} at a time", flush=True)

        def judge(numbered: tuple[int, Mutant]) -> Mutant:
            n, mutant = numbered
            tree = pathlib.Path(scratch) / f"m{n}"
            shutil.copytree(pristine, tree)
            source = (package / pathlib.Path(mutant.file).name).read_text(encoding="utf-8")
            (tree / mutant.file).write_text(mutated_source(source, mutant.index), encoding="utf-8")
            mutant.outcome = run_vectors(runner, args.python, tree, spec, vectors)
            shutil.rmtree(tree)
            return mutant

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for done, mutant in enumerate(pool.map(judge, enumerate(mutants)), 1):
                if done % 50 == 0:
                    print(f"  {done}/{len(mutants)} in {time.monotonic() - started:.0f} s", flush=True)
        elapsed = time.monotonic() - started

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps([asdict(m) for m in mutants], indent=1) + "\n")
    report = render(mutants, elapsed)
    (args.out / "report.md").write_text(report)
    print(report)
    return 0


def name(m: Mutant) -> str:
    """How a mutant is named in reports and in conformance/mutation/python.tsv."""
    return f"{m.file}:{m.line}: {m.description}"


def explained_survivors() -> dict[str, tuple[str, str]]:
    """The survivors conformance/mutation/python.tsv explains: name -> (class, reason)."""
    explained = {}
    for line in (REPO / "conformance/mutation/python.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, cls, reason = line.split("\t")
            explained[name] = (cls, reason)
    return explained


def render(mutants: list[Mutant], elapsed: float | None) -> str:
    """Counts per file and kill rates: over every mutant, without the equivalent
    ones, and over the code a request reaches (without the unreached ones too)."""
    explained = explained_survivors()
    lines = [
        "| file | mutants | killed | timeout | survived | equivalent | unreached | kill rate | without equivalents "
        "| reachable code |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by_file: dict[str, list[Mutant]] = {}
    for m in mutants:
        by_file.setdefault(m.file, []).append(m)

    def pct(k: int, n: int) -> str:
        return f"{100 * k / n:.1f}%" if n else "-"

    for file, group in [*sorted(by_file.items()), ("total", mutants)]:
        killed = sum(m.outcome in ("killed", "timeout") for m in group)
        timeouts = sum(m.outcome == "timeout" for m in group)
        survivors = [m for m in group if m.outcome == "survived"]
        classes = [explained.get(name(m), ("",))[0] for m in survivors]
        equivalent, unreached = classes.count("equivalent"), classes.count("unreached")
        lines.append(
            f"| {file} | {len(group)} | {killed - timeouts} | {timeouts} | {len(survivors)} | {equivalent} | {unreached} "
            f"| {pct(killed, len(group))} | {pct(killed, len(group) - equivalent)} "
            f"| {pct(killed, len(group) - equivalent - unreached)} |"
        )
    if elapsed is not None:
        lines += ["", f"{len(mutants)} mutants in {elapsed:.0f} s."]
    unexplained = [m for m in mutants if m.outcome == "survived" and name(m) not in explained]
    lines += ["", f"## Unexplained survivors (a missing vector, or an entry for conformance/mutation/python.tsv): {len(unexplained)}", ""]
    lines += [f"- {name(m)}" for m in unexplained]
    stale = sorted(set(explained) - {name(m) for m in mutants if m.outcome == "survived"})
    if stale:
        lines += ["", f"## Entries of conformance/mutation/python.tsv that no survivor matched: {len(stale)}", ""]
        lines += [f"- {n}" for n in stale]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
