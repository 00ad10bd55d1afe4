// lineage report.html: draws the report from the JSON in #lineage-data.
// Documents come from hostile sites: every piece of their data is put on screen as a text node or an
// attribute value set through the DOM, never parsed as markup, and links only ever hold "#view/number".
"use strict";
(() => {
  const DATA = JSON.parse(document.getElementById("lineage-data").textContent);
  const record = (names) => (row) => Object.fromEntries(names.map((name, i) => [name, row[i]]));
  const DOCS = DATA.documents.map(record(DATA.fields.documents));
  const PAIRS = DATA.pairs.map(record(DATA.fields.pairs));
  const PHRASES = DATA.phrases;
  const FAMILIES = DATA.families;
  const PAGE_ROWS = 50;
  const COLOURS = 8;  // passage colours .p0 ... .p7
  const SVG_NS = "http://www.w3.org/2000/svg";
  const view = document.getElementById("view");
  const FIGURES = {
    dendrogram: document.querySelector('#figures [data-figure="dendrogram"] svg'),
    lineage: document.querySelector('#figures [data-figure="lineage"] svg'),
  };
  const familyIndex = new Map(FAMILIES.map((family, k) => [family.id, k]));
  const pairsOf = new Map();  // document index -> indices of its shown pairs
  PAIRS.forEach((pair, k) => {
    for (const doc of [pair.a, pair.b]) {
      if (!pairsOf.has(doc)) pairsOf.set(doc, []);
      pairsOf.get(doc).push(k);
    }
  });
  const occurrencesOf = new Map();  // document index -> [phrase index, occurrence index]
  PHRASES.forEach((phrase, p) => phrase.occurrences.forEach((occurrence, o) => {
    if (!occurrencesOf.has(occurrence[0])) occurrencesOf.set(occurrence[0], []);
    occurrencesOf.get(occurrence[0]).push([p, o]);
  }));
  const parentOf = new Map();  // document index -> its tree edge [parent, child, score, support]
  for (const family of FAMILIES) for (const edge of family.edges) parentOf.set(edge[1], edge);

  // ---- DOM helpers ------------------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    return append(node, children);
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svgEl(tag, attributes, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const link = (hash, ...label) => el("a", { href: "#" + hash }, ...label);
  const count = (n) => Number(n).toLocaleString("en-US");
  const plural = (n, one, many) => `${count(n)} ${n === 1 ? one : many || one + "s"}`;
  const fixed = (value, digits = 3) => (value === null || value === undefined ? "–" : value.toFixed(digits));
  const docId = (k) => el("span", { class: "id" }, DOCS[k].id);
  const hasText = (k) => typeof DOCS[k].text === "string";
  const docLink = (k) => (hasText(k) ? link(`doc/${k}`, docId(k)) : docId(k));
  const familyLink = (id) => (id === null || id === undefined ? "–" : link(`family/${familyIndex.get(id)}`, id));

  // A pattern such as "never {sleeps|dims}" with each variant slot boxed.
  function pattern(text) {
    const out = el("span", { class: "pattern" });
    let last = 0;
    for (const match of text.matchAll(/\{[^{}]*\|[^{}]*\}/g)) {
      out.append(text.slice(last, match.index), el("span", { class: "slot" }, match[0]));
      last = match.index + match[0].length;
    }
    out.append(text.slice(last));
    return out;
  }

  // ---- Marked text: a document's text with passages, variants, spam keywords and occurrences ------

  // layers: {start, end, classes, data: {attribute: value}, title}; gaps: {at, title} (dropped words).
  function markedText(text, layers, gaps) {
    const live = layers.filter((layer) => layer.start < layer.end);
    const points = new Set([0, text.length]);
    for (const layer of live) points.add(layer.start).add(layer.end);
    for (const gap of gaps) points.add(gap.at);
    const sorted = [...points].filter((p) => p >= 0 && p <= text.length).sort((x, y) => x - y);
    const gapsAt = new Map();
    for (const gap of gaps) gapsAt.set(gap.at, [...(gapsAt.get(gap.at) || []), gap]);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < sorted.length; i++) {
      const from = sorted[i];
      for (const gap of gapsAt.get(from) || []) fragment.append(el("span", { class: "gap", title: gap.title }));
      if (i + 1 === sorted.length) break;
      const to = sorted[i + 1];
      const piece = text.slice(from, to);
      const active = live.filter((layer) => layer.start <= from && layer.end >= to);
      if (!active.length) {
        fragment.append(piece);
        continue;
      }
      const span = el("span", { class: active.map((layer) => layer.classes).join(" ") }, piece);
      const titles = active.map((layer) => layer.title).filter(Boolean);
      if (titles.length) span.title = titles.join("; ");
      for (const layer of active) for (const [key, value] of Object.entries(layer.data || {})) span.dataset[key] = value;
      fragment.append(span);
    }
    return fragment;
  }

  function spamLayers(k) {
    return DOCS[k].injections.filter((injection) => injection[0] !== null).map(([start, end, , placement, fingerprint]) => ({
      start, end, classes: "spam", title: `injected spam keyword (${placement}${fingerprint ? ", fingerprint " + fingerprint : ""})`,
    }));
  }

  // Scroll a text box (not the page) so that its first element matching selector is in view, and flash it.
  function scrollInBox(box, selector) {
    const target = box.querySelector(selector);
    if (!target) return;
    box.scrollTop = Math.max(0, target.offsetTop - box.clientHeight / 3);
    for (const node of box.querySelectorAll(selector)) {
      node.classList.remove("flash");
      void node.offsetWidth;  // restart the animation
      node.classList.add("flash");
    }
  }

  // ---- Tables -----------------------------------------------------------------------------------

  // columns: {label, value(row) for sorting, cell(row), numeric}; state: {page, sort, descending}.
  function table({ columns, rows, state, open, empty }) {
    const box = el("div", { class: "table-box" });
    const render = () => {
      let order = rows.slice();
      if (state.sort !== null && state.sort !== undefined) {
        const value = columns[state.sort].value;
        const sign = state.descending ? -1 : 1;
        order.sort((x, y) => {
          const a = value(x), b = value(y);
          if (a === b) return 0;
          if (a === null || a === undefined) return 1;
          if (b === null || b === undefined) return -1;
          return (a < b ? -1 : 1) * sign;
        });  // stable: ties keep the report's order
      }
      const pages = Math.max(1, Math.ceil(order.length / PAGE_ROWS));
      state.page = Math.min(state.page || 0, pages - 1);
      const shown = order.slice(state.page * PAGE_ROWS, (state.page + 1) * PAGE_ROWS);
      const head = el("tr", null, columns.map((column, c) => {
        const th = el("th", { class: column.numeric ? "num" : null, scope: "col" });
        if (column.value) {
          if (state.sort === c) th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
          th.append(el("button", {
            class: "sort", type: "button", title: "sort by " + column.label,
            onclick: () => {
              state.descending = state.sort === c ? !state.descending : Boolean(column.numeric);
              state.sort = c;
              state.page = 0;
              render();
            },
          }, column.label));
        } else th.append(column.label);
        return th;
      }));
      const body = el("tbody", null, shown.map((row) => {
        const tr = el("tr", null, columns.map((column) => {
          const content = column.cell ? column.cell(row) : column.value(row);
          const value = column.value ? column.value(row) : null;
          return el("td", {
            class: column.numeric ? "num" : column.className || null,
            "data-value": typeof value === "number" ? value : null,
          }, typeof content === "number" ? fixed(content) : content === null || content === undefined ? "–" : content);
        }));
        const target = open && open(row);
        if (target) {
          tr.className = "clickable";
          tr.tabIndex = 0;
          tr.addEventListener("click", (event) => {
            if (!event.target.closest("a")) location.hash = target;
          });
          tr.addEventListener("keydown", (event) => {
            if (event.key === "Enter") location.hash = target;
          });
        }
        return tr;
      }));
      const pager = el("div", { class: "pager" },
        pages > 1 ? el("button", { type: "button", disabled: state.page === 0, onclick: () => { state.page--; render(); } }, "← Previous") : null,
        !order.length ? empty || "no rows"
          : pages > 1 ? `rows ${count(state.page * PAGE_ROWS + 1)}–${count(state.page * PAGE_ROWS + shown.length)} of ${count(order.length)}`
            : plural(order.length, "row"),
        pages > 1 ? el("button", { type: "button", disabled: state.page >= pages - 1, onclick: () => { state.page++; render(); } }, "Next →") : null);
      box.replaceChildren(el("table", null, el("thead", null, head), body), pager);
    };
    render();
    return box;
  }

  // ---- Zoomable figures -------------------------------------------------------------------------

  function zoomable(svg, width, height, caption) {
    const area = el("div", { class: "zoom-area" }, svg);
    let zoom = 1;
    const label = el("span");
    const apply = () => {
      svg.setAttribute("width", String(Math.round(width * zoom)));
      svg.setAttribute("height", String(Math.round(height * zoom)));
      label.textContent = `${Math.round(zoom * 100)}%`;
    };
    const by = (factor) => () => { zoom = Math.min(8, Math.max(0.1, zoom * factor)); apply(); };
    const controls = el("div", { class: "zoom-controls" },
      el("button", { type: "button", title: "zoom out", onclick: by(1 / 1.25) }, "−"),
      el("button", { type: "button", title: "zoom in", onclick: by(1.25) }, "+"),
      el("button", { type: "button", title: "fit the width", onclick: () => { zoom = Math.max(0.1, (area.clientWidth - 2) / width); apply(); } }, "fit"),
      el("button", { type: "button", title: "actual size", onclick: () => { zoom = 1; apply(); } }, "100%"),
      label, caption ? el("span", null, " · ", caption) : null);
    apply();
    return el("div", { class: "zoom" }, controls, area);
  }

  // matplotlib's figure, sized in points, with its viewBox kept so that it scales.
  function figure(name, caption) {
    const svg = FIGURES[name];
    if (!svg) return null;
    const [, , width, height] = (svg.getAttribute("viewBox") || "0 0 400 300").split(/\s+/).map(Number);
    return zoomable(svg, width * 4 / 3, height * 4 / 3, caption);
  }

  // ---- Views --------------------------------------------------------------------------------------

  const pairState = { page: 0, sort: null, descending: true, filters: { score: "", jaccard: "", containment: "", passages: "", text: "", family: "" } };
  const tableStates = {};
  const stateOf = (name) => (tableStates[name] ||= { page: 0, sort: null, descending: true });

  function overview() {
    const s = DATA.summary;
    const skipped = DOCS.map((doc, k) => k).filter((k) => DOCS[k].status !== "ok");
    const injections = s.injections || {};
    const card = (value, label) => el("div", { class: "card" }, el("div", { class: "value" }, value), el("div", { class: "label" }, label));
    return [
      el("h1", null, "lineage report"),
      el("p", { class: "muted" }, `lineage ${DATA.version}; score = share of the smaller document's shingles found in the other (every number exact).`),
      el("div", { class: "cards" },
        card(count(s.documents), "documents analysed"),
        card(count(s.skipped), "skipped inputs"),
        card(count(s.pairs), "pairs reported"),
        card(count(s.families), `families (${count(s.documents_in_families)} documents; ${count(s.singletons)} in none)`),
        card(count(s.phrases || 0), `phrases from ${plural(s.passages || 0, "shared passage")}`),
        card(count(injections.keywords || 0), `spam keywords in ${plural(injections.documents || 0, "document")}`),
        card(count(injections.fingerprints || 0), "keyword fingerprints"),
        card(count(injections.operators || 0), "spam operators")),
      limitsNote(),
      s.passages_skipped ? el("p", { class: "note" }, "Passages were not aligned: ", s.passages_skipped, ".") : null,
      s.passages_partial ? el("p", { class: "note" }, "Passages were aligned for ", s.passages_partial, ".") : null,
      el("h2", null, "Families"),
      FAMILIES.length ? familiesTable("overview-families") : el("p", null, "No pair reaches the family threshold (", String(DATA.parameters.family_threshold), ")."),
      el("h2", null, "Spam operators"),
      DATA.operators.length ? operatorsTable() : el("p", null, "No injected spam keyword ties documents together."),
      el("h2", null, `Skipped inputs (${count(skipped.length)})`),
      skipped.length ? table({
        columns: [
          { label: "input", value: (k) => DOCS[k].id, cell: (k) => docId(k) },
          { label: "kind", value: (k) => DOCS[k].skip_kind },
          { label: "reason", value: (k) => DOCS[k].reason, className: "text" },
        ],
        rows: skipped, state: stateOf("skipped"),
      }) : el("p", null, "None: every input was analysed."),
      el("h2", null, "Lineage trees"),
      figure("lineage", "each family from its root; branch shade = score, numbers = bootstrap support (%)"),
      el("h2", null, "Dendrogram"),
      figure("dendrogram", "average linkage on 1 − score; numbers = clade support (%)"),
      el("h2", null, "Parameters"),
      el("details", null, el("summary", null, "Every setting of this run"),
        el("table", null, el("tbody", null, Object.entries(DATA.parameters).map(([key, value]) =>
          el("tr", null, el("td", { class: "id" }, key), el("td", { class: "text" }, value === null ? "–" : typeof value === "object" ? JSON.stringify(value) : String(value))))))),
    ];
  }

  function limitsNote() {
    const l = DATA.limits;
    const parts = [];
    if (l.pairs[0] < l.pairs[1]) parts.push(`the ${count(l.pairs[0])} strongest of ${count(l.pairs[1])} pairs`);
    if (l.phrases[0] < l.phrases[1]) parts.push(`the ${count(l.phrases[0])} strongest of ${count(l.phrases[1])} phrases`);
    if (l.texts[0] < l.texts[1]) parts.push(`the texts of ${count(l.texts[0])} of ${count(l.texts[1])} analysed documents (those of the strongest pairs, then of the phrases, up to ${count(l.text_budget)} characters)`);
    if (!parts.length) return el("p", { class: "muted" }, "This file holds the whole report: every pair, phrase and analysed text.");
    return el("p", { class: "note" }, "This file holds every document, family, fingerprint and operator, but only ", parts.join("; "),
      ". Pairs and occurrences whose texts are left out show their numbers and passage patterns only; report.json and the CSV files hold everything.");
  }

  function familiesTable(stateName) {
    return table({
      columns: [
        { label: "family", value: (f) => familyIndex.get(f.id), cell: (f) => link(`family/${familyIndex.get(f.id)}`, f.id), numeric: false },
        { label: "size", value: (f) => f.members.length, cell: (f) => count(f.members.length), numeric: true },
        { label: "root", value: (f) => DOCS[f.root].id, cell: (f) => docLink(f.root) },
        { label: "root support", value: (f) => f.root_support, cell: (f) => fixed(f.root_support, 2), numeric: true },
        { label: "template", value: null, cell: (f) => (f.template ? pattern(f.template.length > 240 ? f.template.slice(0, 240) + " …" : f.template) : "–"), className: "text" },
      ],
      rows: FAMILIES, state: stateOf(stateName), open: (f) => `family/${familyIndex.get(f.id)}`,
    });
  }

  function operatorsTable() {
    const cores = new Map(DATA.fingerprints.map((f) => [f.id, f.core]));
    return table({
      columns: [
        { label: "operator", value: (o) => o.id },
        { label: "documents", value: (o) => o.docs.length, cell: (o) => count(o.docs.length), numeric: true },
        { label: "fingerprints (core keyword)", value: null, cell: (o) => o.fingerprints.map((id, i) => [i ? ", " : "", `${id} `, cores.get(id)]), className: "text" },
      ],
      rows: DATA.operators, state: stateOf("overview-operators"), open: () => "operators",
    });
  }

  function pairsView() {
    const f = pairState.filters;
    const holder = el("div");
    const number = (key, label, step) => el("label", null, label, el("input", {
      type: "number", min: 0, step, value: f[key], "data-filter": key,
      oninput: (event) => { f[key] = event.target.value; pairState.page = 0; redraw(); },
    }));
    const matches = (k) => {
      const pair = PAIRS[k];
      const at = (value) => (value === "" ? -Infinity : Number(value));
      if (pair.score < at(f.score) || pair.jaccard < at(f.jaccard)) return false;
      if (Math.min(pair.containment_a, pair.containment_b) < at(f.containment)) return false;
      if (pair.passage_count < at(f.passages)) return false;
      if (f.family && pair.family !== f.family) return false;
      if (f.text) {
        const needle = f.text.toLowerCase();
        const haystack = [DOCS[pair.a].id, DOCS[pair.b].id, pair.family || ""].join("\n").toLowerCase();
        if (!haystack.includes(needle)) return false;
      }
      return true;
    };
    const redraw = () => holder.replaceChildren(table({
      columns: [
        { label: "#", value: (k) => k, cell: (k) => link(`pair/${k}`, String(k + 1)), numeric: false },
        { label: "document a", value: (k) => DOCS[PAIRS[k].a].id, cell: (k) => docId(PAIRS[k].a) },
        { label: "document b", value: (k) => DOCS[PAIRS[k].b].id, cell: (k) => docId(PAIRS[k].b) },
        { label: "family", value: (k) => PAIRS[k].family, cell: (k) => PAIRS[k].family || "–" },
        { label: "score", value: (k) => PAIRS[k].score, numeric: true },
        { label: "Jaccard", value: (k) => PAIRS[k].jaccard, numeric: true },
        { label: "containment a", value: (k) => PAIRS[k].containment_a, numeric: true },
        { label: "containment b", value: (k) => PAIRS[k].containment_b, numeric: true },
        { label: "shared shingles", value: (k) => PAIRS[k].shared_shingles, cell: (k) => count(PAIRS[k].shared_shingles), numeric: true },
        { label: "coverage", value: (k) => PAIRS[k].coverage, numeric: true },
        { label: "passages", value: (k) => PAIRS[k].passage_count, cell: (k) => count(PAIRS[k].passage_count), numeric: true },
        { label: "found by", value: (k) => PAIRS[k].found_by },
      ],
      rows: PAIRS.map((pair, k) => k).filter(matches), state: pairState, open: (k) => `pair/${k}`,
      empty: "no pair matches the filters",
    }));
    redraw();
    const l = DATA.limits;
    return [
      el("h1", null, "Pairs"),
      el("p", { class: "muted" }, `${count(l.pairs[0])} pairs${l.pairs[0] < l.pairs[1] ? ` (the strongest of ${count(l.pairs[1])})` : ""}, strongest first. `,
        "Click a column to sort, a row to compare the two documents side by side."),
      el("div", { class: "filters", role: "search" },
        number("score", "score ≥", 0.01), number("jaccard", "Jaccard ≥", 0.01), number("containment", "both containments ≥", 0.01),
        number("passages", "passages ≥", 1),
        el("label", null, "document or family contains", el("input", {
          type: "search", value: f.text, "data-filter": "text",
          oninput: (event) => { f.text = event.target.value; pairState.page = 0; redraw(); },
        })),
        f.family ? el("span", null, `family ${f.family} only`) : null,
        el("button", { type: "button", onclick: () => { Object.keys(f).forEach((key) => { f[key] = ""; }); route(); } }, "clear")),
      holder,
    ];
  }

  function pairView(k) {
    const pair = PAIRS[k];
    if (!pair) return notFound("pair");
    const passages = pair.passages || [];
    const sides = { a: pair.a, b: pair.b };
    const boxes = {};
    const columns = Object.entries(sides).map(([side, doc], s) => {
      const box = el("div", { class: "doctext", id: `side-${side}`, "data-side": side });
      boxes[side] = box;
      if (hasText(doc)) {
        const layers = spamLayers(doc);
        const gaps = [];
        passages.forEach((passage, p) => {
          layers.push({ start: passage[2 * s], end: passage[2 * s + 1], classes: `passage p${p % COLOURS}`, data: { passage: p } });
          for (const slot of passage[5]) {
            const [start, end] = [slot[2 * s], slot[2 * s + 1]];
            if (start < end) layers.push({ start, end, classes: "variant", title: "variant words: the other document has something else here" });
            else gaps.push({ at: start, title: "the other document has words here that this one drops" });
          }
        });
        box.append(markedText(DOCS[doc].text, layers, gaps));
      } else box.append(el("p", { class: "muted" }, "This document's text is not in this file (see the note on the overview)."));
      return el("section", { class: "side" }, el("h3", null, side, " · ", docLink(doc)), documentFacts(doc, true), box);
    });
    const list = passages.length
      ? el("ol", { class: "passages" }, passages.map((passage, p) => el("li", null, el("button", {
        type: "button", "data-passage": p, title: "show it in both documents",
        onclick: () => { scrollInBox(boxes.a, `[data-passage="${p}"]`); scrollInBox(boxes.b, `[data-passage="${p}"]`); },
      }, el("span", { class: `swatch p${p % COLOURS}` }, `${passage[4]} words`), " ", pattern(passagePattern(pair, passage))))))
      : pair.passage_count
        ? el("div", null, el("p", { class: "note" }, `These texts are not in this file; the first passages the pair shares (report.json has all ${pair.passage_count}):`),
          el("ol", null, pair.patterns.map((text) => el("li", null, pattern(text)))))
        : el("p", { class: "muted" }, DATA.summary.passages_skipped ? `Passages were not aligned: ${DATA.summary.passages_skipped}.`
          : pair.coverage === null ? `This pair was not aligned: passages were aligned for ${DATA.summary.passages_partial}.`
          : `The two share no passage of ${DATA.parameters.passage_min_tokens} or more aligned words.`);
    return [
      el("p", null, link("pairs", "← all pairs")),
      el("h1", null, `Pair ${k + 1}: `, docId(pair.a), " and ", docId(pair.b)),
      el("div", { class: "pair-head" },
        el("span", null, "score ", el("b", null, fixed(pair.score))),
        el("span", null, "Jaccard ", el("b", null, fixed(pair.jaccard))),
        el("span", null, "containment a ", el("b", null, fixed(pair.containment_a))),
        el("span", null, "containment b ", el("b", null, fixed(pair.containment_b))),
        el("span", null, "shared shingles ", el("b", null, count(pair.shared_shingles))),
        el("span", null, "passage coverage ", el("b", null, fixed(pair.coverage))),
        el("span", null, "found by ", el("b", null, pair.found_by)),
        el("span", null, "family ", familyLink(pair.family))),
      el("div", { class: "legend" },
        el("span", null, el("span", { class: "swatch p0" }, "shared passage"), " (one colour per passage, the same on both sides)"),
        el("span", null, el("span", { class: "swatch p0" }, el("span", { class: "variant" }, "variant")), " words that differ (", el("span", { class: "gap" }), " words the other side has)"),
        el("span", null, el("span", { class: "spam swatch" }, "spam"), " injected spam keyword (left out of the similarity)")),
      el("h2", null, `Shared passages (${pair.passage_count})`),
      list,
      el("div", { class: "sides" }, columns),
    ];
  }

  // The document's record: in full, or as one line with the rest behind a disclosure (beside a text).
  // The passage as a's words with each variant slot written {a's words|b's words}, shortened.
  function passagePattern(pair, passage) {
    const [textA, textB] = [DOCS[pair.a].text, DOCS[pair.b].text];
    const pieces = [];
    let at = passage[0];
    for (const [startA, endA, startB, endB] of passage[5]) {
      pieces.push(textA.slice(at, startA), `{${textA.slice(startA, endA)}|${textB.slice(startB, endB)}}`);
      at = endA;
    }
    pieces.push(textA.slice(at, passage[1]));
    const text = pieces.join("");
    const limit = 1.5 * DATA.limits.shown_chars;
    return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
  }

  function documentFacts(k, brief) {
    const doc = DOCS[k];
    if (brief) {
      const parts = [
        doc.chars === null ? null : `${count(doc.chars)} characters`, doc.date, doc.family === null ? null : ["family ", familyLink(doc.family)],
        doc.operator === null ? null : `operator ${doc.operator}`, doc.injections.length ? plural(doc.injections.length, "spam keyword") : null,
      ].filter((part) => part !== null && part !== undefined);
      return el("details", { class: "facts" }, el("summary", null, parts.map((part, i) => [i ? " · " : "", part])), documentFacts(k, false));
    }
    const rows = [
      ["source", doc.source], ["url", doc.url], ["date", doc.date],
      ["status", doc.status === "ok" ? "analysed" : `skipped: ${doc.reason}`],
      ["characters", doc.chars === null ? null : count(doc.chars)], ["encoding", doc.encoding],
      ["family", doc.family === null ? null : familyLink(doc.family)], ["operator", doc.operator],
      ["spam keywords", doc.injections.length ? doc.injections.map((injection, i) => [i ? ", " : "", injection[2]]) : null],
    ].filter(([, value]) => value !== null && value !== undefined);
    return el("dl", { class: "meta" }, rows.map(([key, value]) => [el("dt", null, key), el("dd", null, value)]));
  }

  function phrasesView() {
    const l = DATA.limits;
    return [
      el("h1", null, "Phrases"),
      el("p", { class: "muted" }, `${count(l.phrases[0])} phrases${l.phrases[0] < l.phrases[1] ? ` (the strongest of ${count(l.phrases[1])})` : ""}: `,
        "text several documents share, with the words all keep and each variant slot written {a|b|…}. Click an occurrence to see it in its document."),
      PHRASES.length ? table({
        columns: [
          { label: "phrase", value: (p) => p, cell: (p) => PHRASES[p].id, numeric: false },
          { label: "documents", value: (p) => PHRASES[p].docs.length, cell: (p) => count(PHRASES[p].docs.length), numeric: true },
          { label: "words", value: (p) => PHRASES[p].words, cell: (p) => count(PHRASES[p].words), numeric: true },
          { label: "pattern", value: null, cell: (p) => pattern(PHRASES[p].pattern), className: "text" },
          { label: "occurrences", value: null, className: "text", cell: (p) => occurrenceList(p) },
        ],
        rows: PHRASES.map((phrase, p) => p), state: stateOf("phrases"),
      }) : el("p", null, DATA.summary.passages_skipped ? `Passages were not aligned: ${DATA.summary.passages_skipped}.` : "No phrase is shared."),
    ];
  }

  // A phrase's occurrences, each linking to its place in its document; past the first few, behind a disclosure.
  function occurrenceList(p) {
    const SHOWN = 4;
    const item = (occurrence, o) => el("li", null,
      hasText(occurrence[0]) && occurrence[1] !== null ? link(`doc/${occurrence[0]}/${p}/${o}`, docId(occurrence[0])) : docId(occurrence[0]),
      el("span", { class: "muted" }, ": ", occurrence[3].length > 100 ? occurrence[3].slice(0, 99) + "…" : occurrence[3]));
    const items = PHRASES[p].occurrences.map(item);
    return [el("ul", { class: "occurrences" }, items.slice(0, SHOWN)),
      items.length > SHOWN ? el("details", null, el("summary", null, `${count(items.length - SHOWN)} more`), el("ul", { class: "occurrences" }, items.slice(SHOWN))) : null];
  }

  function documentView(k, phrase, occurrence) {
    const doc = DOCS[k];
    if (!doc) return notFound("document");
    const target = phrase === undefined ? null : `${phrase}/${occurrence}`;
    const box = el("div", { class: "doctext", id: "document-text" });
    if (hasText(k)) {
      const layers = spamLayers(k);
      for (const [p, o] of occurrencesOf.get(k) || []) {
        const [, start, end] = PHRASES[p].occurrences[o];
        if (start === null) continue;
        layers.push({ start, end, classes: `${p}/${o}` === target ? "occ target" : "occ", title: `phrase ${PHRASES[p].id}`, data: { occurrence: `${p}/${o}` } });
      }
      box.append(markedText(doc.text, layers, []));
    } else box.append(el("p", { class: "muted" }, "This document's text is not in this file (see the note on the overview)."));
    const pairs = pairsOf.get(k) || [];
    const result = [
      el("p", null, link("documents", "← all documents")),
      el("h1", null, docId(k)),
      documentFacts(k, false),
      target !== null && (occurrencesOf.get(k) || []).some(([p, o]) => `${p}/${o}` === target) ? el("p", null, "Phrase ", PHRASES[phrase] ? PHRASES[phrase].id : "?", " is marked ", el("span", { class: "occ target swatch" }, "like this"),
        "; other phrases ", el("span", { class: "occ swatch" }, "like this"), ", spam keywords ", el("span", { class: "spam swatch" }, "like this"), ".") : null,
      pairs.length ? el("details", null, el("summary", null, `Pairs with this document (${count(pairs.length)})`),
        el("ul", null, pairs.map((p) => el("li", null, link(`pair/${p}`, docId(PAIRS[p].a === k ? PAIRS[p].b : PAIRS[p].a)), ` score ${fixed(PAIRS[p].score)}`)))) : null,
      box,
    ];
    if (target !== null) {
      requestAnimationFrame(() => {
        box.scrollIntoView({ block: "nearest" });
        scrollInBox(box, `[data-occurrence="${target}"]`);
      });
    }
    return result;
  }

  function familiesView() {
    return [
      el("h1", null, "Families"),
      el("p", { class: "muted" }, `${plural(FAMILIES.length, "family", "families")} of documents joined by pairs with score ≥ ${DATA.parameters.family_threshold}. Click one for its members, template and tree.`),
      FAMILIES.length ? familiesTable("families") : el("p", null, "No family."),
    ];
  }

  function familyView(f) {
    const family = FAMILIES[f];
    if (!family) return notFound("family");
    const rows = treeOrder(family);
    return [
      el("p", null, link("families", "← all families")),
      el("h1", null, `Family ${family.id}: ${plural(family.members.length, "document")}`),
      el("p", null, "Root ", docLink(family.root), family.root_support === null ? "" : ` (support ${fixed(family.root_support, 2)})`, ". ",
        el("a", { href: "#pairs", onclick: () => { pairState.filters.family = family.id; pairState.page = 0; } }, "Its pairs")),
      el("h2", null, "Reconstructed template"),
      family.template ? el("p", { class: "pattern" }, pattern(family.template)) : el("p", { class: "muted" }, "No phrase shared by two or more members (or passages were not aligned)."),
      family.template.length < family.template_chars ? el("p", { class: "muted" }, `The first ${count(family.template.length)} of ${count(family.template_chars)} characters; report.json holds it whole.`) : null,
      el("h2", null, "Lineage tree"),
      zoomable(...treeSvg(family, rows), "branch shade = score (darker: more shared); numbers = bootstrap support (%)"),
      el("h2", null, "Members"),
      table({
        columns: [
          { label: "document", value: (r) => DOCS[r.doc].id, cell: (r) => el("span", { style: `padding-left:${r.depth}em` }, docLink(r.doc)) },
          { label: "parent", value: (r) => (r.edge ? DOCS[r.edge[0]].id : null), cell: (r) => (r.edge ? docLink(r.edge[0]) : r.doc === family.root ? "root" : "–") },
          { label: "score", value: (r) => (r.edge ? r.edge[2] : null), cell: (r) => fixed(r.edge ? r.edge[2] : null), numeric: true },
          { label: "support", value: (r) => (r.edge ? r.edge[3] : null), cell: (r) => fixed(r.edge ? r.edge[3] : null, 2), numeric: true },
          { label: "date", value: (r) => DOCS[r.doc].date },
          { label: "operator", value: (r) => DOCS[r.doc].operator },
        ],
        rows, state: stateOf(`family-${f}`),
      }),
    ];
  }

  // Members in drawing order: each parent among its children (half above, half below), roots first.
  function treeOrder(family) {
    const children = new Map();
    for (const edge of family.edges) children.set(edge[0], [...(children.get(edge[0]) || []), edge]);
    const hasParent = new Set(family.edges.map((edge) => edge[1]));
    const rows = [];
    const place = (doc, depth, edge) => {
      const below = children.get(doc) || [];
      const half = Math.floor(below.length / 2);
      below.slice(0, half).forEach((next) => place(next[1], depth + 1, next));
      rows.push({ doc, depth, edge, row: rows.length });
      below.slice(half).forEach((next) => place(next[1], depth + 1, next));
    };
    for (const root of [family.root, ...family.members.filter((m) => m !== family.root && !hasParent.has(m))]) place(root, 0, null);
    return rows;
  }

  function treeSvg(family, rows) {
    const ROW = 22, STEP = 90, LEFT = 16, TOP = 16;
    const at = new Map(rows.map((r) => [r.doc, r]));
    const x = (doc) => LEFT + at.get(doc).depth * STEP;
    const y = (doc) => TOP + at.get(doc).row * ROW;
    const longest = Math.max(...rows.map((r) => DOCS[r.doc].id.length));
    const depth = Math.max(...rows.map((r) => r.depth));
    const width = LEFT + depth * STEP + Math.min(longest, 60) * 7.5 + 40;
    const height = TOP * 2 + (rows.length - 1) * ROW;
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `lineage tree of family ${family.id}`, class: "tree" });
    const shade = (score) => {
      const t = Math.min(1, Math.max(0, (Math.log10(Math.max(score, 0.001)) + 3) / 3));
      return `hsl(212, 70%, ${Math.round(78 - 50 * t)}%)`;
    };
    const spans = new Map();
    for (const edge of family.edges) {
      const [low, high] = spans.get(edge[0]) || [y(edge[0]), y(edge[0])];
      spans.set(edge[0], [Math.min(low, y(edge[1])), Math.max(high, y(edge[1]))]);
    }
    for (const [parent, [low, high]] of spans) svg.append(svgEl("line", { x1: x(parent), x2: x(parent), y1: low, y2: high, stroke: "#b0b0b0", "stroke-width": 1 }));
    for (const [parent, child, score, support] of family.edges) {
      svg.append(svgEl("line", { x1: x(parent), x2: x(child), y1: y(child), y2: y(child), stroke: shade(score), "stroke-width": 3 },));
      svg.lastChild.append(svgEl("title", {}, `${DOCS[parent].id} → ${DOCS[child].id}: score ${fixed(score)}`));
      if (support !== null) svg.append(svgEl("text", { x: (x(parent) + x(child)) / 2, y: y(child) - 4, "text-anchor": "middle", "font-size": 10, fill: "#333" }, String(Math.round(support * 100))));
    }
    for (const r of rows) {
      const root = r.doc === family.root;
      svg.append(root
        ? svgEl("rect", { x: x(r.doc) - 4, y: y(r.doc) - 4, width: 8, height: 8, fill: "#333" })
        : svgEl("circle", { cx: x(r.doc), cy: y(r.doc), r: 3.5, fill: "#333" }));
      const id = DOCS[r.doc].id;
      svg.append(svgEl("text", { x: x(r.doc) + 8, y: y(r.doc) + 4, "font-size": 12, "font-weight": root ? 700 : 400, "font-family": "monospace" },
        id.length > 60 ? id.slice(0, 29) + "…" + id.slice(-30) : id));
    }
    return [svg, width, height];
  }

  function operatorsView() {
    const operatorOf = new Map();
    for (const operator of DATA.operators) for (const id of operator.fingerprints) operatorOf.set(id, operator.id);
    const docList = (docs) => el("details", null, el("summary", null, plural(docs.length, "document")),
      el("ul", null, docs.map((k) => el("li", null, docLink(k)))));
    return [
      el("h1", null, "Spam operators and fingerprints"),
      el("p", { class: "muted" }, "Injected keywords that are variants of one core form a fingerprint; documents tied together by shared fingerprints are very likely one farm's pages (an operator)."),
      el("h2", null, `Operators (${count(DATA.operators.length)})`),
      table({
        columns: [
          { label: "operator", value: (o) => o.id },
          { label: "documents", value: (o) => o.docs.length, cell: (o) => docList(o.docs), numeric: true },
          { label: "fingerprints", value: null, cell: (o) => o.fingerprints.join(", "), className: "text" },
        ],
        rows: DATA.operators, state: stateOf("operators"), empty: "no operator",
      }),
      el("h2", null, `Fingerprints (${count(DATA.fingerprints.length)})`),
      table({
        columns: [
          { label: "fingerprint", value: (f) => f.id },
          { label: "core", value: (f) => f.core },
          { label: "operator", value: (f) => operatorOf.get(f.id) || null, cell: (f) => operatorOf.get(f.id) || "–" },
          { label: "keywords (documents)", value: null, className: "text", cell: (f) => f.keywords.map(([text, n], i) => [i ? ", " : "", text, ` (${n})`]) },
          { label: "documents", value: (f) => f.docs.length, cell: (f) => docList(f.docs), numeric: true },
        ],
        rows: DATA.fingerprints, state: stateOf("fingerprints"), empty: "no fingerprint",
      }),
    ];
  }

  function documentsView() {
    const state = stateOf("documents");
    state.filter ||= "";
    const holder = el("div");
    const redraw = () => {
      const needle = state.filter.toLowerCase();
      holder.replaceChildren(table({
        columns: [
          { label: "document", value: (k) => DOCS[k].id, cell: (k) => docLink(k) },
          { label: "status", value: (k) => DOCS[k].status, cell: (k) => (DOCS[k].status === "ok" ? "analysed" : DOCS[k].skip_kind || "skipped") },
          { label: "family", value: (k) => DOCS[k].family, cell: (k) => familyLink(DOCS[k].family) },
          { label: "operator", value: (k) => DOCS[k].operator },
          { label: "characters", value: (k) => DOCS[k].chars, cell: (k) => (DOCS[k].chars === null ? "–" : count(DOCS[k].chars)), numeric: true },
          { label: "spam keywords", value: (k) => DOCS[k].injections.length, cell: (k) => count(DOCS[k].injections.length), numeric: true },
          { label: "date", value: (k) => DOCS[k].date },
          { label: "url", value: (k) => DOCS[k].url, className: "url" },
        ],
        rows: DOCS.map((doc, k) => k).filter((k) => !needle || DOCS[k].id.toLowerCase().includes(needle) || (DOCS[k].url || "").toLowerCase().includes(needle)),
        state, open: (k) => (hasText(k) ? `doc/${k}` : null), empty: "no document matches",
      }));
    };
    redraw();
    return [
      el("h1", null, "Documents"),
      el("p", { class: "muted" }, `${plural(DOCS.length, "input")}. URLs are shown as text and never opened.`),
      el("div", { class: "filters", role: "search" }, el("label", null, "id or URL contains", el("input", {
        type: "search", value: state.filter, oninput: (event) => { state.filter = event.target.value; state.page = 0; redraw(); },
      }))),
      holder,
    ];
  }

  const notFound = (what) => [el("h1", null, `No such ${what}`), el("p", null, link("overview", "Back to the overview"))];

  // ---- Routing: #view or #view/number[/number/number] --------------------------------------------

  const ROUTES = {
    overview: () => overview(),
    pairs: () => pairsView(),
    pair: (k) => pairView(k),
    phrases: () => phrasesView(),
    families: () => familiesView(),
    family: (f) => familyView(f),
    operators: () => operatorsView(),
    documents: () => documentsView(),
    doc: (k, p, o) => documentView(k, p, o),
  };
  const NAV = { pair: "pairs", family: "families", doc: "documents" };

  function route() {
    const [name, ...rest] = decodeURIComponent(location.hash.slice(1)).split("/");
    const known = Object.hasOwn(ROUTES, name) ? name : "overview";
    const numbers = rest.map((part) => (/^\d+$/.test(part) ? Number(part) : -1));
    view.replaceChildren(...[ROUTES[known](...numbers)].flat(Infinity).filter(Boolean));
    view.dataset.route = [known, ...numbers].join("/");  // what is shown, for styles and tests
    for (const a of document.querySelectorAll("header nav a")) {
      if (a.dataset.view === (NAV[known] || known)) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    window.scrollTo(0, 0);
    document.title = `lineage report · ${known}`;
  }

  window.addEventListener("hashchange", route);
  route();
})();
