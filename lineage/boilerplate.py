"""Boilerplate: shingles held by so many documents that they say nothing about lineage.

Site headers, footers, navigation and share buttons repeat across unrelated
pages of one site. Left in, they make those pages look like rewrites of each
other; document-frequency filtering removes them before any similarity is computed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from lineage.config import BoilerplateConfig


def boilerplate_columns(
    document_frequency: npt.NDArray[np.integer], n_docs: int, config: BoilerplateConfig
) -> npt.NDArray[np.bool_]:
    """True for each shingle held by more than ``config.max_df`` of ``n_docs`` documents."""
    if n_docs < config.min_docs or config.max_df >= 1.0:
        return np.zeros(len(document_frequency), dtype=bool)
    return document_frequency > config.max_df * n_docs
