// "Termbase QA": GET /qa/termbase as a table, sorted by any column (click its
// header again to reverse); a row opens to show its first findings.
"use strict";

(function () {
  const el = (id) => document.getElementById(id);
  let checks = [];
  let sort = { key: "count", descending: true };

  function render() {
    const body = el("lint-table").querySelector("tbody");
    body.textContent = "";
    const ordered = [...checks].sort((a, b) => {
      const x = a[sort.key], y = b[sort.key];
      const order = typeof x === "string" ? x.localeCompare(y) : Number(x) - Number(y);
      return sort.descending ? -order : order;
    });
    for (const check of ordered) {
      const row = document.createElement("tr");
      row.dataset.check = check.name;
      row.className = check.problem && check.count ? "problem" : "";
      for (const text of [check.name, check.problem ? "problem" : "note", String(check.count), check.description]) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      }
      const details = document.createElement("tr");
      details.className = "findings";
      details.hidden = true;
      const cell = document.createElement("td");
      cell.colSpan = 4;
      const list = document.createElement("ul");
      for (const item of check.items) list.appendChild(finding(item));
      cell.appendChild(list);
      details.appendChild(cell);
      row.addEventListener("click", () => { details.hidden = !details.hidden; });
      body.append(row, details);
    }
  }

  // One finding as a person reads it: each entry by its term (a link to the
  // entry), languages by name, the rest as "key: value".
  function finding(item) {
    const li = document.createElement("li");
    Object.entries(item).forEach(([key, value], i) => {
      if (i) li.append(" · ");
      li.append(`${key.replaceAll("_", " ")}: `);
      const values = Array.isArray(value) ? value : [value];
      values.forEach((v, j) => {
        if (j) li.append(", ");
        li.append(shownValue(key, v));
      });
    });
    return li;
  }

  function shownValue(key, value) {
    const entry = typeof value === "string" ? terms[value] : undefined;
    if (entry) {
      const link = document.createElement("a");
      link.href = Glossa.href({}, `#edit=${encodeURIComponent(value)}`);
      link.title = value;
      const name = document.createElement("bdi");
      name.textContent = entry.term;
      name.lang = entry.lang;
      name.dir = Glossa.dir(entry.lang);
      link.append(name, ` (${Glossa.langName(entry.lang)})`);
      return link;
    }
    if (key === "missing" || key === "lang" || key === "languages") return Glossa.langName(String(value));
    const text = document.createElement("bdi");
    text.textContent = typeof value === "number" ? String(Math.round(value * 1000) / 1000) : String(value);
    return text;
  }

  let terms = {};

  async function load() {
    let body;
    try {
      body = await Glossa.api("/qa/termbase?limit=50");
    } catch (error) {
      el("lint-summary").textContent = error.message;
      return;
    }
    checks = body.checks;
    terms = body.terms || {};
    el("lint-summary").textContent =
      `${body.entries} entries · ${body.concepts} concepts · ${body.problems} problems`;
    render();
  }

  el("lint-table").querySelectorAll("th button").forEach((button) => button.addEventListener("click", () => {
    const key = button.dataset.sort;
    sort = { key, descending: sort.key === key ? !sort.descending : key !== "name" };
    render();
  }));
  window.addEventListener("glossa:view", (event) => { if (event.detail === "lint") load(); });
  if (location.hash === "#lint") load();
})();
