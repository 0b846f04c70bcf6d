"""Rules about the contract's data that a Table Schema cannot express: one function each, registered here.

A rule takes the checked tables (``Tables``) and returns problems of the types it declares. Adding a
check is writing one function with ``@rule("<problem type>")``; the build runs every registered rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .problem_types import problem_type
from .problems import Problem


@dataclass(frozen=True)
class Tables:
    """Every raw table as strings, each row's line in its file, each table's file label, the checkout."""

    frames: dict[str, pd.DataFrame]
    lines: dict[str, list[int]]
    labels: dict[str, str]
    root: Path

    def line(self, table: str, index) -> int:
        return int(self.lines[table][index])


Rule = Callable[[Tables], list[Problem]]
#: The registered rules, in the order they run.
RULES: list[tuple[tuple[str, ...], Rule]] = []


def rule(*types: str) -> Callable[[Rule], Rule]:
    """Register a rule that reports problems of ``types`` (each must be in the catalogue)."""
    for name in types:
        problem_type(name)

    def register(function: Rule) -> Rule:
        RULES.append((types, function))
        return function
    return register


def check_rules(tables: Tables) -> list[Problem]:
    """Every registered rule's problems."""
    problems = []
    for types, function in RULES:
        found = function(tables)
        assert all(p.type in types for p in found), f"{function.__name__} reports an undeclared type"
        problems += found
    return problems


@rule("stated-total")
def stated_totals(t: Tables) -> list[Problem]:
    """The neighbourhoods and communes are as many as the publisher states."""
    problems = []
    contract = t.frames["contract"]
    for table, column in (("neighbourhoods", "neighbourhoods_stated"), ("communes", "communes_stated")):
        for value in contract[column].dropna().astype(int).unique():
            if len(t.frames[table]) != value:
                problems.append(Problem("stated-total", f"{len(t.frames[table])} rows, but the source states {value}",
                                        file=t.labels[table], field=column,
                                        hint=f"the count must match contract.{column}; record any reading of the "
                                             "source that reconciles them in the note column"))
    return problems


@rule("unlinked")
def everything_linked(t: Tables) -> list[Problem]:
    """Every commune and neighbourhood is linked, and every commune is a signatory."""
    problems = []
    links = t.frames["neighbourhood_communes"]
    for table, key in (("communes", "commune_code"), ("neighbourhoods", "neighbourhood_id")):
        df = t.frames[table]
        for index in df.index[~df[key].isin(links[key])]:
            problems.append(Problem("unlinked", "no row of neighbourhood_communes links it", file=t.labels[table],
                                    line=t.line(table, index), field=key, value=df.at[index, key],
                                    hint=f"add its rows to {t.labels['neighbourhood_communes']}"))
    communes, signatories = t.frames["communes"], t.frames["signatories"]
    for index in communes.index[~communes["commune_code"].isin(signatories["commune_code"])]:
        problems.append(Problem("unlinked", "the commune is not among the signatories", file=t.labels["communes"],
                                line=t.line("communes", index), field="commune_code",
                                value=communes.at[index, "commune_code"]))
    return problems


@rule("commune-code")
def commune_codes_on_communes_only(t: Tables) -> list[Problem]:
    """A signatory has a commune code exactly when it is a commune."""
    signatories = t.frames["signatories"]
    wrong = (signatories["category"] == "commune") != signatories["commune_code"].notna()
    return [Problem("commune-code", "commune_code is required for a commune and empty for the others",
                    file=t.labels["signatories"], line=t.line("signatories", index), field="commune_code",
                    value=signatories.at[index, "commune_code"]) for index in signatories.index[wrong]]


@rule("period")
def periods_in_order(t: Tables) -> list[Problem]:
    """The contract's years and the Assises' dates are in order."""
    problems = []
    contract = t.frames["contract"]
    for first, last in (("period_start_year", "period_end_year"), ("assises_start_date", "assises_end_date")):
        start, end = (pd.to_numeric(contract[c].str.replace("-", "")) for c in (first, last))  # years, ISO dates
        for index in contract.index[(start > end).fillna(False)]:
            problems.append(Problem("period", f"{first} is after {last}", file=t.labels["contract"],
                                    line=t.line("contract", index), field=first, value=contract.at[index, first],
                                    hint=f"the period ends on {contract.at[index, last]}"))
    return problems


@rule("siren-provenance", "snapshot")
def values_with_their_provenance(t: Tables) -> list[Problem]:
    """A SIREN goes with its confidence and source; a snapshot with its SHA-256."""
    problems = []
    for table, columns, kind in (("signatories", ["siren", "siren_confidence", "siren_source_id"], "siren-provenance"),
                                 ("sources", ["snapshot", "snapshot_sha256"], "snapshot")):
        filled = t.frames[table][columns].notna()
        for index in t.frames[table].index[filled.any(axis=1) & ~filled.all(axis=1)]:
            problems.append(Problem(kind, f"{', '.join(columns)} go together", file=t.labels[table],
                                    line=t.line(table, index), field=",".join(columns),
                                    hint="fill all of them, or none"))
    return problems


@rule("snapshot")
def snapshots_unchanged(t: Tables) -> list[Problem]:
    """Each source's snapshot exists in the repository and still has the SHA-256 the sources table records."""
    problems = []
    sources, label = t.frames["sources"], t.labels["sources"]
    for index in sources.index[sources["snapshot"].notna() & sources["snapshot_sha256"].notna()]:
        path, recorded = sources.at[index, "snapshot"], sources.at[index, "snapshot_sha256"]
        target = t.root / path
        if not target.is_file() or not target.resolve().is_relative_to(t.root.resolve()):
            problems.append(Problem("snapshot", "snapshot file not found in the repository", file=label,
                                    line=t.line("sources", index), field="snapshot", value=path,
                                    hint="restore the file, or correct its path"))
            continue
        actual = hashlib.sha256(target.read_bytes()).hexdigest()
        if actual != recorded:
            problems.append(Problem("snapshot", f"the snapshot's SHA-256 is {actual}", file=label,
                                    line=t.line("sources", index), field="snapshot_sha256", value=recorded,
                                    hint="restore the snapshot, or record the new copy: its SHA-256 and the date "
                                         "you transcribed the data from it"))
    return problems
