"""Cutis: clinical decision support for calcinosis cutis in dogs.

The public surface of the clinical core. Everything else is internal and may change.
"""

from cutis.core.assess import ASSESSMENT_FORMAT, ENGINE_VERSION, assess
from cutis.core.case import CASE_FORMAT, InvalidCase, parse_case
from cutis.knowledge import Knowledge, KnowledgeError, load_knowledge

__version__ = ENGINE_VERSION

__all__ = [
    "ASSESSMENT_FORMAT",
    "CASE_FORMAT",
    "ENGINE_VERSION",
    "InvalidCase",
    "Knowledge",
    "KnowledgeError",
    "__version__",
    "assess",
    "load_knowledge",
    "parse_case",
]
