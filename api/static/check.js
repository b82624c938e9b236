// "Check a text": POST /recognize, the text with its terms marked. Offsets from the
// API count code points, so the text is cut with Array.from, never with UTF-16 indexes.
"use strict";

(function () {
  const el = (id) => document.getElementById(id);
  const VIEWS = ["search", "check", "lint", "edit", "review"];

  // #check, #lint, #review, #edit or #edit=<entry id>; anything else: the search
  function showView() {
    const name = location.hash.slice(1).split("=")[0];
    const view = VIEWS.includes(name) ? name : "search";
    for (const other of VIEWS) {
      el(other === "search" ? "search-view" : other).hidden = view !== other;
      el(`view-${other}`).toggleAttribute("aria-current", view === other);
      el(`view-${other}`).href = Glossa.href(other === "search" ? location.search : {},
                                             other === "search" ? "" : `#${other}`);
    }
    if (view === "check") el("check-text").focus();
    window.dispatchEvent(new CustomEvent("glossa:view", { detail: view }));
  }

  async function loadTargets() {
    try {
      for (const { lang } of await Glossa.api("/languages")) {
        const option = document.createElement("option");
        option.value = lang;
        option.textContent = Glossa.langName(lang);
        el("check-target").appendChild(option);
      }
    } catch (_) { /* the search view reports loading errors */ }
  }

  // A term in its own direction, isolated from the text around it (<bdi>), so a
  // list that mixes scripts never reorders on screen.
  function isolated(text, lang) {
    const node = document.createElement("bdi");
    node.textContent = text;
    if (lang) { node.lang = lang; node.dir = Glossa.dir(lang); }
    return node;
  }

  function describe(match) {
    const line = document.createElement("span");
    line.append(isolated(match.term, match.lang),
                ` (${Glossa.langName(match.lang)}, ${match.match}${match.discouraged ? ", discouraged" : ""})`);
    if (match.equivalents === null) { line.append(": equivalents still being computed"); return line; }
    line.append(" → ");
    if (!match.equivalents.length) line.append("no equivalent");
    match.equivalents.forEach((e, i) => {
      if (i) line.append("; ");
      line.append(`${Glossa.langName(e.lang)}: `, isolated(e.term, e.lang), e.status ? ` (${e.status})` : "");
    });
    return line;
  }

  function render(text, body) {
    const output = el("check-output");
    const list = el("check-terms");
    output.textContent = "";
    list.textContent = "";
    output.lang = body.lang || "";
    const chars = Array.from(text);
    const at = new Map();  // one mark per place; several entries there share it
    for (const m of body.matches) {
      const key = `${m.start}:${m.end}`;
      if (!at.has(key)) at.set(key, []);
      at.get(key).push(m);
    }
    let position = 0;
    for (const [key, here] of [...at.entries()].sort((a, b) => a[1][0].start - b[1][0].start)) {
      const { start, end } = here[0];
      if (start < position) continue;
      output.appendChild(document.createTextNode(chars.slice(position, start).join("")));
      const mark = document.createElement("mark");
      mark.textContent = chars.slice(start, end).join("");
      mark.title = here.map((m) => describe(m).textContent).join("\n");
      mark.tabIndex = 0;
      mark.dataset.place = key;
      if (here.some((m) => m.discouraged)) mark.classList.add("discouraged");
      output.appendChild(mark);
      position = end;
      const item = document.createElement("li");
      item.dataset.place = key;
      item.append(isolated(mark.textContent, body.lang), ": ");
      here.forEach((m, i) => { if (i) item.append(" | "); item.append(describe(m)); });
      if (here.some((m) => m.discouraged)) item.classList.add("discouraged");
      list.appendChild(item);
    }
    output.appendChild(document.createTextNode(chars.slice(position).join("")));
    output.dir = Glossa.isRtl(body.lang) ? "rtl" : "auto";
    // a tap on a mark (no hover on touch screens) shows its line in the list
    output.querySelectorAll("mark").forEach((mark) => mark.addEventListener("click", () => {
      list.querySelectorAll("li").forEach((li) => li.classList.toggle("active", li.dataset.place === mark.dataset.place));
    }));
  }

  async function check(event) {
    event.preventDefault();
    const text = el("check-text").value;
    if (!text.trim()) return;
    const payload = { text };
    if (el("check-target").value) payload.target = [el("check-target").value];
    el("check-summary").textContent = "Checking…";
    let body;
    try {
      body = await Glossa.api.post("/recognize", payload);
    } catch (error) {
      el("check-summary").textContent = error.message;
      el("check-summary").classList.add("error");
      return;
    }
    el("check-summary").classList.remove("error");
    el("check-summary").textContent =
      `${body.matches.length} terms · ${body.lang ? Glossa.langName(body.lang) : "language not recognised"} · ${body.mode}`;
    render(text, body);
  }

  window.addEventListener("hashchange", showView);
  el("check-form").addEventListener("submit", check);
  showView();
  loadTargets();
})();
