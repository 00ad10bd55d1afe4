"""lineage: find near-duplicate documents and reconstruct how content farms rewrite them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lineage")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

from lineage import synth  # noqa: E402  (after __version__, which the stages import)
from lineage.config import (  # noqa: E402
    AnalyzeConfig,
    BoilerplateConfig,
    CandidateConfig,
    ClusterConfig,
    DedupConfig,
    InjectionConfig,
    MinHashConfig,
    PassageConfig,
    ReadConfig,
    ShingleConfig,
    SignConfig,
    SynthConfig,
    TreeConfig,
)
from lineage.corpus import iter_corpus, read_corpus  # noqa: E402
from lineage.dedup import DedupSummary, dedup  # noqa: E402
from lineage.engines import LocalEngine  # noqa: E402
from lineage.errors import ConfigError, InputError, LineageError, OutputError  # noqa: E402
from lineage.injections import find_injections  # noqa: E402
from lineage.operators import find_operators  # noqa: E402
from lineage.pipeline import analyze, compare  # noqa: E402
from lineage.report import report_dict, write_report  # noqa: E402
from lineage.synth import SynthSummary  # noqa: E402
from lineage.types import (  # noqa: E402
    Comparison,
    Document,
    Family,
    Fingerprint,
    Injection,
    Occurrence,
    Operator,
    Pair,
    Passage,
    Phrase,
    Report,
    Segment,
    SkippedInput,
    TreeEdge,
)

__all__ = [
    "AnalyzeConfig",
    "BoilerplateConfig",
    "CandidateConfig",
    "ClusterConfig",
    "Comparison",
    "ConfigError",
    "DedupConfig",
    "DedupSummary",
    "Document",
    "Family",
    "Fingerprint",
    "Injection",
    "InjectionConfig",
    "InputError",
    "LineageError",
    "LocalEngine",
    "MinHashConfig",
    "Occurrence",
    "Operator",
    "OutputError",
    "Pair",
    "Passage",
    "PassageConfig",
    "Phrase",
    "ReadConfig",
    "Report",
    "Segment",
    "ShingleConfig",
    "SignConfig",
    "SkippedInput",
    "SynthConfig",
    "SynthSummary",
    "TreeConfig",
    "TreeEdge",
    "__version__",
    "analyze",
    "compare",
    "dedup",
    "find_injections",
    "find_operators",
    "iter_corpus",
    "read_corpus",
    "report_dict",
    "synth",
    "write_report",
]
