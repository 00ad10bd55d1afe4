"""Engines decide where the streamed stages run, never what they do.

Both engines run the same stage functions (:func:`lineage.stream.sign_chunk`,
:func:`lineage.candidates.band_keys`, :func:`lineage.verify.shared_counts`) and
give the same results for the same input and seed:

* :class:`LocalEngine` (the default) in this process, shingles spilled to a
  temporary file;
* :class:`DaskEngine` as Dask tasks on a cluster, shingles kept on the workers.
"""

from __future__ import annotations

from lineage.engines.local import Engine, LocalEngine


def make_engine(name: str, scheduler: str | None = None, workers: int | None = None) -> Engine:
    """The engine called ``name`` ("local" or "dask")."""
    if name == "local":
        return LocalEngine()
    from lineage.engines.dask import DaskEngine  # dask is optional: imported only when asked for

    return DaskEngine(scheduler=scheduler, workers=workers)


__all__ = ["Engine", "LocalEngine", "make_engine"]
