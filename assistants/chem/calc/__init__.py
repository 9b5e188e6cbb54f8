"""Answers the tools compute for what chemists ask beyond identity: hazards, thermochemistry,
stoichiometry and structure counts. Each module holds plain functions with pydantic results; `asked`
picks the ones a question needs and `check` holds a reply to their values."""
