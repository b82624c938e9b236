// What every view of the page shares: which termbase it shows (?tb=NAME, the
// server's default when absent), the API under that termbase's prefix, a token
// asked for once and kept for this tab only (sessionStorage, never the URL), and
// language names and directions from the browser's own CLDR data (Intl), so
// every ISO 639 code is named in the reader's language without a table of ours.
"use strict";

const Glossa = (() => {
  const params = new URLSearchParams(location.search);
  const termbase = params.get("tb") || "";
  const TOKEN = "glossa-token";
  // only where Intl.Locale cannot say (older browsers)
  const RTL_FALLBACK = new Set(["ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"]);
  let displayNames = null;
  try {
    displayNames = new Intl.DisplayNames(navigator.languages, { type: "language", fallback: "code" });
  } catch (_) { /* named by code */ }

  function langName(code) {
    if (!code) return "";
    try {
      return displayNames ? displayNames.of(code) : code;
    } catch (_) {
      return code;  // not a well-formed tag
    }
  }

  function isRtl(code) {
    if (!code) return false;
    try {
      const locale = new Intl.Locale(code);
      const info = typeof locale.getTextInfo === "function" ? locale.getTextInfo() : locale.textInfo;
      if (info && info.direction) return info.direction === "rtl";
    } catch (_) { /* below */ }
    return RTL_FALLBACK.has(code.split("-")[0]);
  }

  const dir = (code) => (isRtl(code) ? "rtl" : "ltr");
  const path = (p) => (termbase ? `/termbases/${encodeURIComponent(termbase)}${p}` : p);

  // a link to another place of the page, keeping the termbase
  function href(search, hash = "") {
    const next = new URLSearchParams(search);
    if (termbase) next.set("tb", termbase);
    const query = next.toString();
    return `${location.pathname}${query ? `?${query}` : ""}${hash}`;
  }

  function token(ask, why) {
    let value = sessionStorage.getItem(TOKEN);
    if (!value && ask) {
      value = window.prompt(`${why}: a token (glossa token create) or the server's admin token`);
      if (value) sessionStorage.setItem(TOKEN, value.trim());
    }
    return value || null;
  }

  async function request(method, p, { body, write = false, asked = false } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const held = token(write && !asked, "To change this termbase");
    if (held) headers.Authorization = `Bearer ${held}`;
    const response = await fetch(path(p), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) return answer;
    if (response.status === 401 || response.status === 403) {
      sessionStorage.removeItem(TOKEN);
      // a closed termbase, or a token without the role: ask once more
      if (!asked && (write || response.status === 401) && token(true, "This needs a token")) {
        return request(method, p, { body, write, asked: true });
      }
    }
    const error = new Error(answer.error ? answer.error.message : answer.detail || response.statusText);
    error.status = response.status;
    throw error;
  }

  const api = (p) => request("GET", p);
  api.post = (p, body) => request("POST", p, { body });  // reads with a body: /recognize
  const write = (method, p, body) => request(method, p, { body, write: true });

  // the header: the termbase picker, its title and description
  async function loadTermbases() {
    const picker = document.getElementById("termbase");
    try {
      const found = await fetch("/termbases", {
        headers: token(false) ? { Authorization: `Bearer ${token(false)}` } : {},
      }).then((r) => (r.ok ? r.json() : []));
      picker.textContent = "";
      for (const tb of found) {
        const option = document.createElement("option");
        option.value = tb.name;
        option.textContent = tb.title === tb.name ? tb.name : `${tb.title} (${tb.name})`;
        picker.appendChild(option);
      }
      const shown = found.find((tb) => tb.name === termbase) || found.find((tb) => tb.default) || found[0];
      if (!shown) return;
      picker.value = shown.name;
      picker.hidden = found.length < 2;
      // a list of glossary titles mixes scripts: each one isolated (<bdi>)
      const tagline = document.getElementById("tagline");
      tagline.textContent = "";
      (shown.description || shown.title).split("; ").forEach((part, i) => {
        if (i) tagline.append("; ");
        const bdi = document.createElement("bdi");
        bdi.textContent = part;
        tagline.append(bdi);
      });
      document.getElementById("tagline").title = shown.title;
      document.title = `${shown.title} · Glossa`;
    } catch (_) { /* the views report what cannot be loaded */ }
  }

  document.getElementById("termbase").addEventListener("change", (event) => {
    const next = new URLSearchParams({ tb: event.target.value });
    location.assign(`${location.pathname}?${next}${location.hash}`);
  });
  loadTermbases();

  return { termbase, langName, isRtl, dir, path, href, api, write };
})();
