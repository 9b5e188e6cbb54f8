"""The one error type of fine-tuning: its message is safe to show a user as is."""


class TrainError(Exception):
    """A fine-tuning run cannot start or cannot go on (bad data, unloadable model, out of memory)."""
