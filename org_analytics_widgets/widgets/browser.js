// The app's one front-end piece: the address bar follows the view, Back/Forward and in-app links
// change the view without reloading, and an export reaches the viewer as a download.
// Served by Voila the URL is the view; inside JupyterLab the notebook's URL is left alone.

function inVoila() {
  return /\/voila\/render\//.test(window.location.pathname);
}

function currentQuery() {
  return window.location.search.replace(/^\?/, "");
}

function download(href, filename) {
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function render({ model, el }) {
  const voila = inVoila();
  el.classList.add("oa-browser");
  el.dataset.host = voila ? "voila" : "notebook";
  if (model.get("host") !== el.dataset.host) {
    model.set("host", el.dataset.host);
    model.save_changes();
  }

  // Python's view -> the address bar: push for a new view or month, replace for the rest
  // the view a query shows: an agent's, a project's or (null) the dashboard
  const viewOf = (query) => {
    const params = new URLSearchParams(query);
    if (params.has("agent")) return "agent:" + params.get("agent");
    return params.has("project") ? "project:" + params.get("project") : null;
  };
  let viewShown = viewOf(model.get("query"));
  function follow() {
    const query = model.get("query");
    if (viewOf(query) !== viewShown) {
      // another view: show it from its top, not at the scroll position of the one left
      viewShown = viewOf(query);
      const app = el.closest(".oa-app");
      if (app) app.scrollIntoView({ block: "start" });
    }
    if (!voila) return;
    if (query === currentQuery()) return;
    const url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (model.get("mode") === "push") window.history.pushState({ oa: query }, "", url);
    else window.history.replaceState({ oa: query }, "", url);
  }
  model.on("change:query", follow);
  function retitle() {
    if (voila && model.get("title")) document.title = model.get("title");
  }
  model.on("change:title", retitle);
  retitle();

  // Back / Forward -> Python's view
  function onPop() {
    model.send({ kind: "address", query: currentQuery() });
  }
  window.addEventListener("popstate", onPop);

  // in-app links (agent and project names, back, month links) change the view in place; so do controls that
  // carry their query in data-oa-view (sort headers, a request's items). Inside JupyterLab an href
  // is not the app's address (it would open a file, or JupyterLab's own page): every click stays here.
  function onClick(event) {
    // a marker of the cost overview's unusual days: the kernel filters the items table, the page goes there
    if (event.target instanceof Element && event.target.closest(".oa-unusual-chart .dot")) {
      const goal = el.closest(".oa-app")?.querySelector(".oa-usage-tables");
      if (goal) goal.scrollIntoView({ block: "start" });
      return;
    }
    const links = "a.oa-view-link, [data-oa-view], a.oa-export-link";
    const target = event.target instanceof Element ? event.target.closest(links) : null;
    if (!target || event.defaultPrevented || event.button !== 0) return;
    const app = el.closest(".oa-app");
    if (!app || !app.contains(target)) return;
    if (target.dataset.oaView !== undefined) {
      model.send({ kind: "open", query: target.dataset.oaView });
      // a control far from what it opens (the integrity badge -> the usage tables) scrolls there
      const goal = target.dataset.oaScroll ? app.querySelector("." + CSS.escape(target.dataset.oaScroll)) : null;
      if (goal) goal.scrollIntoView({ block: "start" });
      return;
    }
    if (target.matches("a.oa-export-link")) {
      if (voila) return; // Voila serves the file
      event.preventDefault(); // the kernel sends its bytes again
      model.send({ kind: "download", url: target.getAttribute("href") });
      return;
    }
    if (voila && (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)) return; // a new tab: let it be
    event.preventDefault();
    model.send({ kind: "open", query: new URL(target.href, window.location.href).search.replace(/^\?/, "") });
  }
  function onKey(event) {
    if ((event.key === "Enter" || event.key === " ") && event.target instanceof Element && event.target.dataset.oaView !== undefined) {
      event.preventDefault();
      onClick({ target: event.target, button: 0 });
    }
  }
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onKey);

  // an export: a URL served by Voila, or (in JupyterLab) the file's bytes
  function onMessage(msg, buffers) {
    if (!msg || msg.kind !== "download") return;
    if (buffers && buffers.length) {
      const blob = new Blob(buffers, { type: msg.mime || "application/octet-stream" });
      const href = URL.createObjectURL(blob);
      download(href, msg.filename);
      setTimeout(() => URL.revokeObjectURL(href), 60000);
    } else {
      download(new URL(msg.url, window.location.href).href, msg.filename);
    }
  }
  model.on("msg:custom", onMessage);

  // which watched parts of the app are on screen (or within a screen's reach): a part off screen
  // is filled by the kernel only when scrolled to (the usage tables' queries on a month switch)
  const watched = new Map(); // class -> element observed
  const seen = new Set();
  const visibility = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const name = [...watched].find(([, e]) => e === entry.target);
      if (!name) continue;
      if (entry.isIntersecting) seen.add(name[0]);
      else seen.delete(name[0]);
    }
    const now = [...seen].sort();
    el.dataset.inView = now.join(" "); // what was reported (tests wait for it)
    const before = model.get("in_view");
    if (!before || before.length !== now.length || before.some((c, i) => c !== now[i])) {
      model.set("in_view", now);
      model.save_changes();
    }
  }, { rootMargin: "300px 0px" });
  function findWatched() {
    const app = el.closest(".oa-app");
    if (!app) return;
    for (const name of model.get("watch") || []) {
      const known = watched.get(name);
      if (known && known.isConnected) continue;
      const found = app.querySelector("." + CSS.escape(name));
      if (!found || found === known) continue;
      if (known) visibility.unobserve(known);
      watched.set(name, found);
      visibility.observe(found);
    }
  }
  const appearing = new MutationObserver(() => {
    const names = model.get("watch") || [];
    if (names.every((n) => watched.get(n) && watched.get(n).isConnected)) return;
    findWatched();
  });
  appearing.observe(document.body, { childList: true, subtree: true }); // the app may not be drawn yet
  model.on("change:watch", findWatched);
  findWatched();

  if (voila && model.get("query") !== currentQuery()) follow();
  el.dataset.ready = "1";
  return () => {
    model.off("change:query", follow);
    model.off("change:title", retitle);
    model.off("msg:custom", onMessage);
    model.off("change:watch", findWatched);
    appearing.disconnect();
    visibility.disconnect();
    window.removeEventListener("popstate", onPop);
    document.removeEventListener("click", onClick);
    document.removeEventListener("keydown", onKey);
  };
}

export default { render };
