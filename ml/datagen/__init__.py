"""Sample data generator: a simulated retailer written in the raw file contract.

``generate`` is the entry point (``stockcast generate`` calls it); the files it
writes, and the ground truth beside them, are described in docs/generator.md.
"""

from ml.datagen.catalog import ADI_CUTOFF, CV2_CUTOFF, DEMAND_CLASSES
from ml.datagen.generator import CONTRACT, FILE_NAMES, TRUTH, GenerateSummary, generate

__all__ = [
    "ADI_CUTOFF",
    "CONTRACT",
    "CV2_CUTOFF",
    "DEMAND_CLASSES",
    "FILE_NAMES",
    "TRUTH",
    "GenerateSummary",
    "generate",
]
