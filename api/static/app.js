// Glossa search page: plain JS, no build step. State lives in the URL (?q=&lang=&source=&mode=)
// so any result page can be shared.
"use strict";

const $ = (id) => document.getElementById(id);
const langName = Glossa.langName;
const state = { langs: new Set(), source: "", mode: "", group: "", q: "" };

// ---- highlighting: case- and diacritic-insensitive, by character so offsets stay aligned
function foldChar(c) {
  const base = c.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const special = { "ł": "l", "ي": "ی", "ك": "ک" };
  const out = special[base] || base;
  return out.length === 1 ? out : c.toLowerCase().charAt(0) || c;
}
const fold = (text) => Array.from(text).map(foldChar).join("");

function queryTerms(q) {
  const terms = new Set();
  for (const part of fold(q).split(/[\s\p{P}]+/u)) {
    if (part.length >= 2 || /\p{Script=Han}/u.test(part)) terms.add(part);
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

// Whole words only ("klientow" does not light up inside "klientowi"); Chinese has
// no spaces between words, so Han terms match anywhere.
const WORD = /[\p{L}\p{N}\p{M}\u200c\u200d]/u;
function highlight(element, text, terms) {
  element.textContent = "";
  const chars = Array.from(text);
  const foldedChars = chars.map(foldChar);
  const folded = foldedChars.join("");
  const marks = new Array(chars.length).fill(false);
  for (const term of terms) {
    const length = Array.from(term).length;
    if (!folded.includes(term)) continue;
    const anywhere = /\p{Script=Han}/u.test(term);
    // indexOf works on UTF-16 units; walk code points so offsets match `chars`
    for (let at = 0; at + length <= foldedChars.length; at++) {
      if (foldedChars.slice(at, at + length).join("") !== term) continue;
      const before = at > 0 ? foldedChars[at - 1] : "";
      const after = at + length < foldedChars.length ? foldedChars[at + length] : "";
      if (!anywhere && (WORD.test(before) || WORD.test(after))) continue;
      for (let i = at; i < at + length; i++) marks[i] = true;
    }
  }
  let i = 0;
  while (i < chars.length) {
    let j = i;
    while (j < chars.length && marks[j] === marks[i]) j++;
    const chunk = chars.slice(i, j).join("");
    if (marks[i]) {
      const mark = document.createElement("mark");
      mark.textContent = chunk;
      element.appendChild(mark);
    } else {
      element.appendChild(document.createTextNode(chunk));
    }
    i = j;
  }
}

// ---- API: under the chosen termbase's prefix (common.js)
const api = Glossa.api;

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

// ---- filters
async function loadFilters() {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const [languages, sources] = await Promise.all([api("/languages"), api("/sources")]);
      renderLanguageChips(languages);
      for (const s of sources) {
        const option = document.createElement("option");
        option.value = s.source;
        option.textContent = `${s.title} (${s.languages.join(", ")}, ${s.count})`;
        option.title = [s.publisher, s.url, s.source].filter(Boolean).join(" · ");
        $("source-filter").appendChild(option);
      }
      $("source-filter").value = state.source;
      setStatus(`${languages.reduce((n, l) => n + l.count, 0)} entries · ${languages.length} languages`);
      return;
    } catch (error) {
      if (error.status !== 503) { setStatus(error.message, true); return; }
      setStatus("Loading the model and index…");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function renderLanguageChips(languages) {
  const box = $("lang-filters");
  box.textContent = "";
  for (const { lang, count } of languages) {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.dataset.lang = lang;
    chip.textContent = `${langName(lang)} · ${count}`;
    chip.setAttribute("aria-pressed", String(state.langs.has(lang)));
    chip.addEventListener("click", () => {
      state.langs.has(lang) ? state.langs.delete(lang) : state.langs.add(lang);
      chip.setAttribute("aria-pressed", String(state.langs.has(lang)));
      if (state.q) search(state.q, true);
    });
    box.appendChild(chip);
  }
}

// ---- URL <-> state
function readUrl() {
  const params = new URLSearchParams(location.search);
  state.q = params.get("q") || "";
  state.langs = new Set(params.getAll("lang"));
  state.source = params.get("source") || "";
  state.mode = params.get("mode") || "";
  state.group = params.get("group") === "concept" ? "concept" : "";
  $("q").value = state.q;
  $("mode-filter").value = state.mode;
  $("group-filter").value = state.group;
}

function searchParams(q) {
  const params = new URLSearchParams({ q, k: "20" });
  for (const lang of state.langs) params.append("lang", lang);
  if (state.source) params.set("source", state.source);
  if (state.mode) params.set("mode", state.mode);
  if (state.group) params.set("group", state.group);
  return params;
}

// ---- search
let latest = 0;
async function search(q, pushHistory) {
  state.q = q.trim();
  if (!state.q) { renderResults(null); return; }
  const params = searchParams(state.q);
  const shareable = new URLSearchParams(params);
  shareable.delete("k");
  const url = `${location.pathname}?${shareable}`;
  if (pushHistory && url !== location.pathname + location.search) history.pushState(null, "", url);
  const ticket = ++latest;
  $("summary").textContent = "Searching…";
  try {
    const body = await api(`/search?${params}`);
    if (ticket === latest) renderResults(body);
  } catch (error) {
    if (ticket !== latest) return;
    $("summary").textContent = error.status === 503 ? "The model is still loading — retrying…" : error.message;
    $("results").textContent = "";
    if (error.status === 503) setTimeout(() => search(state.q, false), 1000);
  }
}

function renderResults(body) {
  const list = $("results");
  list.textContent = "";
  $("empty").hidden = Boolean(body);
  if (!body) { $("summary").textContent = ""; return; }
  if (body.group === "concept") { renderConcepts(body, list); return; }
  const langs = new Set(body.hits.map((h) => h.lang));
  $("summary").textContent =
    `${body.hits.length} results in ${body.took_ms.toFixed(0)} ms · ${[...langs].map((l) => langName(l)).join(", ")} · ${body.mode}`;
  const terms = queryTerms(body.query);
  for (const hit of body.hits) list.appendChild(renderHit(hit, terms));
}

// One card per concept: each language's term, the best entry's definition.
function renderConcepts(body, list) {
  const langs = new Set(body.concepts.flatMap((c) => c.entries.map((e) => e.lang)));
  $("summary").textContent =
    `${body.concepts.length} concepts in ${body.took_ms.toFixed(0)} ms · ${[...langs].map((l) => langName(l)).join(", ")} · ${body.mode}`;
  const terms = queryTerms(body.query);
  for (const concept of body.concepts) {
    const node = $("concept-template").content.firstElementChild.cloneNode(true);
    node.dataset.id = concept.id;
    const title = preferredEntry(concept.entries);
    const heading = node.querySelector(".concept-title");
    heading.textContent = title ? title.term : concept.id;
    if (title) { heading.lang = title.lang; heading.dir = Glossa.dir(title.lang); }
    node.querySelector(".concept-id").textContent = concept.id;
    node.querySelector(".score").textContent = concept.score.toFixed(3);
    const items = node.querySelector(".concept-terms");
    for (const entry of concept.entries) {
      const li = languageItem("concept-term", entry.lang);
      const term = document.createElement("strong");
      highlight(term, entry.term, terms);
      li.appendChild(term);
      const also = [...entry.aliases, ...(entry.english ? [entry.english] : [])];
      if (also.length) {
        const alsoNode = document.createElement("span");
        alsoNode.className = "also";
        alsoNode.dir = "auto";
        alsoNode.textContent = `(${also.join(", ")})`;
        li.appendChild(alsoNode);
      }
      if (entry.discouraged && entry.discouraged.length) {
        const flag = document.createElement("span");
        flag.className = "flag";
        flag.textContent = entry.discouraged.includes(entry.term) ? (entry.term_status || "deprecated") : `deprecated: ${entry.discouraged.join(", ")}`;
        li.appendChild(flag);
      }
      const source = document.createElement("span");
      source.className = "source";
      source.dir = "auto";
      source.textContent = entry.source_title || entry.source;
      li.appendChild(source);
      items.appendChild(li);
    }
    const first = concept.entries.find((e) => e.definition);
    const definition = node.querySelector(".definition");
    if (first) {
      definition.lang = first.lang;
      definition.dir = Glossa.dir(first.lang);
      highlight(definition, first.definition, terms);
    } else definition.remove();
    list.appendChild(node);
  }
}

// The term a concept card is titled by: a preferred term in the reader's own
// language, else any preferred term, else the best entry's.
function preferredEntry(entries) {
  const mine = (navigator.language || "en").split("-")[0];
  const preferred = entries.filter((e) => e.term_status === "preferred" || !e.term_status);
  return preferred.find((e) => e.lang === mine) || entries.find((e) => e.lang === mine)
    || preferred[0] || entries[0] || null;
}

function renderHit(hit, terms) {
  const node = $("result-template").content.firstElementChild.cloneNode(true);
  node.dataset.id = hit.id;
  node.dataset.lang = hit.lang;
  node.lang = hit.lang;
  node.dir = Glossa.dir(hit.lang);
  const badge = node.querySelector(".lang");
  badge.textContent = hit.lang;
  badge.classList.add(`lang-${hit.lang}`);
  badge.title = langName(hit.lang);
  highlight(node.querySelector(".term"), hit.term, terms);
  const also = [...hit.aliases, ...(hit.english ? [hit.english] : [])];
  const alsoNode = node.querySelector(".also");
  alsoNode.dir = "auto";
  highlight(alsoNode, also.length ? `(${also.join(", ")})` : "", terms);
  node.querySelector(".score").textContent = hit.score.toFixed(3);
  const definition = node.querySelector(".definition");
  if (hit.definition) highlight(definition, hit.definition, terms);
  else definition.remove();  // a termbase term without any definition: names only
  if (hit.definition && hit.definition_from) {
    const borrowed = node.querySelector(".borrowed");
    borrowed.hidden = false;
    borrowed.textContent = hit.definition_from === "concept"
      ? "definition of the concept"
      : `definition from the ${langName(hit.definition_from)} entry`;
  }
  if (hit.discouraged && hit.discouraged.length) {
    const flag = node.querySelector(".flag");
    flag.hidden = false;
    const whole = hit.discouraged.includes(hit.term);
    flag.textContent = whole ? (hit.term_status || "deprecated") : `deprecated: ${hit.discouraged.join(", ")}`;
    flag.title = "the termbase discourages this name; it is shown because it matches";
  }
  const source = node.querySelector(".source");
  source.textContent = hit.source_title || hit.source;
  source.title = hit.source;  // the stable id, for filters and bug reports
  source.dir = "auto";
  const edit = node.querySelector(".edit-link");
  edit.href = Glossa.href({}, `#edit=${encodeURIComponent(hit.id)}`);
  edit.addEventListener("click", (event) => event.stopPropagation());
  const toggle = () => toggleEquivalents(node, hit);
  node.addEventListener("click", toggle);
  node.addEventListener("keydown", (event) => { if (event.key === "Enter") toggle(); });
  return node;
}

async function toggleEquivalents(node, hit) {
  const panel = node.querySelector(".equivalents");
  if (!panel.hidden) { panel.hidden = true; return; }
  panel.hidden = false;
  await renderEquivalents(panel, hit);
}

// A list item in an entry's language and direction, starting with its language badge.
function languageItem(className, lang) {
  const li = document.createElement("li");
  li.className = className;
  li.lang = lang;
  li.dir = Glossa.dir(lang);
  const badge = document.createElement("span");
  badge.className = `lang lang-${lang}`;
  badge.textContent = lang;
  badge.title = langName(lang);
  li.appendChild(badge);
  return li;
}

function equivalentItem(eq, extra) {
  const li = languageItem("equivalent", eq.lang);
  const term = document.createElement("strong");
  term.textContent = eq.term + (eq.english ? ` (${eq.english})` : "");
  li.appendChild(term);
  const notes = [];
  if (eq.status) notes.push(eq.status);
  if (eq.shared_names.length) notes.push(`shares ${eq.shared_names.join(", ")}`);
  if (extra) notes.push(extra);
  if (notes.length) {
    const shared = document.createElement("span");
    shared.className = "shared";
    shared.dir = "ltr";
    shared.textContent = notes.join(" · ");
    li.appendChild(shared);
  }
  return li;
}

// Review: accept or reject a candidate (a token with the review role, asked once).
async function review(a, b, decision) {
  await Glossa.write("POST", "/equivalents/reviews", { a, b, decision });
  return true;
}

async function renderEquivalents(panel, hit) {
  panel.textContent = "Looking for the same concept in other languages…";
  try {
    const body = await api(`/entries/${encodeURIComponent(hit.id)}/equivalents`);
    panel.textContent = "";
    const title = document.createElement("h3");
    title.textContent = "Same concept in other languages";
    panel.appendChild(title);
    if (!body.equivalents.length) {
      const none = document.createElement("p");
      none.className = "none";
      none.textContent = "No confirmed equivalent in the other glossaries.";
      panel.appendChild(none);
    } else {
      const ul = document.createElement("ul");
      for (const eq of body.equivalents) ul.appendChild(equivalentItem(eq));
      panel.appendChild(ul);
    }
    const details = document.createElement("details");
    details.className = "candidates";
    const summary = document.createElement("summary");
    summary.textContent = "Candidates to review";
    details.appendChild(summary);
    details.addEventListener("click", (event) => event.stopPropagation());
    const ul = document.createElement("ul");
    for (const [lang, found] of Object.entries(body.candidates)) {
      for (const c of found) {
        const li = equivalentItem(c, `p ${c.probability.toFixed(2)}${c.mutual ? " · mutual" : ""}`);
        li.dataset.lang = lang;
        for (const [label, decision] of [["accept", "accepted"], ["reject", "rejected"]]) {
          if (c.status === decision || c.status === "declared") continue;
          const button = document.createElement("button");
          button.type = "button";
          button.className = `review ${label}`;
          button.textContent = label;
          button.addEventListener("click", async (event) => {
            event.stopPropagation();
            try {
              if (await review(hit.id, c.id, decision)) await renderEquivalents(panel, hit);
            } catch (error) {
              setStatus(error.message, true);
            }
          });
          li.appendChild(button);
        }
        ul.appendChild(li);
      }
    }
    details.appendChild(ul);
    panel.appendChild(details);
  } catch (error) {
    panel.textContent = error.message;
  }
}

// ---- wiring
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search($("q").value, true);
});
$("source-filter").addEventListener("change", (event) => {
  state.source = event.target.value;
  if (state.q) search(state.q, true);
});
$("mode-filter").addEventListener("change", (event) => {
  state.mode = event.target.value;
  if (state.q) search(state.q, true);
});
$("group-filter").addEventListener("change", (event) => {
  state.group = event.target.value;
  if (state.q) search(state.q, true);
});
window.addEventListener("popstate", () => {
  readUrl();
  document.querySelectorAll(".chip").forEach((c) => c.setAttribute("aria-pressed", String(state.langs.has(c.dataset.lang))));
  search(state.q, false);
});

readUrl();
loadFilters();
if (state.q) search(state.q, false); else renderResults(null);
