"""Reader throughput: HTML pages and WARC crawls read into documents, and how well the main text is found.

Usage: python benchmarks/readers.py [--docs 2000] [--rounds 5] [--seed 1] [--peers trafilatura] [--json OUT]

The pages are `lineage synth` articles (without site boilerplate or spam, so the
article is the truth) wrapped in one of three boilerplate-rich templates (a news
site, a blog, a portal): navigation, a cookie banner, a byline and share bar,
related links, comments, sidebar ads, a newsletter box, a footer, scripts and
styles: pages of about 6 kB around articles of about 2,600 characters (real
pages carry more script and style, so they read slower). They are written as .html
files, as one .warc.gz with a request record before each response (as crawlers
write them), and, for a baseline, as plain .txt files and one JSONL file.

Each round times `lineage.read_corpus` on each form (in a rotating order) and
reports documents/s; the table shows medians. The process is pinned to one CPU.
Quality: the share of the extracted words that are the article's (precision) and
the share of the article's words extracted (recall), counted as multisets of
lower-cased words. `--peers trafilatura` measures trafilatura's `extract()` on the
same pages, in the same rounds (pip install trafilatura).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from common import machine, median, pin_to_one_core, synthetic, write_json
from lineage.corpus import read_corpus

_NAV = ("Home", "World", "Business", "Technology", "Science", "Health", "Sport", "Opinion", "Video", "Podcasts",
        "Newsletters", "Subscribe", "Log in")
_ADS = ("Advertisement", "Sponsored: 50% off premium hosting this week", "Ten gadgets you need this summer",
        "Doctors hate this one simple trick", "Book your holiday now and save")
_WORD = re.compile(r"\w+")


def page(record: dict, rng: np.random.Generator, site: str, template: int) -> str:
    """One HTML page holding ``record``'s text as its article, in boilerplate of one of three templates."""
    escape = html.escape
    paragraphs = [part.strip() for part in record["text"].split("\n\n") if part.strip()]
    title = " ".join(paragraphs[0].split()[:9]).rstrip(".,;")
    body = "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    links = "".join(f'<li><a href="/story/{rng.integers(10**6)}">{escape(" ".join(rng.choice(_NAV + _ADS, 3)))}</a></li>'
                    for _ in range(6))
    comments = "".join(f'<div class="comment"><span class="author">reader{rng.integers(999)}</span><p>Great article, '
                       f"thanks for sharing! I agree with point {k + 1}.</p></div>" for k in range(rng.integers(1, 5)))
    nav = "".join(f'<li><a href="/{item.lower().replace(" ", "-")}">{item}</a></li>' for item in _NAV)
    date = record.get("date", "")
    head = (f'<head><meta charset="utf-8"><title>{escape(title)} | {site}</title>'
            f'<meta property="og:title" content="{escape(title)}">'
            f'<meta property="article:published_time" content="{date}">'
            f'<link rel="canonical" href="https://{site}/news/{record["id"]}.html">'
            "<style>body{font-family:sans-serif}.ad{background:#eee}nav a{margin:4px}</style>"
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)};"
            "gtag('js',new Date());</script></head>")
    cookie = ('<div id="cookie-banner">We use cookies to improve your experience. By continuing you accept our '
              '<a href="/privacy">privacy policy</a>. <button>Accept</button></div>')
    footer = (f"<footer><p>&copy; 2024 {site}. All rights reserved.</p><ul><li><a href='/about'>About us</a></li>"
              "<li><a href='/contact'>Contact</a></li><li><a href='/terms'>Terms of use</a></li></ul></footer>"
              '<script src="https://cdn.example.com/analytics.js"></script>')
    aside = (f'<aside class="sidebar"><div class="ad">{escape(str(rng.choice(_ADS)))}</div><h3>Most read</h3>'
             f"<ol>{links}</ol><div class='newsletter'>Sign up for our newsletter and get the best stories every "
             "morning.</div></aside>")
    byline = f'<div class="byline">By Staff Writer | <time datetime="{date}">{date}</time></div>'
    share = '<div class="share">Share on Facebook | Share on X | Email this story</div>'
    if template == 0:  # a news site: article, related stories and comments, sidebar
        main = (f"<main><article><h1>{escape(title)}</h1>{byline}{share}{body}</article>"
                f'<section class="related"><h2>Related stories</h2><ul>{links}</ul></section>'
                f'<section class="comments"><h2>Comments</h2>{comments}</section></main>{aside}')
    elif template == 1:  # a blog: post in divs, tags, author box, comments
        main = (f'<div id="content"><div class="post"><h2 class="post-title">{escape(title)}</h2>{byline}'
                f'<div class="entry-content">{body}</div><div class="tags">Tags: <a href="/t/1">news</a></div>'
                '<div class="author-box">About the author: writes about everything.</div></div>'
                f'<div id="comments"><h3>{len(comments)} responses</h3>{comments}</div></div>{aside}')
    else:  # a portal: tables of links around the story
        main = (f'<table class="layout"><tr><td class="left"><ul>{links}</ul></td><td class="center">'
                f'<div class="story"><h1>{escape(title)}</h1>{share}{body}</div></td>'
                f'<td class="right">{aside}</td></tr></table>')
    return (f'<!DOCTYPE html>\n<html lang="en">{head}<body>{cookie}<header><a class="logo" href="/">{site}</a>'
            f'<nav><ul>{nav}</ul></nav><form class="search"><input type="text" placeholder="Search"></form></header>'
            f"{main}{footer}</body></html>\n")


def pages(docs: int, seed: int) -> tuple[list[dict], list[str]]:
    records, _ = synthetic(docs, seed, boilerplate_words=0, injected_share=0.0)
    rng = np.random.default_rng(seed)
    sites = [f"site{k:02d}.example.com" for k in range(20)]
    made = [page(record, rng, sites[rng.integers(len(sites))], int(rng.integers(3))) for record in records]
    return records, made


def write_forms(folder: Path, records: list[dict], made: list[str]) -> dict[str, Path]:
    """The pages as .html files, a .warc.gz, and the articles as .txt files and a JSONL file."""
    forms = {name: folder / name for name in ("html", "txt")}
    for form in forms.values():
        form.mkdir()
    crawl = io.BytesIO()
    writer = WARCWriter(crawl, gzip=True)
    for record, text in zip(records, made):
        (forms["html"] / f"{record['id']}.html").write_text(text, encoding="utf-8")
        (forms["txt"] / f"{record['id']}.txt").write_text(record["text"], encoding="utf-8")
        uri = f"https://pages.example/{record['id']}"
        request = StatusAndHeaders(f"GET /{record['id']} HTTP/1.1", [("Host", "pages.example")], is_http_request=True)
        writer.write_record(writer.create_warc_record(uri, "request", http_headers=request))
        response = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(text.encode("utf-8")),
                                                      http_headers=response))
    forms["warc"] = folder / "crawl.warc.gz"
    forms["warc"].write_bytes(crawl.getvalue())
    forms["jsonl"] = folder / "articles.jsonl"
    forms["jsonl"].write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records),
                              encoding="utf-8")
    return forms


def overlap(extracted: str, article: str) -> tuple[float, float]:
    """(precision, recall) of the extracted words against the article's, as multisets of lower-cased words."""
    found, truth = Counter(_WORD.findall(extracted.lower())), Counter(_WORD.findall(article.lower()))
    shared = sum((found & truth).values())
    return shared / max(1, sum(found.values())), shared / max(1, sum(truth.values()))


def quality(texts: list[str], articles: list[str]) -> dict[str, float]:
    scores = np.array([overlap(text, article) for text, article in zip(texts, articles)])
    return {"precision": round(float(scores[:, 0].mean()), 4), "recall": round(float(scores[:, 1].mean()), 4),
            "precision_p5": round(float(np.percentile(scores[:, 0], 5)), 4),
            "recall_p5": round(float(np.percentile(scores[:, 1], 5)), 4)}


def readers(forms: dict[str, Path], made: list[str], peers: list[str]) -> dict[str, Callable[[], list[str]]]:
    """What is timed: each returns the documents' texts, in input order."""
    def read(path: Path) -> Callable[[], list[str]]:
        return lambda: [record.text for record in read_corpus([path]) if hasattr(record, "text")]

    timed = {"html files": read(forms["html"]), "warc.gz": read(forms["warc"]),
             "txt files (baseline)": read(forms["txt"]), "jsonl (baseline)": read(forms["jsonl"])}
    if "trafilatura" in peers:
        import trafilatura

        timed["trafilatura extract (peer)"] = lambda: [trafilatura.extract(text) or "" for text in made]
    return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", nargs="*", default=[], choices=["trafilatura"])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    cpu = pin_to_one_core()
    records, made = pages(args.docs, args.seed)
    articles = [record["text"] for record in records]
    with tempfile.TemporaryDirectory() as scratch:
        forms = write_forms(Path(scratch), records, made)
        timed = readers(forms, made, args.peers)
        names = list(timed)
        rates: dict[str, list[float]] = {name: [] for name in names}
        texts: dict[str, list[str]] = {}
        for round_number in range(args.rounds):
            order = names[round_number % len(names):] + names[: round_number % len(names)]
            for name in order:
                started = time.perf_counter()
                texts[name] = timed[name]()
                rates[name].append(len(records) / (time.perf_counter() - started))
        sizes = {name: sum(path.stat().st_size for path in (forms[key].rglob("*") if forms[key].is_dir()
                                                            else [forms[key]]))
                 for name, key in (("html files", "html"), ("warc.gz", "warc"))}
    for name in names:
        assert len(texts[name]) == len(records), f"{name}: {len(texts[name])} documents of {len(records)}"
    results = {
        "machine": machine(["resiliparse", "warcio", "trafilatura"]),
        "cpu_pinned": cpu,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "docs": len(records),
        "rounds": args.rounds,
        "seed": args.seed,
        "article_chars_mean": round(float(np.mean([len(text) for text in articles])), 1),
        "page_bytes_mean": round(float(np.mean([len(text.encode()) for text in made])), 1),
        "bytes": sizes,
        "docs_per_second": {name: {"median": round(median(rates[name]), 1),
                                   "rounds": [round(rate, 1) for rate in rates[name]]} for name in names},
        "quality": {name: quality(texts[name], articles) for name in names
                    if "baseline" not in name},
    }
    print(f"{len(records):,} pages ({results['page_bytes_mean']:,.0f} bytes of HTML around "
          f"{results['article_chars_mean']:,.0f} characters of article), {args.rounds} rounds, one core")
    print(f"{'reader':<28} {'documents/s':>12} {'precision':>10} {'recall':>8}")
    for name in names:
        figures = results["quality"].get(name, {})
        print(f"{name:<28} {results['docs_per_second'][name]['median']:>12,.0f} "
              f"{figures.get('precision', float('nan')):>10.3f} {figures.get('recall', float('nan')):>8.3f}")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
