"""collect stage: discover, fetch and download press releases (polite, resumable).

The pipeline calls :func:`presstune.collect.runner.run_collect`.
"""
