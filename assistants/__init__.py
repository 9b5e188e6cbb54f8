"""Domain assistants; `load_assistant(name)` is the way in."""

from assistants.registry import UnknownAssistant, assistant_names, load_assistant

__all__ = ["UnknownAssistant", "assistant_names", "load_assistant"]
