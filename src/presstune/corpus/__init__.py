"""corpus stage: extract, clean, [LLM], filter, split and format the collected articles."""
