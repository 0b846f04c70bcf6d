"""Rules about the contract's data that a Table Schema cannot express."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .problems import Problem


def check_rules(frames: dict[str, pd.DataFrame], lines: dict[str, list[int]], labels: dict[str, str]) -> list[Problem]:
    """Cross-table rules: stated totals, every commune and neighbourhood linked, consistent SIREN columns."""
    problems: list[Problem] = []
    contract = frames["contract"]
    links = frames["neighbourhood_communes"]

    def line(table, index):
        return int(lines[table][index])

    for table, column in (("neighbourhoods", "neighbourhoods_stated"), ("communes", "communes_stated")):
        stated = contract[column].dropna().astype(int).unique()
        for value in stated:
            if len(frames[table]) != value:
                problems.append(Problem("stated-total", f"{len(frames[table])} rows, but the source states {value}",
                                        file=labels[table], field=column,
                                        hint=f"the count must match contract.{column}; record any reading of the "
                                             "source that reconciles them in the note column"))

    for table, key in (("communes", "commune_code"), ("neighbourhoods", "neighbourhood_id")):
        df = frames[table]
        for index in df.index[~df[key].isin(links[key])]:
            problems.append(Problem("unlinked", "no row of neighbourhood_communes links it", file=labels[table],
                                    line=line(table, index), field=key, value=df.at[index, key],
                                    hint=f"add its rows to {labels['neighbourhood_communes']}"))

    signatories = frames["signatories"]
    is_commune = signatories["category"] == "commune"
    has_code = signatories["commune_code"].notna()
    for index in signatories.index[is_commune != has_code]:
        problems.append(Problem("commune-code", "commune_code is required for a commune and empty for the others",
                                file=labels["signatories"], line=line("signatories", index), field="commune_code",
                                value=signatories.at[index, "commune_code"]))
    missing = frames["communes"].loc[~frames["communes"]["commune_code"].isin(signatories["commune_code"])]
    for index in missing.index:
        problems.append(Problem("unlinked", "the commune is not among the signatories", file=labels["communes"],
                                line=line("communes", index), field="commune_code",
                                value=missing.at[index, "commune_code"]))

    for first, last in (("period_start_year", "period_end_year"), ("assises_start_date", "assises_end_date")):
        start, end = (pd.to_numeric(contract[c].str.replace("-", "")) for c in (first, last))  # years, ISO dates
        for index in contract.index[(start > end).fillna(False)]:
            problems.append(Problem("period", f"{first} is after {last}", file=labels["contract"],
                                    line=line("contract", index), field=first, value=contract.at[index, first],
                                    hint=f"the period ends on {contract.at[index, last]}"))

    for columns in (["siren", "siren_confidence", "siren_source_id"], ["snapshot", "snapshot_sha256"]):
        table = "signatories" if columns[0] == "siren" else "sources"
        filled = frames[table][columns].notna()
        for index in frames[table].index[filled.any(axis=1) & ~filled.all(axis=1)]:
            problems.append(Problem("siren-provenance" if table == "signatories" else "snapshot",
                                    f"{', '.join(columns)} go together", file=labels[table],
                                    line=line(table, index), field=",".join(columns),
                                    hint="fill all of them, or none"))
    return problems


def check_snapshots(sources: pd.DataFrame, lines: list[int], label: str, root: Path) -> list[Problem]:
    """Each source's snapshot exists in the repository and still has the SHA-256 the sources table records."""
    import hashlib

    problems = []
    for index in sources.index[sources["snapshot"].notna()]:
        path, recorded = sources.at[index, "snapshot"], sources.at[index, "snapshot_sha256"]
        target = root / path
        if not target.is_file() or not target.resolve().is_relative_to(root.resolve()):
            problems.append(Problem("snapshot", "snapshot file not found in the repository", file=label,
                                    line=int(lines[index]), field="snapshot", value=path,
                                    hint="restore the file, or correct its path"))
            continue
        actual = hashlib.sha256(target.read_bytes()).hexdigest()
        if actual != recorded:
            problems.append(Problem("snapshot", f"the snapshot's SHA-256 is {actual}", file=label,
                                    line=int(lines[index]), field="snapshot_sha256", value=recorded,
                                    hint="restore the snapshot, or record the new copy: its SHA-256 and the date "
                                         "you transcribed the data from it"))
    return problems
