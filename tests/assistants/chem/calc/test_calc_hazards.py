import pytest

from assistants.chem.calc.hazards import flammability, hazard_data, listed_carcinogen
from assistants.chem.calc.thermo import combustion_enthalpy, dipole_moment, enthalpy_of_formation, vapor_pressure
from assistants.chem.calc.stoichiometry import counts_of

BENZENE, METHANE, WATER, PROPYLENE_GLYCOL, SODIUM_CHLORIDE = "71-43-2", "74-82-8", "7732-18-5", "57-55-6", "7647-14-5"


def test_benzene_hazards_come_with_their_tables():
    data = hazard_data(BENZENE)
    assert data.flash_point.value - 273.15 == pytest.approx(-11)
    assert "IEC 60079-20-1" in data.flash_point.source
    assert [(limit.kind, limit.value, limit.unit) for limit in data.exposure_limits][0] == ("TWA", 0.5, "ppm")
    assert listed_carcinogen(data)


def test_flammability_follows_the_ghs_flash_point_limits():
    assert flammability(hazard_data(BENZENE), 353.2).flammable is True
    assert flammability(hazard_data(PROPYLENE_GLYCOL), 461.0).flammable is False  # 86 °C: combustible only
    assert flammability(hazard_data(METHANE), 111.6).flammable is True  # a gas with flammability limits
    assert flammability(hazard_data(WATER), 373.1).flammable is False  # listed as incombustible
    assert flammability(hazard_data(SODIUM_CHLORIDE), 1738.0).flammable is None  # nothing listed is not "not flammable"


def test_thermochemistry_from_the_tables():
    assert dipole_moment("67-64-1").value == pytest.approx(2.88)
    formation = enthalpy_of_formation(METHANE, "g")
    assert combustion_enthalpy(counts_of("CH4"), formation).value / 1000 == pytest.approx(-890.6, abs=0.5)
    assert vapor_pressure("64-17-5", 293.15).pascal / 1000 == pytest.approx(5.87, abs=0.05)
    assert vapor_pressure("64-17-5", 2000.0) is None  # outside every fitted range
