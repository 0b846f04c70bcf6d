"""The published data against what the sources state."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata

import pandas as pd
import pytest
from stdnum.fr import siren

from .conftest import ROOT, snapshot

CONTRACT_PAGE = "sem-contrat-de-ville-2024-2030"
GEOGRAPHY_PAGE = "sem-la-politique-de-la-ville-cest-ou"


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "build" / f"{name}.csv", dtype=str, keep_default_na=False)


def plain(text: str) -> str:
    """Text with straight apostrophes and plain spaces (the pages use narrow no-break spaces)."""
    text = unicodedata.normalize("NFC", text).replace("’", "'")
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_contract_figures_match_the_contract_page():
    contract = table("contract").iloc[0]
    page = snapshot(CONTRACT_PAGE)
    assert contract["signed_on"] == "2024-07-10" and "signé mercredi 10 juillet 2024" in page
    assert (contract["period_start_year"], contract["period_end_year"]) == ("2024", "2030")
    assert contract["yearly_budget_eur"] == "5000000" and "5 M€ par an" in page
    assert contract["prevention_educators"] == "54" and "54 éducateurs de prévention spécialisée" in page
    assert contract["assises_participants"] == "500" and "(500 participants)" in page
    assert contract["epci_siren"] == "244200770" and siren.is_valid(contract["epci_siren"])
    for principle in contract["framework_principles"].split(" ; "):
        assert principle in page


def test_stated_totals_match_the_geography_page_and_the_tables():
    contract = table("contract").iloc[0]
    page = snapshot(GEOGRAPHY_PAGE)
    assert "32 quartiers prioritaires répartis sur 11 communes" in page
    assert "80 000 habitants, soit 20 %" in page
    assert (contract["neighbourhoods_stated"], contract["communes_stated"]) == ("32", "11")
    assert (contract["inhabitants_stated"], contract["population_share_stated_percent"]) == ("80000", "20")
    assert len(table("neighbourhoods")) == 32
    assert len(table("communes")) == 11


def test_the_four_defis_with_slogan_and_aim_from_the_page():
    defis = table("defis").sort_values("position")
    page = plain(snapshot(CONTRACT_PAGE))
    assert list(defis["slogan"]) == ["mon quartier agit", "mon quartier émancipe", "mon quartier révèle",
                                     "mon quartier respire"]
    for _, defi in defis.iterrows():
        assert plain(f"{defi['aim']} : {defi['slogan']}") in page


def test_communes_and_their_cog_codes():
    communes = dict(zip(table("communes")["commune_code"], table("communes")["name"]))
    assert communes == {
        "42005": "Andrézieux-Bouthéon", "42044": "Le Chambon-Feugerolles", "42095": "Firminy",
        "42103": "La Grand-Croix", "42183": "La Ricamarie", "42186": "Rive-de-Gier",
        "42189": "Roche-la-Molière", "42207": "Saint-Chamond", "42218": "Saint-Étienne",
        "42271": "Saint-Paul-en-Jarez", "42316": "Unieux",
    }
    assert "Les communes suivantes : " + ", ".join(table("signatories").query("category == 'commune'")
                                                   .sort_values("position", key=lambda s: s.astype(int))["name"]) \
        in plain(snapshot(CONTRACT_PAGE))


def test_every_neighbourhood_name_is_on_the_geography_page():
    page = plain(snapshot(GEOGRAPHY_PAGE))
    for name in table("neighbourhoods")["name"]:
        assert plain(name) in page, name


def test_shared_neighbourhoods_are_linked_to_both_communes():
    links = table("neighbourhood_communes").groupby("neighbourhood_id")["commune_code"].apply(set)
    assert links["montrambert-meline"] == {"42183", "42044"}
    assert links["malafolie"] == {"42044", "42095"}
    assert links["le-dorlay-les-pins-la-bachasse"] == {"42103", "42271"}
    assert sorted(n for n, codes in links.items() if len(codes) > 1) == [
        "le-dorlay-les-pins-la-bachasse", "malafolie", "montrambert-meline"]


def test_every_commune_has_a_neighbourhood_and_the_page_counts_per_commune():
    links = table("neighbourhood_communes")
    per_commune = links.groupby("commune_code").size().to_dict()
    assert set(per_commune) == set(table("communes")["commune_code"])
    # entries under each heading on the page; La Ricamarie's "Montcel" and "Centre-ville" are one row
    assert per_commune == {"42005": 1, "42186": 2, "42103": 1, "42271": 1, "42207": 4, "42218": 12,
                           "42183": 2, "42044": 6, "42095": 4, "42316": 1, "42189": 1}


def test_the_interpretations_are_flagged_and_explained():
    neighbourhoods = table("neighbourhoods").set_index("neighbourhood_id")
    interpreted = neighbourhoods[neighbourhoods["interpreted"] == "true"]
    assert list(interpreted.index) == ["malafolie", "montcel-centre-ville", "montrambert-meline"]
    assert all(note.startswith("Interpretation:") for note in interpreted["note"])
    literal = neighbourhoods.query("interpreted == 'false'")["note"]
    assert not any(note.startswith("Interpretation:") for note in literal)
    assert interpreted.loc["montcel-centre-ville", "name"] == "Montcel, Centre-ville"
    page = plain(snapshot(GEOGRAPHY_PAGE))
    assert "La Ricamarie : Montcel, Centre-ville, Montrambert Méline" in page
    # 35 entries on the page, two names listed twice, two entries read as one: 32
    entries = [e.strip() for line in page.splitlines() if line.strip().startswith("•") and " : " in line
               for e in line.split(" : ", 1)[1].split(",")]
    assert len(entries) == 35
    assert entries.count("Montrambert Méline") == entries.count("Malafolie") == 2
    assert len(entries) - 2 - 1 == len(neighbourhoods) == 32  # two names read once each, two entries as one


def test_signatories_as_the_page_groups_them():
    signatories = table("signatories")
    counts = signatories["category"].value_counts().to_dict()
    assert counts == {"co-pilote": 2, "collectivité ou organisme": 10, "bailleur social": 7, "commune": 11}
    page = plain(snapshot(CONTRACT_PAGE))
    for name in signatories.query("category != 'co-pilote'")["name"]:
        assert plain(name) in page, name
    co_pilots = signatories.query("category == 'co-pilote'")
    assert set(co_pilots["name"]) == {"Saint-Étienne Métropole", "État"}
    assert all(note.startswith("Interpretation:") for note in co_pilots["note"])


def test_published_sirens_are_valid_sourced_and_only_those_verified():
    signatories = table("signatories").set_index("signatory_id")
    published = signatories[signatories["siren"] != ""]
    assert published["siren"].to_dict() == {
        "saint-etienne-metropole": "244200770", "departement-de-la-loire": "224200014",
        "france-travail": "130005481", "banque-des-territoires": "180020026",
        "alliade-habitat": "960506152", "le-toit-forezien": "574501714",
    }
    assert all(siren.is_valid(value) for value in published["siren"])
    assert (published["siren_source_id"] != "").all() and (published["siren_confidence"] != "").all()
    assert "Interpretation" in signatories.loc["banque-des-territoires", "note"]


def test_no_unsourced_identifier_is_published():
    text = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "build").glob("*.csv"))
    assert not re.search(r"QN\d{3}", text), "no official QPV code is available from a source"
    assert "398115808" not in text and "661750067" not in text, "3F's SIREN is contested"
    columns = {field["name"] for path in (ROOT / "build" / "schemas").glob("*.schema.json")
               for field in json.loads(path.read_text())["fields"]}
    assert not {c for c in columns if "population" in c and c != "population_share_stated_percent"}


def test_every_cited_source_is_in_the_sources_table():
    sources = set(table("sources")["source_id"])
    cited = set()
    for path in (ROOT / "build").glob("*.csv"):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in df.columns:
            if column.endswith("source_id") and path.stem != "sources":
                cited |= set(df[column]) - {""}
    for feature in json.loads((ROOT / "build" / "communes.geojson").read_text(encoding="utf-8"))["features"]:
        cited.add(feature["properties"]["boundary_source_id"])
    assert cited == sources


def test_values_taken_from_the_reference_facts_are_there_with_their_confidence():
    facts = plain((ROOT / "docs" / "reference-facts.md").read_text(encoding="utf-8"))
    signatories = table("signatories")
    for _, row in signatories[signatories["siren"] != ""].iterrows():
        line = next((fact for fact in facts.splitlines() if row["siren"] in fact), "")
        assert f"| {row['siren_confidence']} |" in line or "244200770" == row["siren"], row["signatory_id"]
    assert "SIREN 244200770 (S" in facts
    contract = table("contract").iloc[0]
    assert (contract["assises_start_date"], contract["assises_end_date"]) == ("2023-11-07", "2023-11-08")
    assert "7 and 8 November 2023 (A" in facts
    assert f'co-piloté par {contract["co_pilots"]}' in facts
    for _, commune in table("communes").iterrows():
        assert f"| {commune['name']} | {commune['commune_code']} |" in facts


@pytest.mark.parametrize("source_id, evidence_name", [
    ("sem-contrat-de-ville-2024-2030", "sem-le-contrat-de-ville-2024-2030.txt"),
    ("sem-la-politique-de-la-ville-cest-ou", "sem-la-politique-de-la-ville-cest-ou.txt"),
    ("reference-facts", "reference-facts.md"),
    ("france-geojson-communes-loire", "france-geojson-communes-loire-contrat.geojson"),
])
def test_snapshots_in_the_repository_are_the_evidence_unchanged(source_id, evidence_name):
    from .conftest import evidence

    sources = table("sources").set_index("source_id")
    path = ROOT / sources.at[source_id, "snapshot"]
    assert path.read_bytes() == evidence(evidence_name).read_bytes()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sources.at[source_id, "snapshot_sha256"]
