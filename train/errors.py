"""The one error type of fine-tuning: its message is safe to show a user as is."""


class TrainError(Exception):
    """A fine-tuning run cannot start or cannot go on (bad data, unloadable model, out of memory)."""


class Interrupted(TrainError):
    """The user stopped the run (Ctrl-C); the message says what was kept and how to go on."""
