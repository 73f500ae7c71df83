"""Helpers shared by several test modules: import them as ``from helpers.<module> import ...``.

Test modules never import each other: whatever two of them share lives here (plain functions and
data) or in ``tests/conftest.py`` (fixtures). pytest's default "prepend" import mode puts
``tests/`` on ``sys.path`` (the directory of ``conftest.py``), which makes ``helpers`` importable.
"""
