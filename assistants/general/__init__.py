"""The `general` assistant: plain chat, and the model-alone baseline."""
