"""The ``lineage`` command: each subcommand parses options, calls the library once, prints a summary."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sys
import time
from pathlib import Path

import click

from lineage import __version__
from lineage import synth as synthetic
from lineage.config import (
    AnalyzeConfig,
    DedupConfig,
    MinHashConfig,
    ReadConfig,
    ShingleConfig,
    SignConfig,
    SynthConfig,
    TreeConfig,
)
from lineage.corpus import glob_matches
from lineage.dedup import DedupSummary
from lineage.dedup import dedup as run_dedup
from lineage import index as index_store
from lineage.engines import make_engine
from lineage.errors import ConfigError, LineageError, SkippedInputError
from lineage.pipeline import analyze as run_analysis
from lineage.pipeline import compare as run_comparison
from lineage.report import REPORT_FILES, count_noun, prepare_output_directory
from lineage.types import NOT_PAGES, Comparison, Family, Report, TreeEdge

_SHOWN = 5  # pairs and families listed in the summary
_TREE_LINES = 12  # lines of each family's tree in the summary
_PATTERN_WIDTH = 100  # characters of a passage shown in the summary
_DEFAULTS = AnalyzeConfig()  # option defaults come from the stage configs, never written twice
_SYNTH = SynthConfig()
_DEDUP = DedupConfig()
_READ = ReadConfig()


# click >= 8.2 signals a bare group invocation with its own UsageError; older click prints help itself.
_NoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _Lineage(click.Group):
    """Prints every error as one ``Error: ...`` line with its exit code, never a traceback.

    LineageError carries its own exit code; click's usage errors (a missing
    argument, an out-of-range option) exit with 2 like everywhere else.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NoArgsIsHelp as error:  # bare `lineage`: the help is the answer, not an error
            click.echo(error.ctx.get_help())
            sys.exit(0)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "lineage"
            click.echo(f"Error: {error.format_message()} (see '{command} --help')", err=True)
            sys.exit(2)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except LineageError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=_Lineage, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lineage")
def main() -> None:
    """Find near-duplicate documents and reconstruct how content farms rewrite them."""


def _read_options(command):
    """The options that say how input is read, turned into one ``read`` (a ReadConfig) argument."""
    options = [
        click.option("--id-field", default=_READ.id_field, show_default=True, metavar="NAME",
                     help="Field (JSONL) or column (CSV) holding each record's id."),
        click.option("--text-field", default=_READ.text_field, show_default=True, metavar="NAME",
                     help="Field or column holding the text."),
        click.option("--date-field", default=_READ.date_field, show_default=True, metavar="NAME",
                     help="Field or column holding the publication date (optional in each record)."),
        click.option("--url-field", default=_READ.url_field, show_default=True, metavar="NAME",
                     help="Field or column holding the URL (optional in each record)."),
        click.option("--max-doc-chars", default=_READ.max_doc_chars, show_default=True, type=click.IntRange(1000),
                     help="Cut a longer document to this many characters (reported as truncated)."),
        click.option("--duplicate-ids", default=_READ.duplicate_ids, show_default=True,
                     type=click.Choice(["error", "skip", "rename"]),
                     help="A repeated id: stop with an error, skip the repeat, or rename it ID~2, ID~3, ..."),
    ]

    @functools.wraps(command)
    def with_read(*args, id_field, text_field, date_field, url_field, max_doc_chars, duplicate_ids, **kwargs):
        read = ReadConfig(id_field, text_field, date_field, url_field, max_doc_chars, duplicate_ids)
        return command(*args, read=read, **kwargs)

    for option in reversed(options):
        with_read = option(with_read)
    return with_read


_STRICT_HELP = ("Exit with code 1 when any input record was skipped (the outputs are still written); "
                "a crawl's records that hold no page (requests, images, scripts) do not count.")


def _run_options(command):
    """--strict, --progress, -q and -v, which analyze and dedup share."""
    for option in reversed((
        click.option("--strict", is_flag=True, help=_STRICT_HELP),
        click.option("--progress", "show_progress", is_flag=True,
                     help="Show each stage's progress on stderr even when it is not a terminal (it is shown on one)."),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
        click.option("-v", "--verbose", is_flag=True, help="Log what each stage does (on stderr)."),
    )):
        command = option(command)
    return command


def _check_strict(skipped: dict[str, int], where: str) -> None:
    """Refuse a strict run that skipped input: one line with how many, of which kinds, and where the list is."""
    skipped = {kind: count for kind, count in skipped.items() if kind not in NOT_PAGES}
    total = sum(skipped.values())
    if total:
        kinds = ", ".join(f"{count:,} {kind}" for kind, count in sorted(skipped.items()))
        raise SkippedInputError(f"{count_noun(total, 'input record')} skipped ({kinds}) and --strict given; "
                                f"the list is in {where}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Directory for the report files (created if missing).")
@click.option("--shingle", default=str(_DEFAULTS.shingle), show_default=True, metavar="KIND:N",
              help="Shingles: word n-grams (word:3) or character n-grams (char:5).")
@click.option("--num-perm", default=_DEFAULTS.minhash.num_perm, show_default=True, type=click.IntRange(1, 4096),
              help="MinHash permutations.")
@click.option("--seed", default=_DEFAULTS.minhash.seed, show_default=True, type=click.IntRange(0, 2**32 - 1), help="Seed of the MinHash permutations and of the bootstrap replicates.")
@click.option("--threshold", default=_DEFAULTS.candidates.threshold, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Jaccard similarity that LSH must find with --recall (near-duplicate regime).")
@click.option("--recall", default=_DEFAULTS.candidates.recall, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="LSH recall of pairs at the threshold; sets the bands and rows.")
@click.option("--max-df", default=_DEFAULTS.boilerplate.max_df, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Drop shingles held by more than this share of documents (boilerplate); 1 keeps all.")
@click.option("--rare-max-df", default=_DEFAULTS.candidates.rare_max_df, show_default=True, type=click.IntRange(2),
              help="A shingle held by at most this many documents is rare (low-overlap regime).")
@click.option("--min-shared", default=_DEFAULTS.candidates.min_shared, show_default=True, type=click.IntRange(1),
              help="Pairs must share at least this many shingles to be candidates and to be reported.")
@click.option("--family-threshold", default=_DEFAULTS.cluster.family_threshold, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Pairs with score at least this join documents into families.")
@click.option("--passages", default=_DEFAULTS.passage.mode, show_default=True, type=click.Choice(["auto", "on", "off"]),
              help=f"Align the shared passages of every reported pair; auto: of the "
                   f"{_DEFAULTS.passage.auto_max_pairs:,} strongest.")
@click.option("--neighbours", default=_DEFAULTS.cluster.neighbours, show_default=True, type=click.IntRange(0),
              help="Report each document's N closest pairs, besides every pair at the family threshold.")
@click.option("--bootstrap", default=None, type=int, callback=lambda context, option, value: _bootstrap(value),
              help=f"Bootstrap replicates (0 for none, else 10 to 10000), seeded by --seed, for the support of each "
                   f"tree edge and dendrogram clade; families of more than {_DEFAULTS.tree.bootstrap_max_members} "
                   f"documents get none [default: 100 when those families hold at most "
                   f"{_DEFAULTS.tree.auto_max_members:,} documents, else 0].")
@click.option("--keep-injections", is_flag=True,
              help="Keep injected spam keywords in the shingles and passages (they are left out by default; "
                   "they are found and reported either way).")
@click.option("--index", "index_db", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also analyse the documents of this index (lineage index build) that are near duplicates of INPUTS.")
@_read_options
@_run_options
def analyze(inputs: tuple[Path, ...], output: Path, shingle: str, num_perm: int, seed: int, threshold: float,
            recall: float, max_df: float, rare_max_df: int, min_shared: int, family_threshold: float,
            neighbours: int, passages: str, bootstrap: int | None, keep_injections: bool, index_db: Path | None,
            read: ReadConfig, strict: bool, show_progress: bool, quiet: bool, verbose: bool) -> None:
    """Analyse INPUTS and write a report to --output.

    INPUTS are files, directories (read recursively), globs and - for standard
    input: text, Markdown, HTML, JSONL, CSV/TSV and WARC/ARC, each also gzip- or
    zstd-compressed.

    \b
    Example:
      lineage analyze corpus/shanghai -o reports/shanghai
    """
    _configure_logging(verbose)
    _refuse_output_inside_inputs(output, inputs)
    prepare_output_directory(output)
    with _Progress(enabled=not quiet and (show_progress or sys.stderr.isatty())) as progress:
        report = run_analysis(
            inputs, shingle=shingle, num_perm=num_perm, seed=seed, threshold=threshold, recall=recall,
            max_df=max_df, rare_max_df=rare_max_df, min_shared=min_shared, family_threshold=family_threshold,
            neighbours=neighbours, passages=passages, bootstrap=bootstrap, keep_injections=keep_injections,
            index=index_db, read=read, progress=progress,
        )
    report.write(output)
    if not quiet:
        click.echo(_summary(report, output))
    if strict:
        _check_strict(report.stats["skipped_by_reason"], f"{output}/report.md (Skipped inputs) and report.json")


def _bootstrap(value: int | None) -> int | None:
    """--bootstrap checked before anything is written: 0, or enough replicates for support to mean something."""
    try:
        return None if value is None else TreeConfig(bootstrap=value).bootstrap
    except ConfigError as error:
        raise click.BadParameter(str(error).replace(f"bootstrap={value}", str(value))) from error


def _refuse_output_inside_inputs(output: Path, inputs: tuple[Path, ...]) -> None:
    """Stop before reports are written into a directory being analysed, where the next run reads them."""
    try:
        where = output.resolve()
        for given in inputs:
            for found in map(Path, glob_matches(str(given)) or [str(given)]):
                if found.is_dir() and (where == found.resolve() or found.resolve() in where.parents):
                    raise ConfigError(f"{output}: is inside the input {found}, so a later run would read the "
                                      "reports as documents; pass an -o outside it")
    except OSError:  # a name the system refuses: the reader says so, naming it
        return


def _near_duplicate_options(command):
    """The options of dedup and index build, turned into one ``config`` (a DedupConfig) argument."""
    options = [
        click.option("--threshold", default=_DEDUP.threshold, show_default=True,
                     type=click.FloatRange(0, 1, min_open=True),
                     help="Documents with verified Jaccard at least this are near duplicates (one family in an index)."),
        click.option("--shingle", default=str(_DEDUP.sign.shingle), show_default=True, metavar="KIND:N",
                     help="Shingles: word n-grams (word:5) or character n-grams (char:5)."),
        click.option("--num-perm", default=_DEDUP.sign.minhash.num_perm, show_default=True,
                     type=click.IntRange(1, 4096), help="MinHash permutations."),
        click.option("--seed", default=_DEDUP.sign.minhash.seed, show_default=True,
                     type=click.IntRange(0, 2**32 - 1), help="MinHash seed."),
        click.option("--recall", default=_DEDUP.recall, show_default=True,
                     type=click.FloatRange(0, 1, min_open=True, max_open=True),
                     help="LSH recall of pairs at the threshold; sets the bands and rows."),
        click.option("--keep-injections", is_flag=True, help="Keep injected spam keywords in the shingles."),
    ]

    @functools.wraps(command)
    def with_config(*args, threshold, shingle, num_perm, seed, recall, keep_injections, **kwargs):
        sign = SignConfig(ShingleConfig.parse(shingle), MinHashConfig(num_perm, seed), keep_injections)
        return command(*args, config=DedupConfig(sign, threshold=threshold, recall=recall), **kwargs)

    for option in reversed(options):
        with_config = option(with_config)
    return with_config


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="JSONL file for the kept documents (JSONL records are copied as they were).")
@click.option("--removed", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="JSONL file listing each record left out and why  [default: removed.jsonl beside --output]")
@_near_duplicate_options
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the stages run: this process, or Dask tasks (see --scheduler).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Dask scheduler to run on, e.g. tcp://10.0.0.5:8786  [default: a local cluster]")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Workers of the local Dask cluster started without --scheduler  [default: 2]")
@_read_options
@_run_options
def dedup(inputs: tuple[Path, ...], output: Path, removed: Path | None, config: DedupConfig, engine: str,
          scheduler: str | None, workers: int | None, read: ReadConfig, strict: bool, show_progress: bool,
          quiet: bool, verbose: bool) -> None:
    """Keep one document of every group of near duplicates in INPUTS.

    Writes the kept records to --output and one line per left-out record to
    --removed: a near duplicate with its representative and their Jaccard, or
    a record that could not be read, with the reason. The representative is
    the earliest dated document, else the longest, else the first read.

    \b
    Examples:
      lineage dedup crawl.jsonl -o kept.jsonl
      lineage dedup pages/ -o out/kept.jsonl --threshold 0.8 --shingle word:5
    """
    _configure_logging(verbose)
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    with _Progress(enabled=not quiet and (show_progress or sys.stderr.isatty())) as progress:
        summary = run_dedup(inputs, output, removed, config=config, read=read,
                            engine=make_engine(engine, scheduler, workers), progress=progress)
    if not quiet:
        click.echo(_dedup_summary(summary, config))
    if strict:
        _check_strict(summary.skipped, str(summary.removed_path))


@main.group()
def index() -> None:
    """A persistent index of documents (SQLite): build it, add to it, query it.

    \b
    Examples:
      lineage index build crawl.db crawl-2026-10.jsonl
      lineage index add crawl.db crawl-2026-11.jsonl
      lineage index query crawl.db suspicious-page.txt
    """


@index.command("build")
@click.argument("db", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@_near_duplicate_options
@_read_options
@click.option("--force", is_flag=True, help="Replace DB if it exists.")
@click.option("--progress", "show_progress", is_flag=True,
              help="Show progress on stderr even when it is not a terminal.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def index_build(db: Path, inputs: tuple[Path, ...], config: DedupConfig, read: ReadConfig, force: bool,
                show_progress: bool, quiet: bool) -> None:
    """Build a new index DB of INPUTS (files, directories, globs, -; any format analyze reads)."""
    with _Progress(enabled=not quiet and (show_progress or sys.stderr.isatty())) as progress:
        summary = index_store.build(db, inputs, config=config, read=read, overwrite=force, progress=progress)
    if not quiet:
        click.echo(_index_summary(summary, "Indexed"))


@index.command("add")
@click.argument("db", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@_read_options
@click.option("--progress", "show_progress", is_flag=True,
              help="Show progress on stderr even when it is not a terminal.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def index_add(db: Path, inputs: tuple[Path, ...], read: ReadConfig, show_progress: bool, quiet: bool) -> None:
    """Add INPUTS to the index DB, in one transaction (the index's own settings apply)."""
    with _Progress(enabled=not quiet and (show_progress or sys.stderr.isatty())) as progress:
        summary = index_store.add(db, inputs, read=read, progress=progress)
    if not quiet:
        click.echo(_index_summary(summary, "Added"))


@index.command("query")
@click.argument("db", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--top", default=10, show_default=True, type=click.IntRange(1), help="Nearest documents shown per query.")
@click.option("--json", "as_json", is_flag=True, help="Print the answers as JSON lines, one per query document.")
@_read_options
def index_query(db: Path, files: tuple[Path, ...], top: int, as_json: bool, read: ReadConfig) -> None:
    """Find the indexed documents nearest to each document in FILES, with verified similarity."""
    answers = index_store.query(db, files, top=top, read=read)
    if as_json:
        for result in answers.results:
            click.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False))
        return
    click.echo(_query_text(answers))


def _index_summary(summary: index_store.IndexSummary, verb: str) -> str:
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{kind} {count}" for kind, count in summary.skipped.items())
    lines = [
        f"{verb} {count_noun(summary.added, 'document')} of {count_noun(summary.inputs, 'record')}"
        + (f"; {summary.already_indexed:,} already indexed" if summary.already_indexed else "")
        + (f"; skipped {skipped:,} ({reasons})" if skipped else "") + f" in {summary.seconds:.1f} s.",
        f"{count_noun(summary.near_pairs, 'near-duplicate pair')} (Jaccard >= {summary.settings.config.threshold:g}) "
        f"among {count_noun(summary.candidates, 'candidate')}"
        + (f"; {count_noun(summary.merged, 'family', 'families')} merged" if summary.merged else "") + ".",
        f"Index {summary.path}: {count_noun(summary.documents, 'document')}, "
        f"{count_noun(summary.families, 'family', 'families')} of 2 or more"
        + (f" (largest {summary.largest_family})" if summary.families else "") + ", "
        f"{count_noun(summary.operators, 'operator')}.",
    ]
    return "\n".join(lines)


def _query_text(answers: index_store.QueryReport) -> str:
    lines = []
    for result in answers.results:
        keywords = f"; spam keywords {', '.join(result.keywords)}" if result.keywords else ""
        lines.append(f"{result.id}: {count_noun(len(result.neighbours), 'near document')} of "
                     f"{count_noun(result.candidates, 'candidate')}{keywords}")
        for near in result.neighbours:
            operator = f"  operator {near.operator}" if near.operator else ""
            lines.append(f"  {near.id}  Jaccard {near.jaccard:.3f}  contained {near.containment:.3f}  "
                         f"family {near.family} ({near.family_size}){operator}")
    for skipped in answers.skipped:
        lines.append(f"{skipped.id}: not compared ({skipped.reason})")
    return "\n".join(lines)


def _dedup_summary(summary: DedupSummary, config: DedupConfig) -> str:
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{kind} {count}" for kind, count in summary.skipped.items())
    lines = [
        f"Read {count_noun(summary.inputs, 'record')}: kept {summary.kept:,}, removed {summary.removed:,} near "
        f"duplicates of {count_noun(summary.groups, 'kept document')}"
        + (f", skipped {skipped:,} ({reasons})" if skipped else "") + ".",
        f"{count_noun(summary.candidates, 'candidate pair')} from LSH ({summary.bands} bands x {summary.rows} rows, "
        f"{config.sign.shingle} shingles), {summary.near_pairs:,} with Jaccard >= {config.threshold:g}.",
    ]
    if summary.not_compared:
        lines.append(f"{count_noun(summary.not_compared, 'document')} too short for one {config.sign.shingle} "
                     "shingle: kept, not compared.")
    if summary.truncated:
        lines.append(f"{count_noun(summary.truncated, 'document')} cut to --max-doc-chars (kept as cut, "
                     "with truncated_from).")
    lines.append(f"Kept: {summary.kept_path}; removed: {summary.removed_path}")
    return "\n".join(lines)


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Directory for corpus.jsonl and truth.jsonl (created if missing).")
@click.option("--docs", default=_SYNTH.docs, show_default=True, type=click.IntRange(1), help="Documents to write.")
@click.option("--seed", default=_SYNTH.seed, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="Random seed; the same options and seed write the same bytes.")
@click.option("--min-words", default=_SYNTH.min_words, show_default=True, type=click.IntRange(10),
              help="Shortest template or independent article, in words; rewrites stay near their template's length.")
@click.option("--max-words", default=_SYNTH.max_words, show_default=True, type=click.IntRange(10),
              help="Longest template or independent article, in words.")
@click.option("--topics", default=_SYNTH.topics, show_default=True, type=click.IntRange(1, 1000),
              help="Topics, each with its own boosted sub-vocabulary.")
@click.option("--mean-family-size", default=_SYNTH.mean_family_size, show_default=True, type=click.FloatRange(1),
              help="Mean documents per family (template and rewrites); sizes follow a power law.")
@click.option("--max-family-size", default=_SYNTH.max_family_size, show_default=True, type=click.IntRange(1, 100_000),
              help="Largest family.")
@click.option("--rewrite-mix", default=":".join(f"{weight:g}" for weight in _SYNTH.rewrite_mix), show_default=True,
              metavar="L:M:H", help="Relative weights of light, medium and heavy rewrites.")
@click.option("--independent-share", default=_SYNTH.independent_share, show_default=True, type=click.FloatRange(0, 1),
              help="Share of documents that are independent articles on the families' topics (hard negatives).")
@click.option("--sites", default=_SYNTH.sites, show_default=True, type=click.IntRange(1, 100_000),
              help="Sites publishing the documents, each with its own header and footer.")
@click.option("--boilerplate-words", default=_SYNTH.boilerplate_words, show_default=True, type=click.IntRange(0, 1000),
              help="Words of each site's header, navigation and footer together; 0 for none.")
@click.option("--operators", default=_SYNTH.operators, show_default=True, type=click.IntRange(1, 64),
              help="Spam operators, each running some of the sites with its own keyword pool.")
@click.option("--injected-share", default=_SYNTH.injected_share, show_default=True, type=click.FloatRange(0, 1),
              help="Share of documents carrying 2-5 spam keywords of their site's operator.")
@click.option("--active-families", default=_SYNTH.active_families, show_default=True, type=click.IntRange(1, 10_000),
              help="Families generated at once: they interleave in the output and bound the memory used.")
@click.option("--dates/--no-dates", default=_SYNTH.dates, show_default=True,
              help="Give each document a publication date (a rewrite is always later than its parent).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def synth(output: Path, docs: int, seed: int, min_words: int, max_words: int, topics: int, mean_family_size: float,
          max_family_size: int, rewrite_mix: str, independent_share: float, sites: int, boilerplate_words: int,
          operators: int, injected_share: float, active_families: int, dates: bool, quiet: bool) -> None:
    """Write a simulated content-farm corpus and its ground truth to --output.

    \b
    Example:
      lineage synth -o corpora/synth --docs 10000 --seed 1
    """
    config = SynthConfig(
        docs=docs, seed=seed, min_words=min_words, max_words=max_words, topics=topics,
        mean_family_size=mean_family_size, max_family_size=max_family_size,
        rewrite_mix=SynthConfig.parse_mix(rewrite_mix), independent_share=independent_share, sites=sites,
        boilerplate_words=boilerplate_words, operators=operators, injected_share=injected_share,
        active_families=active_families, dates=dates,
    )
    with _Progress(enabled=not quiet and sys.stderr.isatty()) as progress:
        summary = synthetic.write_corpus(output, config, progress=progress)
    if not quiet:
        click.echo(_synth_summary(summary, output))


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--corpus", "corpus", multiple=True, type=click.Path(path_type=Path, exists=True),
              help="Read A and B as document ids from these files or directories (as analyze names them).")
@click.option("--shingle", default=str(_DEFAULTS.shingle), show_default=True,
              help="Shingles for the overlap figures: word:N or char:N.")
@click.option("--keep-injections", is_flag=True, help="Keep injected spam keywords in the overlap and passages.")
@_read_options
def compare(a: str, b: str, corpus: tuple[Path, ...], shingle: str, keep_injections: bool, read: ReadConfig) -> None:
    """Show the passages two documents share, side by side, variants marked.

    A and B are two files, or two document ids with --corpus. Words both keep are
    highlighted; each variant slot is in [brackets] (coloured on a terminal).

    \b
    Examples:
      lineage compare corpus/shanghai/001_8d0afbd8c3a3ca36.txt corpus/shanghai/002_82837cee5602c89a.txt
      lineage compare 001_8d0afbd8c3a3ca36.txt 002_82837cee5602c89a.txt --corpus corpus/shanghai
      lineage compare page-17 page-42 --corpus crawl.jsonl --id-field url --text-field body
    """
    comparison = run_comparison(a, b, corpus=list(corpus) or None, shingle=shingle, keep_injections=keep_injections,
                                read=read)
    click.echo(_comparison_text(comparison))


def _comparison_text(comparison: Comparison) -> str:
    lines = [
        f"a: {comparison.a.id} ({count_noun(len(comparison.a.text), 'character')})",
        f"b: {comparison.b.id} ({count_noun(len(comparison.b.text), 'character')})",
        f"{comparison.shingle} shingles: Jaccard {comparison.jaccard:.3f}, {comparison.containment_a:.1%} of a in b, "
        f"{comparison.containment_b:.1%} of b in a; "
        f"{count_noun(len(comparison.passages), 'shared passage')}.",
    ]
    for side, found in zip("ab", comparison.injections):
        if found:
            keywords = ", ".join(click.style(injection.text, fg="magenta") for injection in found)
            lines.append(f"Spam keywords injected in {side} (left out of the figures): {keywords}")
    for number, (passage, runs) in enumerate(zip(comparison.passages, comparison.segments), start=1):
        lines += [
            "",
            f"Passage {number} of {len(comparison.passages)}: {passage.aligned} words aligned (score {passage.score:.2f}); "
            f"a {passage.a_start}-{passage.a_end}, b {passage.b_start}-{passage.b_end}",
        ]
        for side, colour in (("a", "red"), ("b", "yellow")):
            pieces = []
            for run in runs:
                text, gap = (run.a_text, run.a_gap) if side == "a" else (run.b_text, run.b_gap)
                shown = " ".join(text.split())
                if gap.strip():
                    pieces.append(" ".join(gap.split()) + " ")
                elif gap or (pieces and not shown):
                    pieces.append(" ")
                pieces.append(click.style(shown, fg="green", bold=True) if run.kept
                              else click.style(f"[{shown or ' '}]", fg=colour))
            lines.append(f"  {side} │ " + "".join(pieces))
    return "\n".join(lines)


def _configure_logging(verbose: bool) -> None:
    """Our stages' log lines on stderr with --verbose; other libraries' loggers are left alone."""
    logger = logging.getLogger("lineage")
    for handler in [h for h in logger.handlers if getattr(h, "lineage_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    handler.lineage_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False


def _passage_summary(report: Report) -> list[str]:
    stats = report.stats
    if stats["passages_skipped"]:
        return [f"Shared passages not aligned: {stats['passages_skipped']}."]
    lines = [f"Shared passages aligned for {stats['passages_partial']}."] if stats.get("passages_partial") else []
    lines += [f"{count_noun(stats['passages'], 'shared passage')} in {count_noun(stats['pairs_with_passages'], 'pair')}, "
              f"merged into {count_noun(stats['phrases'], 'phrase')}" + (":" if report.phrases else ".")]
    for phrase in report.phrases[:_SHOWN]:
        pattern = " ".join(phrase.pattern.split())
        shown = pattern if len(pattern) <= _PATTERN_WIDTH else pattern[: _PATTERN_WIDTH - 1].rstrip() + "…"
        lines.append(f"  {phrase.id:<4} {len(phrase.docs)} docs  {phrase.words:>3} words  {shown}")
    return lines


def _spam_summary(report: Report) -> list[str]:
    found = report.stats["injections"]
    if not found["keywords"]:
        return ["No injected spam keywords found."]
    kept = "kept in" if found["in_shingles"] else "left out of"
    lines = [f"{count_noun(found['keywords'], 'injected spam keyword')} in "
             f"{count_noun(found['documents'], 'document')} ({kept} the similarities), "
             f"{count_noun(found['fingerprints'], 'fingerprint')}, {count_noun(found['operators'], 'operator')}:"]
    cores = {fingerprint.id: fingerprint.core for fingerprint in report.fingerprints}
    for operator in report.operators[:_SHOWN]:
        shown = ", ".join(cores[fingerprint] for fingerprint in operator.fingerprints[:3])
        more = len(operator.fingerprints) - 3
        lines.append(f"  {operator.id:<4} {count_noun(len(operator.docs), 'doc')}  {shown}"
                     + (f" and {more} more" if more > 0 else ""))
    if len(report.operators) > _SHOWN:
        lines.append(f"  ... and {len(report.operators) - _SHOWN} more operators in report.md")
    return lines


def _summary(report: Report, output: Path) -> str:
    stats = report.stats
    candidates = stats["candidates"]
    skipped = ""
    if stats["skipped"]:
        reasons = ", ".join(f"{count} {reason}" for reason, count in stats["skipped_by_reason"].items())
        skipped = f" ({reasons})"
    lines = [
        f"Analysed {count_noun(stats['documents'], 'document')}, skipped {stats['skipped']}{skipped}; "
        f"{report.config.shingle} shingles."
        + (f" {count_noun(stats['truncated'], 'document')} cut to --max-doc-chars "
           f"{report.config.read.max_doc_chars:,}." if stats["truncated"] else ""),
        f"Verified {count_noun(candidates['total'], 'candidate pair')} ({candidates['lsh']} found by LSH, "
        f"{candidates['rare']} by rare shingles, {candidates['both']} by both); reported {stats['pairs']}.",
        f"{count_noun(stats['families'], 'family', 'families')} with score >= "
        f"{report.config.cluster.family_threshold:g}; {stats['singletons']} in none.",
        *_passage_summary(report),
        *_spam_summary(report),
    ]
    if stats["documents"] == 0:
        lines.append("Nothing to analyse: every input was skipped (reasons in report.md).")
    shown = report.pairs[:_SHOWN]
    if shown:
        lines.append("Closest pairs (score = share of the smaller document found in the other):")
        width_a = max(len(p.a) for p in shown)
        width_b = max(len(p.b) for p in shown)
        lines += [
            f"  {p.a:<{width_a}}  {p.b:<{width_b}}  score {p.score:.3f}  Jaccard {p.jaccard:.3f}  "
            f"shared {p.shared_shingles}"
            for p in shown
        ]
    tree = report.config.tree
    members = sum(len(family.members) for family in report.families if len(family.members) <= tree.bootstrap_max_members)
    if members and not report.stats.get("bootstrap") and tree.bootstrap is None:
        lines.append(f"Tree support not computed: families of up to {tree.bootstrap_max_members} documents hold "
                     f"{members:,}, more than {tree.auto_max_members:,} (--bootstrap 100 computes it).")
    for family in report.families[:_SHOWN]:
        lines.append(f"Family {family.id}: {len(family.members)} documents, root {family.root}{family.root_note}")
        lines += _tree_lines(family)
    if len(report.families) > _SHOWN:
        lines.append(f"... and {len(report.families) - _SHOWN} more families in report.md")
    lines.append(f"Report: {output}/ ({', '.join(REPORT_FILES)})")
    return "\n".join(lines)


def _tree_lines(family: Family) -> list[str]:
    """The family's lineage tree drawn with box characters, parents above their children, at most _TREE_LINES."""
    children: dict[str, list[TreeEdge]] = {}
    for edge in family.edges:
        children.setdefault(edge.parent, []).append(edge)
    lines = [f"  {family.root}"]
    below = children.get(family.root, [])
    stack = [(edge, "  ", k == len(below) - 1) for k, edge in enumerate(below)][::-1]
    while stack and len(lines) <= _TREE_LINES:
        edge, indent, last = stack.pop()
        support = "" if edge.support is None else f", support {edge.support:.2f}"
        lines.append(f"{indent}{'└─' if last else '├─'} {edge.child} (score {edge.score:.3f}{support})")
        below = children.get(edge.child, [])
        inner = indent + ("   " if last else "│  ")
        stack += [(child, inner, k == len(below) - 1) for k, child in enumerate(below)][::-1]
    if len(family.members) > len(lines):
        lines.append(f"  ... {len(family.members) - len(lines)} more members in report.md")
    return lines


def _synth_summary(summary: synthetic.SynthSummary, output: Path) -> str:
    levels = summary.levels
    rewrites = levels["light"] + levels["medium"] + levels["heavy"]
    spam = "No spam keywords"
    if summary.injected_docs:
        spam = (f"{count_noun(summary.keywords, 'spam keyword')} of {count_noun(len(summary.operators), 'operator')} "
                f"in {count_noun(summary.injected_docs, 'document')}")
    return "\n".join([
        f"Wrote {count_noun(summary.docs, 'document')}: {count_noun(levels['template'], 'family', 'families')} "
        f"with {count_noun(rewrites, 'rewrite')} ({levels['light']} light, {levels['medium']} medium, "
        f"{levels['heavy']} heavy) and {count_noun(levels['independent'], 'independent article')}.",
        f"{spam}; {count_noun(summary.sites, 'site')}.",
        f"Corpus: {output}/corpus.jsonl; truth: {output}/truth.jsonl",
    ])


class _Progress:
    """Progress of each long stage on stderr: how many done (of how many, when known) and how fast.

    On a terminal the stage's line is redrawn in place; otherwise (``--progress``
    into a log) a line is written every few seconds and when the stage ends.
    """

    _UNITS = {"read": "records", "signed": "records read and signed", "shingles": "documents", "signatures": "documents",
              "candidates": "bands", "verified": "pairs", "verification": "pairs", "passages": "pairs",
              "trees": "families", "written": "records", "added": "documents", "queried": "documents"}

    def __init__(self, enabled: bool, terminal: bool | None = None) -> None:
        self.enabled = enabled
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._stage: str | None = None
        self._started = self._shown = 0.0
        self._line = ""

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self._finish()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if stage != self._stage:
            self._finish()
            self._stage, self._started = stage, now
            self._shown = 0.0 if self.terminal else now  # into a log: a line every few seconds, and the last
        elapsed = max(now - self._started, 1e-9)
        of = f"/{total:,}" if total else ""
        unit = self._UNITS.get(stage, "items")
        rate = f"{done / elapsed:>9,.0f}/s" if elapsed >= 0.1 else " " * 11
        self._line = f"{stage:<11} {done:>11,}{of} {unit}  {rate}  {elapsed:6.1f} s"
        if now - self._shown >= (0.2 if self.terminal else 10.0):
            self._shown = now
            click.echo(f"\r{self._line}\x1b[K" if self.terminal else self._line, err=True, nl=not self.terminal)

    def _finish(self) -> None:
        if self._stage is not None:
            click.echo(f"\r{self._line}\x1b[K" if self.terminal else self._line, err=True)
            self._stage = None
