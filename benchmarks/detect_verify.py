"""Detect + verify time of a single-entity chemistry turn, without the model.

Each identity question names one compound: half are names the compound store knows, half systematic
names only OPSIN reads (so the turn makes its one OPSIN batch). The calculation questions ask what the
calculators answer (hazards, thermochemistry, stoichiometry, structure counts), with the property
tables loaded once before the timed turns. Timed: the chem assistant's detect (entities,
store, OPSIN, facts, safety) plus verify of the tool-composed answer (every claim check and the
coverage check). Floor, timed in the same run: parsing the answer's SMILES and computing its InChIKey
with bare RDKit, the least any check of that answer must do. The OPSIN JVM starts once, before the
timed turns (its start is printed on its own).

    python benchmarks/detect_verify.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a checkout named there is measured

from assistants.chem.answer import compose  # noqa: E402
from assistants.chem.assistant import ChemAssistant  # noqa: E402
from assistants.chem.opsin import opsin_smiles  # noqa: E402
from stages.backends.scripted import ScriptedBackend  # noqa: E402
from stages.messages import ask  # noqa: E402
from stages.stage import RunContext  # noqa: E402

STORE_NAMES = ["caffeine", "aspirin", "toluene", "acetone", "glycerol", "benzene", "ethanol", "pyridine"]
OPSIN_NAMES = [
    "2-(4-chlorophenyl)-3-methylbutanoic acid", "ethyl 3-oxo-3-(pyridin-2-yl)propanoate",
    "1-(2,4-dimethylphenyl)-2-methylpropan-1-one", "N-benzyl-3-methoxypropanamide",
    "4-(3-fluorophenoxy)butan-2-one", "methyl 2-amino-5-bromo-3-methylbenzoate",
    "3-(cyclohexylmethyl)pentane-2,4-dione", "2-ethoxy-N,N-dimethylacetamide",
]
QUESTIONS = [f"What is the SMILES of {name}?" for name in STORE_NAMES + OPSIN_NAMES]
CALCULATIONS = [
    "Is benzene flammable? What is its flash point?", "What is the TWA exposure limit for toluene?", "Is formaldehyde a carcinogen?",
    "Which is more polar, acetone or hexane?", "What is the vapor pressure of ethanol at 20 C?",
    "What is the standard enthalpy of formation of ethanol?", "How many grams is 2 moles of NaCl?",
    "Balance CH4 + O2 -> CO2 + H2O", "What is the oxidation state of Mn in KMnO4?", "What is the mass percent of carbon in glucose?",
    "How many stereoisomers does 2,3-dibromobutane have?", "Is aspirin drug-like by Lipinski's rule?",
    "How many carbon atoms are in caffeine?", "If 10.0 g of hydrogen reacts with 50.0 g of oxygen to form water, what is the limiting reagent?",
    "What pressure in atm do 2.0 mol of nitrogen exert in a 10.0 L vessel at 25 °C?", "What is the pH of 0.002 M hydrochloric acid?",
    "How many mL of 12 M HCl are needed to make 250 mL of 1.0 M HCl?",
]


def turn_ms(assistant: ChemAssistant, question: str) -> tuple[float, str]:
    """One detect + verify, in ms, and the answer's SMILES."""
    ctx = RunContext(ask(question), ScriptedBackend(["unused"]), lambda _e: None, max_model_calls=1,
                     deadline=time.monotonic() + 60)
    started = time.perf_counter()
    ctx.detection = assistant.detect(ctx)
    facts = assistant.facts(ctx)
    assert facts is not None and (facts.molecules or facts.computed), f"no molecule or calculation for {question!r}"
    checks = assistant.verify(assistant.parse(compose(facts), ctx), ctx)
    elapsed = (time.perf_counter() - started) * 1000
    assert all(c.passed for c in checks), [c.name for c in checks if not c.passed]
    return elapsed, facts.molecules[0].smiles if facts.molecules else "O"


def floor_ms(smiles: str) -> float:
    from rdkit import Chem

    started = time.perf_counter()
    Chem.MolToInchiKey(Chem.MolFromSmiles(smiles))
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    assistant = ChemAssistant(phrasing="template")
    started = time.perf_counter()
    opsin_smiles(["ethanol"])
    print(f"OPSIN JVM start (once per process): {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    for question in QUESTIONS + CALCULATIONS:  # warm-up: store pages, RDKit, the JVM's JIT, the property tables
        turn_ms(assistant, question)
    print(f"warm-up, property tables loaded once: {(time.perf_counter() - started) * 1000:.0f} ms")
    timings: dict[str, list[float]] = {"store": [], "opsin": [], "calculation": []}
    floors: list[float] = []
    for _ in range(args.rounds):
        for i, question in enumerate(QUESTIONS + CALCULATIONS):
            elapsed, smiles = turn_ms(assistant, question)
            kind = "store" if i < len(STORE_NAMES) else "opsin" if i < len(QUESTIONS) else "calculation"
            timings[kind].append(elapsed)
            floors.append(floor_ms(smiles))
    floor = statistics.median(floors)
    print(f"floor (bare RDKit parse + InChIKey of the answer): p50 {floor:.2f} ms")
    for kind, values in timings.items():
        p50 = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        target = "50" if kind == "calculation" else "20"
        what = "questions" if kind == "calculation" else "names"
        print(f"detect + verify, {kind} {what} ({len(values)} turns): p50 {p50:.1f} ms, p90 {p90:.1f} ms, "
              f"{p50 / floor:.0f}x the floor (target p50 < {target} ms)")


if __name__ == "__main__":
    main()
