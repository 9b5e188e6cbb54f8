"""The chem tools as LangChain tools, for agents that call them directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool


def chem_tools() -> list[BaseTool]:
    from stages.langchain_chat import tool_from_function

    from assistants.chem import functional_groups, molecule, tools
    from assistants.chem.calc import equations, hazards, physical, structure

    functions = (
        molecule.validate_smiles,
        molecule.canonical_smiles,
        molecule.inchi,
        molecule.inchi_key,
        molecule.formula,
        molecule.average_mass,
        molecule.monoisotopic_mass,
        molecule.descriptors,
        molecule.similarity,
        functional_groups.functional_groups,
        tools.name_to_structure,
        tools.structure_name,
        tools.cas_lookup,
        structure.stereo_facts,
        structure.drug_likeness,
        hazards.hazard_data,
        equations.balance_equation,
        physical.solve_ideal_gas,
        physical.solve_dilution,
        physical.strong_acidity,
        physical.weak_acidity,
    )
    return [tool_from_function(fn) for fn in functions]
