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
      for (const item of check.items) {
        const li = document.createElement("li");
        li.dir = "auto";
        li.textContent = JSON.stringify(item);
        list.appendChild(li);
      }
      cell.appendChild(list);
      details.appendChild(cell);
      row.addEventListener("click", () => { details.hidden = !details.hidden; });
      body.append(row, details);
    }
  }

  async function load() {
    const response = await fetch("/qa/termbase?limit=50", { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      el("lint-summary").textContent = body.error ? body.error.message : response.statusText;
      return;
    }
    checks = body.checks;
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
