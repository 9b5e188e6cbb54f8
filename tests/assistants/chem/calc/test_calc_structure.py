from assistants.chem.calc.structure import bond_counts, drug_likeness, element_counts, hybridisations, ring_counts, stereo_facts


def test_meso_forms_are_counted_once():
    facts = stereo_facts("CC(Br)C(C)Br")  # 2,3-dibromobutane: (R,R), (S,S) and one meso form
    assert (facts.stereocentres, facts.stereoisomers, facts.meso_or_achiral_isomers) == (2, 3, 1)
    assert facts.chiral is None  # unspecified: two isomers are chiral, the meso one is not


def test_chirality_of_specified_isomers():
    assert stereo_facts("C[C@@H](Br)[C@H](C)Br").chiral is False  # meso
    assert stereo_facts("C[C@@H](Br)[C@@H](C)Br").chiral is True
    assert stereo_facts("CCC(C)O").chiral is True
    assert stereo_facts("c1ccccc1").chiral is False


def test_stereoisomer_counts_include_double_bonds_and_many_centres():
    assert stereo_facts("CC=CC").stereoisomers == 2
    assert stereo_facts("CC(C)CCCC(C)C1CCC2C3CC=C4CC(O)CCC4(C)C3CCC12C").stereoisomers == 256  # cholesterol's skeleton


def test_counts_include_hydrogen_and_kekule_bonds():
    assert element_counts("CCO") == {"C": 2, "H": 6, "O": 1}
    assert bond_counts("c1ccccc1") == {"single": 9, "double": 3, "triple": 0, "sigma": 12, "pi": 3}
    assert bond_counts("C#N")["pi"] == 2
    assert ring_counts("c1ccc2ccccc2c1") == {"rings": 2, "aromatic_rings": 2}
    assert hybridisations("C=CC#C", "C") == {"sp": 2, "sp2": 2}


def test_drug_likeness_rules_with_their_values():
    lipinski, veber, ghose = drug_likeness("CC(=O)Oc1ccccc1C(=O)O")  # aspirin
    assert lipinski.passed and veber.passed and lipinski.values["H-bond donors"] == 1
    cyclosporin = "CCC1NC(=O)C(C(O)C(C)CC=CC)N(C)C(=O)C(C(C)C)N(C)C(=O)C(CC(C)C)N(C)C(=O)C(CC(C)C)N(C)C(=O)C(C)NC(=O)C(C)NC(=O)C(CC(C)C)N(C)C(=O)C(C(C)C)NC(=O)C(CC(C)C)N(C)C(=O)CN(C)C1=O"
    rule = drug_likeness(cyclosporin)[0]
    assert not rule.passed and "molecular weight > 500" in rule.violations
