"""Using a tuned variant: ask it a question, chat with it, export it as a plain HF checkpoint."""
