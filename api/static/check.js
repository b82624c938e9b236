// "Check a text": POST /recognize, the text with its terms marked. Offsets from the
// API count code points, so the text is cut with Array.from, never with UTF-16 indexes.
"use strict";

(function () {
  const el = (id) => document.getElementById(id);
  const RTL_LANGS = new Set(["fa", "ar", "he", "ur"]);

  function showView() {
    const view = { "#check": "check", "#lint": "lint" }[location.hash] || "search";
    el("check").hidden = view !== "check";
    el("lint").hidden = view !== "lint";
    el("search-view").hidden = view !== "search";
    for (const name of ["search", "check", "lint"]) {
      el(`view-${name}`).toggleAttribute("aria-current", view === name);
    }
    if (view === "check") el("check-text").focus();
    window.dispatchEvent(new CustomEvent("glossa:view", { detail: view }));
  }

  async function loadTargets() {
    try {
      const response = await fetch("/languages");
      if (!response.ok) return;
      for (const { lang } of await response.json()) {
        const option = document.createElement("option");
        option.value = lang;
        option.textContent = lang;
        el("check-target").appendChild(option);
      }
    } catch (_) { /* the search view reports loading errors */ }
  }

  function describe(match) {
    const flag = match.discouraged ? ", discouraged" : "";
    const head = `${match.term} [${match.lang}, ${match.match}${flag}]`;
    if (match.equivalents === null) return `${head}: equivalents still being computed`;
    const found = match.equivalents.map((e) => `${e.lang}: ${e.term}${e.status ? ` (${e.status})` : ""}`);
    return `${head} → ${found.join("; ") || "no equivalent"}`;
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
      mark.title = here.map(describe).join("\n");
      mark.tabIndex = 0;
      mark.dataset.place = key;
      if (here.some((m) => m.discouraged)) mark.classList.add("discouraged");
      output.appendChild(mark);
      position = end;
      const item = document.createElement("li");
      item.dataset.place = key;
      item.dir = "auto";
      item.textContent = `${mark.textContent}: ${here.map(describe).join(" | ")}`;
      if (here.some((m) => m.discouraged)) item.classList.add("discouraged");
      list.appendChild(item);
    }
    output.appendChild(document.createTextNode(chars.slice(position).join("")));
    output.dir = RTL_LANGS.has(body.lang) ? "rtl" : "auto";
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
    const response = await fetch("/recognize", {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      el("check-summary").textContent = body.error ? body.error.message : response.statusText;
      el("check-summary").classList.add("error");
      return;
    }
    el("check-summary").classList.remove("error");
    el("check-summary").textContent =
      `${body.matches.length} terms · ${body.lang || "language not recognised"} · ${body.mode}`;
    render(text, body);
  }

  window.addEventListener("hashchange", showView);
  el("check-form").addEventListener("submit", check);
  showView();
  loadTargets();
})();
