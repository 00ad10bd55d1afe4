"""One small frozen configuration per stage, validated when it is made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lineage.errors import ConfigError

ShingleKind = Literal["word", "char"]


@dataclass(frozen=True, slots=True)
class ShingleConfig:
    """Shingles are word n-grams or character n-grams of the normalised text."""

    kind: ShingleKind = "word"
    n: int = 3

    def __post_init__(self) -> None:
        if self.kind not in ("word", "char"):
            raise ConfigError(f"shingle kind {self.kind!r} is not 'word' or 'char'; pass e.g. --shingle word:3")
        if not 1 <= self.n <= 64:
            raise ConfigError(f"shingle size {self.n} is outside 1..64; pass e.g. --shingle {self.kind}:3")

    @classmethod
    def parse(cls, spec: str) -> ShingleConfig:
        """Read ``word:3`` or ``char:5``."""
        kind, sep, size = spec.partition(":")
        if not sep or not size.strip().isdigit():
            raise ConfigError(f"shingle spec {spec!r} is not KIND:N; pass e.g. --shingle word:3 or --shingle char:5")
        return cls(kind.strip(), int(size))  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.kind}:{self.n}"


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """What counts as boilerplate (see :mod:`lineage.boilerplate`).

    A shingle held by more than ``max_df`` of the documents; or a block of at
    least ``min_block`` shingles held by the same ``min_docs`` or more documents,
    less than ``max_share`` of them, whose documents score below ``related``
    without it. Both need at least ``min_docs`` documents: in a smaller corpus
    a template phrase shared by every rewrite cannot be told from a site footer.
    """

    max_df: float = 0.5
    min_docs: int = 10
    min_block: int = 3
    max_share: float = 0.5
    related: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 < self.max_df <= 1.0:
            raise ConfigError(f"max_df={self.max_df} is outside (0, 1]; pass e.g. --max-df 0.5 (1 disables the filter)")
        if self.min_docs < 2:
            raise ConfigError(f"boilerplate min_docs={self.min_docs} must be at least 2")
        if self.min_block < 1:
            raise ConfigError(f"boilerplate min_block={self.min_block} must be at least 1")
        for name in ("max_share", "related"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"boilerplate {name}={getattr(self, name)} is outside [0, 1]")


@dataclass(frozen=True, slots=True)
class PassageConfig:
    """How shared passages are found (see :mod:`lineage.passages`).

    Seeds are shared ``seed``-word n-grams (those repeated more than
    ``max_repeats`` times in a document excepted); seeds at most ``max_gap``
    words apart chain into one region; a passage needs ``min_tokens`` aligned words;
    two passages with up to ``bridge`` rewritten sentences between them are one.
    Alignment (with phrases) costs about 0.8 ms per reported pair, so by default (``mode``
    "auto") it runs only when at most ``auto_max_pairs`` pairs are reported.
    """

    seed: int = 3
    max_gap: int = 12
    max_repeats: int = 4
    min_tokens: int = 5
    bridge: int = 1
    mode: str = "auto"  # "on", "off", or "auto": on when at most auto_max_pairs pairs are reported
    auto_max_pairs: int = 20_000

    def __post_init__(self) -> None:
        if self.mode not in ("auto", "on", "off"):
            raise ConfigError(f"passages mode {self.mode!r} is not auto, on or off; pass e.g. --passages on")
        if not 1 <= self.seed <= 20:
            raise ConfigError(f"passage seed={self.seed} is outside 1..20 words")
        if self.max_gap < 0 or self.max_repeats < 1 or self.bridge < 0:
            raise ConfigError(f"passage max_gap={self.max_gap} and bridge={self.bridge} must be >= 0, "
                              f"max_repeats={self.max_repeats} >= 1")
        if self.min_tokens < self.seed:
            raise ConfigError(f"passage min_tokens={self.min_tokens} is below the seed length {self.seed}")


@dataclass(frozen=True, slots=True)
class MinHashConfig:
    num_perm: int = 128
    seed: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.num_perm <= 4096:
            raise ConfigError(f"num_perm={self.num_perm} is outside 1..4096; pass e.g. --num-perm 128")
        if not 0 <= self.seed < 2**32:
            raise ConfigError(f"seed={self.seed} is outside 0..2**32-1")


@dataclass(frozen=True, slots=True)
class CandidateConfig:
    """Which pairs are verified exactly.

    Near duplicates come from LSH banding tuned so that a pair with Jaccard >=
    ``threshold`` is a candidate with probability >= ``recall``. Low-overlap
    rewrites come from an inverted index of rare shingles (held by at most
    ``rare_max_df`` documents): pairs sharing at least ``min_shared`` of them.
    """

    threshold: float = 0.5
    recall: float = 0.99
    rare_max_df: int = 100
    min_shared: int = 3

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold={self.threshold} is outside (0, 1]; pass e.g. --threshold 0.5")
        if not 0.0 < self.recall < 1.0:
            raise ConfigError(f"recall={self.recall} is outside (0, 1)")
        if self.rare_max_df < 2:
            raise ConfigError(f"rare_max_df={self.rare_max_df} must be at least 2 (a shingle held by one document pairs nothing)")
        if self.min_shared < 1:
            raise ConfigError(f"min_shared={self.min_shared} must be at least 1; pass e.g. --min-shared 3")


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Families, the pairs worth reporting, and the dendrograms.

    Families join pairs whose score reaches ``family_threshold``. Reported
    pairs are every such pair plus each document's ``neighbours`` closest
    verified pairs, so that weak evidence is shown without flooding a large
    corpus's report. The dendrogram image holds at most
    ``dendrogram_max_docs`` labelled documents; average linkage is computed
    for families of at most ``linkage_max_docs`` members.
    """

    family_threshold: float = 0.1
    neighbours: int = 5
    dendrogram_max_docs: int = 200
    linkage_max_docs: int = 2000

    def __post_init__(self) -> None:
        if not 0.0 < self.family_threshold <= 1.0:
            raise ConfigError(
                f"family_threshold={self.family_threshold} is outside (0, 1]; pass e.g. --family-threshold 0.1"
            )
        if self.neighbours < 0:
            raise ConfigError(f"neighbours={self.neighbours} is negative; pass e.g. --neighbours 5")
        if self.dendrogram_max_docs < 2 or self.linkage_max_docs < 2:
            raise ConfigError("dendrogram_max_docs and linkage_max_docs must be at least 2")


@dataclass(frozen=True, slots=True)
class TreeConfig:
    """How each family's lineage tree is chosen (see :mod:`lineage.lineage_tree`).

    An edge weighs its pair's similarity plus ``direction`` times its drift;
    ``bootstrap`` replicates (0 for none), seeded by ``seed``, give each edge its
    support in families of at most ``bootstrap_max_members``. Each replicate
    rebuilds those trees (100 replicates: about 10 ms per member, on 1,000
    synthetic documents), so by default (None) the 100 replicates run only when
    those families hold at most ``auto_max_members`` documents in all.
    """

    direction: float = 1.0
    bootstrap: int | None = None
    bootstrap_max_members: int = 50
    auto_max_members: int = 1_000  # 100 replicates for 1,000 members: about 10 s
    seed: int = 1

    def replicates(self, members: int) -> int:
        """Bootstrap replicates for a corpus whose families of at most ``bootstrap_max_members`` hold ``members``
        documents."""
        if self.bootstrap is not None:
            return self.bootstrap
        return 100 if members <= self.auto_max_members else 0

    def __post_init__(self) -> None:
        if self.bootstrap is not None and not (self.bootstrap == 0 or 10 <= self.bootstrap <= 10_000):
            # Fewer replicates give support in steps too coarse to mean anything (1 gives 1.00 everywhere).
            raise ConfigError(f"bootstrap={self.bootstrap} is not 0 (no support) or within 10..10000; "
                              "pass e.g. --bootstrap 100")
        if self.direction < 0:
            raise ConfigError(f"tree direction weight {self.direction} must be >= 0")


@dataclass(frozen=True, slots=True)
class InjectionConfig:
    """What happens to injected spam keywords (see :mod:`lineage.injections`).

    They are always found and reported; unless ``keep``, their characters are
    left out of the shingles and the passage alignment, so that a farm's
    keywords do not make its articles look like rewrites of each other.
    """

    keep: bool = False


DuplicateIds = Literal["error", "skip", "rename"]


@dataclass(frozen=True, slots=True)
class ReadConfig:
    """How input is read: the fields of JSONL and CSV records, the size limit, and what a repeated id does.

    A document longer than ``max_doc_chars`` characters is cut to that length
    and reported as truncated. ``duplicate_ids``: ``error`` stops the run at a
    repeated id, ``skip`` keeps the first and lists the others as skipped,
    ``rename`` reads the others as ``ID~2``, ``ID~3``, ...
    """

    id_field: str = "id"
    text_field: str = "text"
    date_field: str = "date"
    url_field: str = "url"
    max_doc_chars: int = 5_000_000
    duplicate_ids: DuplicateIds = "error"

    def __post_init__(self) -> None:
        for name in ("id_field", "text_field", "date_field", "url_field"):
            if not getattr(self, name):
                raise ConfigError(f"{name} is empty; pass a field name, e.g. --{name.replace('_', '-')} {name[:-6]}")
        if self.max_doc_chars < 1000:
            raise ConfigError(f"max_doc_chars={self.max_doc_chars} is below 1000; pass e.g. --max-doc-chars 5000000")
        if self.duplicate_ids not in ("error", "skip", "rename"):
            raise ConfigError(f"duplicate_ids={self.duplicate_ids!r} is not error, skip or rename; "
                              "pass e.g. --duplicate-ids skip")


@dataclass(frozen=True, slots=True)
class AnalyzeConfig:
    """The settings of one analysis, recorded in the report's parameters."""

    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    passage: PassageConfig = field(default_factory=PassageConfig)
    tree: TreeConfig = field(default_factory=TreeConfig)
    injection: InjectionConfig = field(default_factory=InjectionConfig)
    read: ReadConfig = field(default_factory=ReadConfig)


@dataclass(frozen=True, slots=True)
class SignConfig:
    """What makes a streamed signature: the shingles, the MinHash, and whether spam keywords count.

    Word 5-grams by default, as crawl deduplication uses (3-grams make two
    articles on one topic look alike at the near-duplicate thresholds).
    """

    shingle: ShingleConfig = field(default_factory=lambda: ShingleConfig("word", 5))
    minhash: MinHashConfig = field(default_factory=MinHashConfig)
    keep_injections: bool = False


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Near-duplicate removal: pairs with Jaccard >= ``threshold`` are duplicates.

    LSH finds each such pair with probability >= ``recall``; every candidate
    is verified exactly before anything is removed.
    """

    sign: SignConfig = field(default_factory=SignConfig)
    threshold: float = 0.5
    recall: float = 0.99

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold={self.threshold} is outside (0, 1]; pass e.g. --threshold 0.5")
        if not 0.0 < self.recall < 1.0:
            raise ConfigError(f"recall={self.recall} is outside (0, 1); pass e.g. --recall 0.99")


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """A simulated content-farm corpus: how many documents, and how they are made.

    Families of rewrites have sizes from a truncated power law with mean
    ``mean_family_size`` and at most ``max_family_size`` members; each rewrite
    is ``light``, ``medium`` or ``heavy`` in the proportions ``rewrite_mix``.
    ``independent_share`` of the documents are independent articles on the
    families' topics, ``injected_share`` carry spam keywords of their site's
    operator. At most ``active_families`` families are generated at once,
    which bounds memory and interleaves the families in the output.
    """

    docs: int = 1000
    seed: int = 1
    min_words: int = 300
    max_words: int = 600
    topics: int = 12
    mean_family_size: float = 8.0
    max_family_size: int = 200
    rewrite_mix: tuple[float, float, float] = (0.4, 0.35, 0.25)
    independent_share: float = 0.1
    sites: int = 20
    boilerplate_words: int = 50
    operators: int = 4
    injected_share: float = 0.3
    active_families: int = 50
    dates: bool = True

    def __post_init__(self) -> None:
        if self.docs < 1:
            raise ConfigError(f"docs={self.docs} must be at least 1; pass e.g. --docs 1000")
        if not 0 <= self.seed < 2**32:
            raise ConfigError(f"seed={self.seed} is outside 0..2**32-1; pass e.g. --seed 1")
        if not 10 <= self.min_words <= self.max_words <= 100_000:
            raise ConfigError(
                f"article length {self.min_words}..{self.max_words} words is not within 10..100000 with "
                "min_words <= max_words; pass e.g. --min-words 300 --max-words 600"
            )
        if not 1 <= self.topics <= 1000:
            raise ConfigError(f"topics={self.topics} is outside 1..1000; pass e.g. --topics 12")
        if not 1 <= self.max_family_size <= 100_000:
            raise ConfigError(
                f"max_family_size={self.max_family_size} is outside 1..100000; pass e.g. --max-family-size 200"
            )
        most = (self.max_family_size + 1) / 2
        if not 1.0 <= self.mean_family_size <= most:
            raise ConfigError(
                f"mean_family_size={self.mean_family_size:g} is outside 1..{most:g}, the range a power law on "
                f"1..{self.max_family_size} members can have; pass a mean in that range or a larger --max-family-size"
            )
        mix = self.rewrite_mix
        if len(mix) != 3 or not all(0.0 <= weight < float("inf") for weight in mix) or sum(mix) <= 0:
            raise ConfigError(
                f"rewrite_mix={mix} is not three non-negative weights (light, medium, heavy) with a positive sum; "
                "pass e.g. --rewrite-mix 0.4:0.35:0.25"
            )
        for name in ("independent_share", "injected_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ConfigError(f"{name}={share:g} is outside 0..1; pass e.g. --{name.replace('_', '-')} 0.1")
        if not 1 <= self.sites <= 100_000:
            raise ConfigError(f"sites={self.sites} is outside 1..100000; pass e.g. --sites 20")
        if not 0 <= self.boilerplate_words <= 1000:
            raise ConfigError(
                f"boilerplate_words={self.boilerplate_words} is outside 0..1000; pass e.g. --boilerplate-words 50 "
                "(0 for none)"
            )
        if not 1 <= self.operators <= min(self.sites, 64):
            raise ConfigError(
                f"operators={self.operators} is outside 1..{min(self.sites, 64)} (each operator runs at least one "
                "site; at most 64 operators); pass fewer --operators or more --sites"
            )
        if not 1 <= self.active_families <= 10_000:
            raise ConfigError(
                f"active_families={self.active_families} is outside 1..10000; pass e.g. --active-families 50"
            )

    @staticmethod
    def parse_mix(spec: str) -> tuple[float, float, float]:
        """Read ``LIGHT:MEDIUM:HEAVY`` weights such as ``0.4:0.35:0.25`` or ``2:1:1``."""
        parts = spec.split(":")
        try:
            weights = tuple(float(part) for part in parts)
        except ValueError:
            weights = ()
        if len(weights) != 3:
            raise ConfigError(f"rewrite mix {spec!r} is not LIGHT:MEDIUM:HEAVY; pass e.g. --rewrite-mix 0.4:0.35:0.25")
        return weights  # type: ignore[return-value]
