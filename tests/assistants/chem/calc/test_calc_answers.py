"""Calculations through the whole chem pipeline, judged on the reply text and status a user gets."""

import pytest

from assistants.chem.assistant import ChemAssistant
from stages.backends.scripted import ScriptedBackend
from stages.messages import ask
from stages.pipeline import Pipeline, without_check_notes
from stages.reply import Status


def _reply(question: str, store, draft: str = "x", phrasing: str = "template"):
    return Pipeline(ChemAssistant(phrasing=phrasing, store=store), ScriptedBackend([draft])).run(ask(question))


@pytest.mark.parametrize(("question", "expected"), [
    ("Is benzene flammable? What is its flash point?", ["Yes", "-11 °C"]),
    ("How many grams is 2 moles of NaCl?", ["116.9 g"]),
    ("What is the vapor pressure of ethanol at 20 C?", ["5.87 kPa"]),
    ("Is aspirin drug-like by Lipinski's rule?", ["Yes", "no violations"]),
    ("Balance CH4 + O2 -> CO2 + H2O", ["CH4 + 2 O2 → CO2 + 2 H2O"]),
    ("What is the oxidation state of Mn in KMnO4?", ["+7"]),
    ("Which is more polar, acetone or hexane?", ["Acetone is more polar"]),
    ("How many stereoisomers does 2,3-dibromobutane have?", ["3 stereoisomers"]),
    ("What is the mass percent of carbon in glucose?", ["40.00 %"]),
    ("Which has the higher flash point, ethanol or acetone?", ["Ethanol has the higher flash point"]),
    ("If 10.0 g of hydrogen reacts with 50.0 g of oxygen to form water, what is the limiting reagent?",
     ["Oxygen is the limiting reagent", "56.3 g of H2O"]),
    ("What is the density of ethanol at 20 °C?", ["0.7902 g/mL"]),
    ("Is benzene polar?", ["No: benzene is nonpolar"]),
    ("How many stereoisomers does 2,3-dibromobutane have? A. 2 B. 3 C. 4 D. 1", ["[ANSWER]B[/ANSWER]"]),
    ("Which of the following is the most polar? A. hexane B. benzene C. acetone D. carbon tetrachloride", ["[ANSWER]C[/ANSWER]"]),
    ("What is the oxidation state of Cr in K2Cr2O7? A) +3 B) +6 C) +7 D) +2", ["[ANSWER]B[/ANSWER]"]),
    ("How many heavy atoms does CC(=O)O have?", ["4 heavy"]),
    ("What is the count of N atoms in Cn1cnc2c1c(=O)n(C)c(=O)n2C?", ["4 N atoms"]),
    ("how many carbons in caffeine", ["8 C atoms"]),
    ("Number of rotatable bonds in ibuprofen?", ["4 rotatable bonds"]),
    ("I would like to know the flash point of this molecule, could you please provide it? CO", ["methanol is 9 °C"]),
    ("2 mol nacl in grams?", ["116.9 g"]),
    ("What is the oxidation state of S in \\ce{H2SO4}?", ["+6"]),
    ("Does CO2 have a dipole moment?", ["No"]),
    ("What is the heat of combustion of methane in kcal/mol?", ["-212.9 kcal/mol (-890.6 kJ/mol)"]),
    ("What is the enthalpy change for CH4 + 2 O2 -> CO2 + 2 H2O?", ["-890.6 kJ/mol"]),
    ("Balance: methane + oxygen -> carbon dioxide + water", ["CH4 + 2 O2 → CO2 + 2 H2O"]),
    ("Which has the higher flash point, ethanol or acetone, and by how much?", ["a difference of 32.0 °C"]),
    ("balance ch4 + o2 -> co2 + h2o", ["CH4 + 2 O2 → CO2 + 2 H2O"]),
    ("how many grams in 2 mols of water", ["36.03 g"]),
    ("What is the enthalpy of formation of H2O(l)?", ["-285.8 kJ/mol"]),
    ("How many grams of O2 are needed to react completely with 10 g of C3H8?", ["36.28 g of O2"]),
    ("i weighed 10 g of water, how many moles is that", ["0.5551 mol"]),
    ("Is benzene classified as carcinogenic to humans by IARC, and in which group?", ["Yes", "IARC Group 1"]),
    ("How many grams of CO2 form when 10.0 g of methane burns completely?", ["27.43 g of CO2"]),
    ("Does water burn?", ["No"]),
    ("A sample of 10.0 g of methane is burned completely in oxygen. Calculate the mass of carbon dioxide formed.", ["27.43 g of CO2"]),
    ("Calculate the amount of substance in a sample of 10 g of water. The unit of the answer is mol.", ["0.5551 mol"]),
    ("can u balance this for me: Al+HCl=AlCl3+H2", ["2 Al + 6 HCl → 2 AlCl3 + 3 H2"]),
    ("Calculate the mass of 2 mol of sodium chloride. The unit of the answer is g.", ["116.9 g"]),
    ("What is the atom count of Carbon for the SMILES molecule `Cn1cnc2c1c(=O)n(C)c(=O)n2C`?", ["8 C atoms"]),
    ("How many grams is 0.5 mol of pentyl acetate?", ["65.09 g"]),  # named as the user wrote it, not the store's label
    ("What mass of heptylbenzene contains 3.0 mol?", ["528.9 g"]),  # "contains 3.0" is no part of the name
    ("Is it safe to use N-methylcyclohexanamine near an open flame?", ["No, not safe", "flammable"]),
    ("Is benzene safe to touch?", ["No, not safe", "health hazard"]),
    ("Is water safe near an open flame?", ["Yes, as far as fire goes", "not a flammable liquid"]),
    ("acetone near open flame ok?", ["No, not safe", "flammable"]),  # a hurried user's "ok?" asks if it is safe
    ("Can I safely heat acetone over a Bunsen flame?", ["No, not safe", "flammable"]),
    ("Can I heat water over a Bunsen burner?", ["Yes, as far as fire goes"]),  # "Can I …?" asks whether it is safe
    ("is it ok to use ethanol with a gas burner?", ["No, not safe", "flammable"]),
    # yields with the other reactants in excess, or from two given amounts
    ("How many grams of ammonia can be made from 5.0 g of nitrogen gas with excess hydrogen?", ["6.079 g of ammonia"]),
    ("If 4.0 g of hydrogen reacts with excess oxygen, how many grams of water form?", ["35.75 g of water"]),
    ("How many moles of water form from 2.0 g of hydrogen and excess oxygen?", ["0.9921 mol of water"]),
    ("How many grams of carbon dioxide are produced when 10.0 g of methane is completely combusted?", ["27.43 g of CO2"]),
    ("How many grams of ammonia can be made from 5.0 g of nitrogen gas and 3 g of hydrogen?", ["6.079 g of H3N"]),
    # a store property asked is the answer, not an identity card
    ("What is the critical pressure of water in bar?", ["220.6 bar (22.06 MPa, 217.8 atm)"]),
    ("What is the critical pressure of water?", ["22.06 MPa"]),
    ("critical volume of methane?", ["98.63 cm³/mol"]),
    ("What is the acentric factor of benzene?", ["0.211"]),
    ("What functional groups does aspirin have?", ["carboxylic acid, ester, aromatic ring"]),
    ("Is 1-methoxy-2-((2-methoxyethyl)oxy)ethane within the rule-of-five limits?", ["Yes", "no violations"]),
])
def test_tool_answers_lead_and_are_verified(question, expected, store):
    reply = _reply(question, store)
    answer = reply.text.split("\n")[0]
    assert reply.status == Status.VERIFIED, reply.text
    assert all(e in answer for e in expected), answer


def test_what_the_tables_do_not_hold_is_said_not_guessed(store):
    reply = _reply("Is sodium chloride flammable?", store)
    assert reply.status != Status.VERIFIED
    assert "Not answered" in reply.text and "no flash point" in reply.text
    water = _reply("Is water flammable?", store)
    assert water.text.startswith("Answer: No: water is not a flammable liquid; it does not burn") and water.status == Status.VERIFIED


@pytest.mark.parametrize(("question", "draft"), [
    ("How many grams is 2 moles of NaCl?", "Answer: 2 moles of NaCl = 73.999 grams."),
    ("Is methanol toxic?", "Answer: No, methanol is not toxic."),
    ("How many stereoisomers does 2,3-dibromobutane have?", "Answer: 2,3-dibromobutane has 4 stereoisomers."),
    ("What is the oxidation state of Mn in KMnO4?", "Answer: The oxidation state of Mn is +2."),
    ("Is it true or false that acetone is flammable?", "False. Acetone is flammable."),
    ("can u balance this for me: N2+H2=NH3", "The balanced equation is 2N2 + 3H2 → 2NH3."),
    ("is acetone more polar than hexane?", "The dipole moment of acetone is 2.88 D, while hexane has a dipole moment of 0.00 D."),
    ("Is toluene flammable?", "The answer is: C7H8"),
    ("Can diethyl ether catch on fire?", "Answer: no, diethyl ether does not catch on fire."),
])
def test_a_model_draft_that_contradicts_a_tool_never_reaches_the_user(question, draft, store):
    reply = _reply(question, store, draft=draft, phrasing="model")
    assert reply.status == Status.CORRECTED
    assert draft.removeprefix("Answer: ") not in without_check_notes(reply.text)


def test_a_model_draft_that_gives_the_computed_answer_is_verified(store):
    reply = _reply("What is the oxidation state of Mn in KMnO4?", store, draft="Answer: The oxidation state of Mn in KMnO4 is +7.",
                   phrasing="model")
    assert reply.status == Status.VERIFIED


def test_a_formula_of_several_compounds_is_not_guessed(store):
    reply = _reply("how big is the dipole moment of C3H6O", store)
    assert reply.status != Status.VERIFIED and "several compounds" in reply.text.split("\n")[0]


@pytest.mark.parametrize(("question", "draft", "finding"), [
    ("Tell me about methanol.", "Answer: Methanol is a simple alcohol. It is not toxic and is safe to drink.",
     "“It is not toxic and is safe to drink.” contradicts the tools: Yes: methanol is a health hazard"),
    ("Tell me about benzene.", "Answer: Benzene is an aromatic hydrocarbon with a flash point of 50 °C.",
     "gives 50 °C; the tools give: The flash point of benzene is -11 °C"),
    ("What is the boiling point of acetone?", "Answer: Acetone boils at 329.2 K (56.05 °C). It is not flammable.",
     "“It is not flammable.” contradicts the tools: Yes: acetone is flammable"),
    ("What is the boiling point of diethyl ether?", "Answer: Diethyl ether boils at 307.6 K (34.45 °C). It does not catch on fire.",
     "“It does not catch on fire.” contradicts the tools: Yes: diethyl ether is flammable"),
])
def test_a_hazard_claim_the_question_did_not_ask_is_still_checked(question, draft, finding, store):
    reply = _reply(question, store, draft=draft, phrasing="model")
    assert reply.status == Status.CORRECTED
    failed = [c for r in reply.trace for c in r.checks if c.name == "tool_fact_claims" and not c.passed]
    assert failed and finding in failed[0].message, [c.message for c in failed]


def test_a_claim_the_tools_agree_with_passes(store):
    reply = _reply("Tell me about benzene.", store, draft="Answer: Benzene is an aromatic hydrocarbon; it is highly flammable.",
                   phrasing="model")
    assert not [c for r in reply.trace for c in r.checks if c.name == "tool_fact_claims"]


@pytest.mark.parametrize(("question", "expected"), [
    ("What pressure in atm do 2.0 mol of nitrogen exert in a 10.0 L vessel at 25 °C?", "4.893 atm"),
    ("Calculate the pressure (in atm) of 2.0 mol of nitrogen in 10.0 L at 25 °C using PV = nRT.", "4.893 atm"),
    ("What is the pH of 0.002 M hydrochloric acid?", "is 2.70"),
])
def test_an_amount_in_a_gas_or_ph_problem_is_not_answered_as_a_conversion(question, expected, store):
    reply = _reply(question, store)
    assert reply.status == Status.VERIFIED and expected in reply.text.split("\n")[0], reply.text[:300]


@pytest.mark.parametrize(("question", "expected"), [
    ("Calculate the pH of 0.01 M NaOH.", "is 12.00"),
    ("ph of 0.01 M hcl?", "is 2.00"),
    ("What is the pH of 0.1 M barium hydroxide?", "is 13.30"),  # two hydroxide ions per formula unit
    ("What is the pH of 0.1 M acetic acid (Ka = 1.8 x 10^-5)?", "is 2.88"),
    ("pH of 0.05 M ammonia, Kb = 1.8e-5?", "is 10.97"),  # solved exactly, not with x = sqrt(Kb c)
    ("What is the pOH of a solution with [H+] = 1.0e-3 M?", "pOH of a solution 0.001 mol/L in hydrogen ions is 11.00"),
    ("What is the pH of 1e-8 M HCl?", "is 6.98"),  # water's own ions count: a dilute acid is not basic
    ("What volume does 2 mol of an ideal gas occupy at STP?", "44.83 L"),
    ("A 5.00 L flask holds 16.0 g of O2 at 300 K. What is the pressure in kPa?", "249.4 kPa"),
    ("How many moles of gas are in 2.50 L at 1.00 atm and 298 K?", "0.1022 mol"),
    ("At what temperature do 0.500 mol of helium occupy 12.0 L at 1.50 atm?", "165.6 °C"),
    ("what volume in mL does 0.010 mol of CO2 take up at 25 C and 100 kPa", "247.9 mL"),
    ("What is the molarity of a solution made by dissolving 10 g of NaOH in water to make 250 mL of solution?", "is 1 M"),
    ("How many grams of NaCl are needed to make 500 mL of a 0.100 M solution?", "2.922 g"),
    ("How many moles of glucose are in 2.0 L of 0.5 M glucose solution?", "1 mol"),
    ("How many mL of 12 M HCl are needed to make 250 mL of 1.0 M HCl?", "20.83 mL"),
    ("50 mL of 2 M NaOH is diluted to 500 mL. What is the new concentration?", "gives 0.2 M"),
    ("If 25.0 mL of 6.0 M HCl is diluted to 1.0 M, what is the final volume?", "150 mL"),
    ("how much stock solution of 1 M NaCl do i need for 100 mL of 50 mM", "5 mL"),
    ("What is the pH of a solution made by dissolving 0.40 g of NaOH in water to make 1.0 L?", "is 12.00"),
    ("What volume of water must be added to 30.0 mL of 9.2 M stock solution to make a 1.2 M solution?", "Add 200 mL"),
    ("A 25.0 mL sample of ammonium nitrate solution produces a 0.186 M solution when diluted with 50.0 mL of water. "
     "What is the molarity of the stock solution?", "The stock is 0.558 M"),
    ("Determine the molarity of a stock solution if 81.0 mL of it were used to make 650 mL of 0.60 M solution.", "4.815 M"),
    ("If I add 25 mL of water to 125 mL of a 0.15 M NaOH solution, what will the molarity of the diluted solution be?", "0.125 M"),
])
def test_gas_law_ph_and_solution_answers_lead_and_are_verified(question, expected, store):
    reply = _reply(question, store)
    assert reply.status == Status.VERIFIED, reply.text[:400]
    assert expected in reply.text.split("\n")[0], reply.text[:400]


def test_a_dilution_that_would_concentrate_is_refused_in_words(store):
    reply = _reply("How much of 0.1 M HCl stock do I dilute to make 100 mL of 1 M HCl?", store)
    assert reply.status != Status.VERIFIED and reply.text.startswith("Not answered") and "more concentrated" in reply.text


@pytest.mark.parametrize("question", ["What is the pressure of 1 mol of gas in 10 L at -300 °C?", "pH of 0.1 M acid with Ka = 0?"])
def test_impossible_figures_are_said_not_computed(question, store):
    reply = _reply(question, store)
    assert reply.status != Status.VERIFIED and reply.text.startswith("Not answered") and "must be positive" in reply.text


@pytest.mark.parametrize("formula", ["Na3Co(NO2)6", "K4Fe(CN)6"])  # N beside O sits in nitrite; C and N in cyanide
def test_an_oxidation_state_the_rules_do_not_settle_is_not_guessed(formula, store):
    reply = _reply(f"What is the oxidation state of N in {formula}?", store)
    assert reply.status != Status.VERIFIED and reply.text.startswith("Not answered") and "left open" in reply.text


def test_a_computed_number_is_tagged_when_the_question_asks_for_tags(store):
    question = ("The following is a question about chemistry.\n\nQuestion: What is the oxidation state of O in Al(H2PO4)3?\n\n"
                "You MUST include the final answer within the following tags: [ANSWER] and [/ANSWER].")
    reply = _reply(question, store)
    assert reply.status == Status.VERIFIED and "[ANSWER]-2[/ANSWER]" in reply.text.split("\n")[0]
    assert "[ANSWER]" not in _reply("What is the oxidation state of O in Al(H2PO4)3?", store).text
    phrased = _reply(question, store, draft="Answer: The oxidation state of O in Al(H2PO4)3 is −2.", phrasing="model")
    assert phrased.status == Status.VERIFIED and phrased.text.rstrip().endswith("[ANSWER]-2[/ANSWER]")
    sci = ("Conclude the answer by stating \"The answer is therefore [ANSWER].\"\n\nA sample of 0.4 mol CH4(g) occupies 6.0 dm^3 "
           "at 1.8 atm. Calculate its temperature from the perfect gas equation.")
    assert "[ANSWER]" not in _reply(sci, store).text  # 55.9 °C or 329.04 K: the asked unit does not say which


def test_a_weak_acid_without_its_constant_is_not_guessed(store):
    reply = _reply("What is the pH of 0.1 M acetic acid?", store)
    assert reply.status != Status.VERIFIED
    assert reply.text.startswith("Not answered") and "Ka or Kb" in reply.text.split("\n")[0]


@pytest.mark.parametrize(("question", "draft"), [
    ("what pH does 0.002 M HCl have?", "Answer: 0.002 M HCl has a pH of 0.002."),
    ("pressure of 2.0 mol N2 in 10.0 L at 25 C, in atm?", "Answer: The pressure is 0.49 atm."),
])
def test_a_wrong_gas_or_ph_value_from_the_model_is_replaced(question, draft, store):
    reply = _reply(question, store, draft=draft, phrasing="model")
    assert reply.status == Status.CORRECTED and draft.removeprefix("Answer: ") not in without_check_notes(reply.text)


@pytest.mark.parametrize(("draft", "passes"), [
    ("1 molecule of aspirin contains 4 atoms of aspirin. The answer is 4.", False),
    ("Aspirin has 4 oxygen atoms.", True),
    ("There are 4 O atoms in aspirin (C9H8O4).", True),
    ("Aspirin, C9H8O4, has 4 atoms in it.", False),
])
def test_an_element_count_must_name_the_element_it_counts(draft, passes, store):
    reply = _reply("how many O atoms in a single molecule of aspirin?", store, draft=f"Answer: {draft}", phrasing="model")
    assert (reply.status == Status.VERIFIED) is passes, reply.text[:300]


def test_a_yield_no_equation_balances_is_said_not_guessed(store):
    reply = _reply("How many grams of methanol can be made from 10 g of carbon monoxide with excess oxygen?", store)
    assert reply.status != Status.VERIFIED and "Not answered" in reply.text, reply.text


def test_a_neutralisation_is_not_computed_as_a_dilution(store):
    reply = _reply("How many milliliters of 0.250 M KOH does it take to neutralize completely 50.0 mL of 0.150 M H3PO4?", store)
    assert reply.status != Status.VERIFIED and "30.0 mL" not in reply.text and "stoichiometry" in reply.text, reply.text
