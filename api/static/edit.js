// "Add or edit" (#edit, #edit=<entry id>): one entry in a form, added with POST
// /entries, saved with PUT /entries/{id}, deleted with DELETE; and "Review"
// (#review): the links Glossa decided that nobody has reviewed, least certain
// first, each with its evidence and accept / reject. Writes ask for a token once
// (common.js); the termbase's own rules say which role each needs.
"use strict";

(function () {
  const el = (id) => document.getElementById(id);
  const FIELDS = ["term", "lang", "definition", "english", "concept", "source"];
  let editing = null;  // the id of the entry in the form, null for a new one
  let kept = {};  // what the form does not show, sent back unchanged on save
  const KEPT = ["category", "term_info", "context", "note"];

  function say(id, text, isError = false) {
    el(id).textContent = text;
    el(id).classList.toggle("error", isError);
  }

  function fill(entry) {
    editing = entry ? entry.id : null;
    kept = {};
    for (const field of KEPT) if (entry && entry[field] != null) kept[field] = entry[field];
    for (const field of FIELDS) el(`edit-${field}`).value = (entry && entry[field]) || "";
    el("edit-aliases").value = entry ? entry.aliases.join(", ") : "";
    el("edit-term").dir = entry ? Glossa.dir(entry.lang) : "auto";
    el("edit-save").textContent = entry ? "Save changes" : "Add entry";
    el("edit-delete").hidden = !entry;
  }

  async function loadLanguages() {
    try {
      const list = el("edit-langs");
      list.textContent = "";
      for (const { lang } of await Glossa.api("/languages")) {
        const option = document.createElement("option");
        option.value = lang;
        option.label = Glossa.langName(lang);
        list.appendChild(option);
      }
    } catch (_) { /* typing a code still works */ }
  }

  async function open() {
    const id = decodeURIComponent(location.hash.slice("#edit=".length));
    loadLanguages();
    if (!location.hash.startsWith("#edit=") || !id) {
      fill(null);
      say("edit-summary", "A new entry: its term, language and definition; the rest is optional.");
      return;
    }
    try {
      fill(await Glossa.api(`/entries/${encodeURIComponent(id)}`));
      say("edit-summary", `Editing ${id}`);
    } catch (error) {
      fill(null);
      say("edit-summary", error.message, true);
    }
  }

  function record() {
    const out = { ...kept, term: el("edit-term").value.trim(), lang: el("edit-lang").value.trim().toLowerCase() };
    for (const field of ["definition", "english", "concept", "source"]) {
      const value = el(`edit-${field}`).value.trim();
      if (value) out[field] = value;
    }
    out.aliases = el("edit-aliases").value.split(",").map((a) => a.trim()).filter(Boolean);
    return out;
  }

  async function save(event) {
    event.preventDefault();
    say("edit-summary", "Saving…");
    try {
      const changed = editing
        ? await Glossa.write("PUT", `/entries/${encodeURIComponent(editing)}`, record())
        : await Glossa.write("POST", "/entries", { entries: [record()] });
      const id = editing || changed.added[0] || changed.unchanged[0];
      say("edit-summary", `Saved ${id} (version ${changed.generation}); search finds it now.`);
      if (!editing && id) history.replaceState(null, "", Glossa.href(location.search, `#edit=${encodeURIComponent(id)}`));
      if (id) fill(await Glossa.api(`/entries/${encodeURIComponent(id)}`));
    } catch (error) {
      say("edit-summary", error.message, true);
    }
  }

  async function remove() {
    if (!editing || !window.confirm(`Delete ${el("edit-term").value}?`)) return;
    try {
      const changed = await Glossa.write("DELETE", `/entries/${encodeURIComponent(editing)}`);
      say("edit-summary", `Deleted ${changed.deleted[0]} (version ${changed.generation}).`);
      history.replaceState(null, "", Glossa.href(location.search, "#edit"));
      fill(null);
    } catch (error) {
      say("edit-summary", error.message, true);
    }
  }

  // ---- review queue
  const PAGE = 20;
  let shown = 0;

  function side(hit) {
    const part = document.createElement("div");
    part.className = "side";
    part.lang = hit.lang;
    part.dir = Glossa.dir(hit.lang);
    const badge = document.createElement("span");
    badge.className = `lang lang-${hit.lang}`;
    badge.textContent = hit.lang;
    badge.title = Glossa.langName(hit.lang);
    const term = document.createElement("a");
    term.className = "side-term";
    term.href = Glossa.href({}, `#edit=${encodeURIComponent(hit.id)}`);
    term.textContent = hit.term;
    const definition = document.createElement("p");
    definition.className = "side-definition";
    definition.textContent = hit.definition || "";
    part.append(badge, " ", term, definition);
    return part;
  }

  function pairItem(pair) {
    const li = document.createElement("li");
    li.className = "pair";
    li.dataset.a = pair.a.id;
    li.dataset.b = pair.b.id;
    const evidence = document.createElement("p");
    evidence.className = "evidence";
    const facts = [`probability ${pair.b.probability.toFixed(2)}`, `similarity ${pair.b.score.toFixed(2)}`,
                   `definitions ${pair.b.definition_similarity.toFixed(2)}`];
    if (pair.b.mutual) facts.push("each other's best");
    evidence.append(facts.join(" · "));
    if (pair.b.shared_names.length) {
      evidence.append(" · shares ");
      pair.b.shared_names.forEach((name, i) => {
        if (i) evidence.append(", ");
        const bdi = document.createElement("bdi");
        bdi.textContent = name;
        evidence.append(bdi);
      });
    }
    const actions = document.createElement("div");
    actions.className = "pair-actions";
    for (const [label, decision] of [["Accept", "accepted"], ["Reject", "rejected"]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `review ${label.toLowerCase()}`;
      button.textContent = label;
      button.addEventListener("click", async () => {
        try {
          await Glossa.write("POST", "/equivalents/reviews", { a: pair.a.id, b: pair.b.id, decision });
          li.classList.add("decided");
          actions.textContent = decision;
        } catch (error) {
          say("review-summary", error.message, true);
        }
      });
      actions.appendChild(button);
    }
    li.append(side(pair.a), side(pair.b), evidence, actions);
    return li;
  }

  async function loadQueue(more = false) {
    if (!more) { shown = 0; el("review-queue").textContent = ""; }
    try {
      const body = await Glossa.api(`/equivalents/queue?limit=${PAGE}&offset=${shown}`);
      for (const pair of body.pairs) el("review-queue").appendChild(pairItem(pair));
      shown += body.pairs.length;
      say("review-summary", body.total
        ? `${body.total} links decided by Glossa and not yet reviewed; the least certain first.`
        : "Nothing to review: every link is declared or reviewed.");
      el("review-more").hidden = shown >= body.total;
    } catch (error) {
      say("review-summary", error.message, true);
    }
  }

  el("edit-form").addEventListener("submit", save);
  el("edit-delete").addEventListener("click", remove);
  el("edit-new").addEventListener("click", () => {
    history.replaceState(null, "", Glossa.href(location.search, "#edit"));
    fill(null);
    el("edit-term").focus();
  });
  el("edit-lang").addEventListener("change", () => { el("edit-term").dir = Glossa.dir(el("edit-lang").value); });
  el("review-more").addEventListener("click", () => loadQueue(true));
  window.addEventListener("glossa:view", (event) => {
    if (event.detail === "edit") open();
    if (event.detail === "review") loadQueue();
  });
  if (location.hash.startsWith("#edit")) open();
  if (location.hash === "#review") loadQueue();
})();
