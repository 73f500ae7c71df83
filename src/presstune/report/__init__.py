"""report stage: one self-contained HTML page and one Markdown file comparing the run's variants."""
