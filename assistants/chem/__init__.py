"""Chemistry assistant: RDKit, OPSIN and a PubChem-derived compound store around a chat model."""

from assistants.chem.split import heldout

__all__ = ["heldout"]
