/* Small progressive enhancements of the LIMS pages; every page works without them.
   - [data-zoom]: zoom and pan of a preview image (wheel, drag, buttons, keyboard)
   - [data-tree-root]: search, expand and collapse of a metadata tree
   - [data-spectrum-url]: an interactive SVG plot of a spectrum
   - #dropzone: drag-and-drop chunked upload with per-file progress (see upload.js) */
"use strict";

(function () {
  // ---------------------------------------------------------------- zoom and pan
  // One viewer may hold several panes (the compare page's two previews): they zoom and pan
  // together. The shared view is a zoom z (screen pixels per image pixel of the first pane)
  // and the point of the images at the centre of the panes (fractions fx, fy). With
  // data-same-scale and each image's data-field-width (the width it shows, in metres), the
  // panes show the same nanometres per screen pixel; otherwise the same part of each image.
  function setupZoom(root) {
    const panes = Array.from(root.querySelectorAll(".viewer-stage"))
      .map((stage) => ({ stage, img: stage.querySelector("img") }))
      .filter((p) => p.img);
    if (!panes.length) return;
    const label = root.querySelector(".zoom-level");
    const sameScale = root.querySelector("[data-same-scale]");
    let z = 1, fx = 0.5, fy = 0.5, zoomed = false;

    const size = (p) => [p.img.naturalWidth || 1, p.img.naturalHeight || 1];
    function ratio(p) {
      // The pane's scale relative to the first pane's.
      const first = panes[0], [w0] = size(first), [w] = size(p);
      const a = parseFloat(first.img.dataset.fieldWidth) / w0, b = parseFloat(p.img.dataset.fieldWidth) / w;
      if (sameScale && sameScale.checked && a > 0 && b > 0) return b / a;
      return w0 / w;
    }
    function fitScale() {
      const p = panes[0], [w, h] = size(p);
      return Math.min(p.stage.clientWidth / w, p.stage.clientHeight / h, 1e6);
    }
    function apply() {
      panes.forEach((p) => {
        const { stage, img } = p;
        if (!zoomed) {
          stage.classList.remove("zoomed");
          img.style.transform = ""; img.style.width = ""; img.style.height = "";
          return;
        }
        const [w, h] = size(p), s = z * ratio(p);
        const x = stage.clientWidth / 2 - fx * w * s, y = stage.clientHeight / 2 - fy * h * s;
        stage.classList.add("zoomed");
        img.style.width = w + "px"; img.style.height = h + "px";
        img.style.transform = `translate(${x}px, ${y}px) scale(${s})`;
      });
      if (label) label.textContent = panes[0].img.naturalWidth ? Math.round((zoomed ? z : fitScale()) * 100) + "%" : "Fit";
    }
    function zoomAt(factor, pane, cx, cy) {
      const p = pane || panes[0];
      if (!zoomed) { z = fitScale(); fx = 0.5; fy = 0.5; zoomed = true; }
      const W = p.stage.clientWidth, H = p.stage.clientHeight;
      if (cx === undefined) { cx = W / 2; cy = H / 2; }
      const [w, h] = size(p), s = z * ratio(p);
      const u = fx + (cx - W / 2) / (w * s), v = fy + (cy - H / 2) / (h * s);
      z = Math.min(32, Math.max(fitScale() * 0.5, z * factor));
      const s2 = z * ratio(p);
      fx = u - (cx - W / 2) / (w * s2);
      fy = v - (cy - H / 2) / (h * s2);
      apply();
    }
    function pan(p, dx, dy) {
      const [w, h] = size(p), s = z * ratio(p);
      fx = Math.min(1, Math.max(0, fx - dx / (w * s)));
      fy = Math.min(1, Math.max(0, fy - dy / (h * s)));
      apply();
    }
    function reset() { zoomed = false; apply(); }
    function oneToOne() { zoomAt(1 / (zoomed ? z : fitScale())); }

    panes.forEach((p) => {
      const { stage } = p;
      stage.addEventListener("wheel", (e) => {
        e.preventDefault();
        const r = stage.getBoundingClientRect();
        zoomAt(e.deltaY < 0 ? 1.2 : 1 / 1.2, p, e.clientX - r.left, e.clientY - r.top);
      }, { passive: false });
      let drag = null;
      stage.addEventListener("pointerdown", (e) => {
        if (!zoomed) return;
        drag = { px: e.clientX, py: e.clientY };
        stage.setPointerCapture(e.pointerId);
        stage.classList.add("dragging");
      });
      stage.addEventListener("pointermove", (e) => {
        if (!drag) return;
        pan(p, e.clientX - drag.px, e.clientY - drag.py);
        drag = { px: e.clientX, py: e.clientY };
      });
      const stop = () => { drag = null; stage.classList.remove("dragging"); };
      stage.addEventListener("pointerup", stop);
      stage.addEventListener("pointercancel", stop);
      stage.addEventListener("dblclick", (e) => {
        const r = stage.getBoundingClientRect();
        zoomAt(2, p, e.clientX - r.left, e.clientY - r.top);
      });
      stage.addEventListener("keydown", (e) => {
        const step = 40;
        const keys = {
          "+": () => zoomAt(1.25, p), "=": () => zoomAt(1.25, p), "-": () => zoomAt(1 / 1.25, p),
          "0": reset, "1": oneToOne,
          ArrowLeft: () => pan(p, step, 0), ArrowRight: () => pan(p, -step, 0),
          ArrowUp: () => pan(p, 0, step), ArrowDown: () => pan(p, 0, -step),
        };
        if (keys[e.key] && (zoomed || !e.key.startsWith("Arrow"))) {
          e.preventDefault(); e.stopPropagation(); keys[e.key]();
        }
      });
      if (p.img.complete) apply(); else p.img.addEventListener("load", apply);
    });
    root.querySelector("[data-zoom-in]")?.addEventListener("click", () => zoomAt(1.25));
    root.querySelector("[data-zoom-out]")?.addEventListener("click", () => zoomAt(1 / 1.25));
    root.querySelector("[data-zoom-reset]")?.addEventListener("click", reset);
    root.querySelector("[data-zoom-one]")?.addEventListener("click", oneToOne);
    sameScale?.addEventListener("change", apply);
    window.addEventListener("resize", () => { if (zoomed) apply(); });
  }

  // ---------------------------------------------------------------- metadata tree
  function setupTree(root) {
    const tree = root.querySelector("[data-tree]");
    const input = root.querySelector("[data-tree-search]");
    const count = root.querySelector("[data-tree-count]");
    if (!tree) return;
    const items = Array.from(tree.querySelectorAll("li"));
    const details = Array.from(tree.querySelectorAll("details"));
    const initiallyOpen = details.map((d) => d.open);
    root.querySelector("[data-tree-expand]")?.addEventListener("click", () => details.forEach((d) => { d.open = true; }));
    root.querySelector("[data-tree-collapse]")?.addEventListener("click", () => details.forEach((d) => { d.open = false; }));

    function unmark() {
      tree.querySelectorAll("mark").forEach((m) => m.replaceWith(document.createTextNode(m.textContent)));
      tree.normalize();
    }
    function markIn(el, needle) {
      // Highlight the first occurrence in each of the item's own key/value spans.
      el.querySelectorAll(":scope > .k, :scope > .v, :scope > details > summary > .k").forEach((span) => {
        const text = span.textContent;
        const at = text.toLowerCase().indexOf(needle);
        if (at < 0) return;
        const mark = document.createElement("mark");
        mark.textContent = text.slice(at, at + needle.length);
        span.textContent = "";
        span.append(text.slice(0, at), mark, text.slice(at + needle.length));
      });
    }
    let timer = null;
    function run() {
      const needle = input.value.trim().toLowerCase();
      unmark();
      if (!needle) {
        items.forEach((li) => li.classList.remove("hidden"));
        details.forEach((d, i) => { d.open = initiallyOpen[i]; });
        if (count) count.textContent = "";
        return;
      }
      let hits = 0;
      items.forEach((li) => li.classList.add("hidden"));
      items.forEach((li) => {
        const own = Array.from(li.querySelectorAll(":scope > .k, :scope > .v, :scope > details > summary > .k"))
          .map((s) => s.textContent).join(" ").toLowerCase();
        if (!own.includes(needle)) return;
        hits += 1;
        markIn(li, needle);
        li.classList.remove("hidden");
        // Show the ancestors, opened, and everything below a matching branch.
        let node = li.parentElement;
        while (node && node !== tree) {
          if (node.tagName === "LI") node.classList.remove("hidden");
          if (node.tagName === "DETAILS") node.open = true;
          node = node.parentElement;
        }
        li.querySelectorAll("li").forEach((child) => child.classList.remove("hidden"));
      });
      if (count) count.textContent = hits === 1 ? "1 match" : `${hits} matches`;
    }
    input?.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 120); });
    input?.addEventListener("keydown", (e) => { if (e.key === "Escape") { input.value = ""; run(); } });
  }

  // ---------------------------------------------------------------- spectrum plot
  const SVG = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (parent) parent.appendChild(node);
    return node;
  }
  function niceTicks(lo, hi, n) {
    const span = hi - lo || 1;
    const step0 = span / n;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
    return ticks;
  }
  function fmt(v) {
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
    return +v.toPrecision(4) + "";
  }
  function setupSpectrum(root) {
    const holder = root.querySelector(".spectrum-plot");
    const readout = root.querySelector(".readout");
    let markers = [];
    try { markers = JSON.parse(root.dataset.markers || "[]"); } catch (e) { markers = []; }
    const controls = {
      log: root.querySelector("[data-log-scale]"),
      markers: root.querySelector("[data-show-markers]"),
    };
    let drawn = null;
    function show(data) {
      if (drawn) drawn.abort();  // the previous plot's listeners go with it
      drawn = new AbortController();
      draw(holder, readout, data, markers, controls, drawn.signal);
    }
    const getJSON = (url) => fetch(url, { credentials: "same-origin" })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
      .then(({ ok, data }) => {
        if (!ok || data.error) throw new Error(data.error || "The spectrum could not be read.");
        return data;
      });
    getJSON(root.dataset.spectrumUrl)
      .then((summed) => {
        show(summed);
        const map = root.querySelector("[data-si-map]");
        if (map && root.dataset.mapUrl) setupMap(root, map, summed, show, getJSON);
      })
      .catch((err) => {
        readout.textContent = err.message;
        const fallback = root.querySelector("noscript");
        if (fallback) holder.innerHTML = fallback.textContent;
      });
  }
  // A spectrum image: a map of its (binned) scan positions, each a button whose grey is the
  // counts there; choosing one plots that position's spectrum (from the cube extraction
  // reduced: one small request, never the original file).
  function buildMap(map, grid, choose) {
    const flat = grid.totals.flat();
    const lo = Math.min(...flat), hi = Math.max(...flat);
    map.style.gridTemplateColumns = `repeat(${grid.cols}, minmax(0, 1fr))`;
    const buttons = [];
    grid.totals.forEach((row, r) => row.forEach((value, c) => {
      const b = document.createElement("button");
      b.type = "button";
      const y0 = r * grid.bins[0], x0 = c * grid.bins[1];
      const where = grid.bins[0] * grid.bins[1] > 1
        ? `rows ${y0 + 1}–${Math.min(y0 + grid.bins[0], grid.nav_shape[0])}, columns ${x0 + 1}–${Math.min(x0 + grid.bins[1], grid.nav_shape[1])}`
        : `row ${r + 1}, column ${c + 1}`;
      b.setAttribute("aria-label", `Position ${where}`);
      b.setAttribute("aria-pressed", "false");
      const level = hi > lo ? Math.round(30 + 200 * (value - lo) / (hi - lo)) : 130;
      b.style.backgroundColor = `rgb(${level}, ${level}, ${level})`;
      b.addEventListener("click", () => choose(r, c, where, b, buttons));
      buttons.push(b);
      map.appendChild(b);
    }));
    return buttons;
  }
  function setupMap(root, map, summed, show, getJSON) {
    const sumButton = root.querySelector("[data-si-sum]");
    getJSON(root.dataset.mapUrl).then((grid) => {
      const buttons = buildMap(map, grid, (r, c, where, b) => {
        getJSON(`${root.dataset.pointUrl}?row=${r}&col=${c}`).then((data) => {
          buttons.forEach((x) => x.setAttribute("aria-pressed", "false"));
          b.setAttribute("aria-pressed", "true");
          data.chosen = where;
          show(data);
        });
      });
      sumButton?.addEventListener("click", () => {
        buttons.forEach((x) => x.setAttribute("aria-pressed", "false"));
        show(summed);
      });
    });
  }
  // Where a marker given in eV falls on an axis in this unit (null: an axis of another kind).
  const EV_PER = { eV: 1, keV: 1000, meV: 0.001 };
  function draw(holder, readout, data, markers, controls, abort) {
    // Values are computed at extraction time; a value that was not finite is null.
    const xs = data.x, raw = data.y.map((v) => (v === null ? 0 : v));
    const positive = raw.filter((v) => v > 0);
    const floor = positive.length ? Math.min(...positive) : 1;
    let ys = raw;
    const perUnit = EV_PER[data.x_unit];
    const marks = perUnit ? markers.map((m) => ({ label: m.label, x: m.energy_ev / perUnit })) : [];
    const xLabel = data.x_unit ? `${data.x_label} (${data.x_unit})` : data.x_label;
    let x0 = xs[0], x1 = xs[xs.length - 1];
    const full = [x0, x1];
    const W = Math.max(320, Math.round(holder.clientWidth || 900)), H = 360;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, "aria-hidden": "true" });
    holder.innerHTML = "";
    holder.appendChild(svg);
    const m = { l: 64, r: 16, t: 14, b: 44 };
    const pw = W - m.l - m.r, ph = H - m.t - m.b;
    const g = el("g", {}, svg);
    const overlay = el("g", {}, svg);
    const cursor = el("line", { class: "cursor", y1: m.t, y2: m.t + ph, visibility: "hidden" }, overlay);
    const band = el("rect", { y: m.t, height: ph, fill: "rgba(29,95,191,0.12)", visibility: "hidden" }, overlay);
    const hit = el("rect", { x: m.l, y: m.t, width: pw, height: ph, fill: "transparent" }, svg);
    let sx, sy, ylo, yhi;

    function render() {
      g.innerHTML = "";
      const log = controls.log && controls.log.checked;
      // On a log scale a count of 0 sits at the smallest count there is.
      ys = log ? raw.map((v) => Math.log10(Math.max(v, floor))) : raw;
      const inRange = [];
      for (let i = 0; i < xs.length; i++) if (xs[i] >= x0 && xs[i] <= x1) inRange.push(i);
      ylo = 0; yhi = 1;
      if (inRange.length) {
        ylo = log ? Math.min(...inRange.map((i) => ys[i])) : Math.min(0, ...inRange.map((i) => ys[i]));
        yhi = Math.max(...inRange.map((i) => ys[i]));
        if (yhi <= ylo) yhi = ylo + 1;
        yhi += (yhi - ylo) * 0.05;
      }
      sx = (v) => m.l + ((v - x0) / (x1 - x0 || 1)) * pw;
      sy = (v) => m.t + ph - ((v - ylo) / (yhi - ylo)) * ph;
      const grid = el("g", { class: "grid" }, g);
      const axis = el("g", { class: "axis" }, g);
      niceTicks(x0, x1, 8).forEach((t) => {
        el("line", { x1: sx(t), x2: sx(t), y1: m.t, y2: m.t + ph }, grid);
        const label = el("text", { x: sx(t), y: m.t + ph + 16, "text-anchor": "middle" }, axis);
        label.textContent = fmt(t);
      });
      const yTicks = log
        ? niceTicks(ylo, yhi, 5).filter((t) => Number.isInteger(t))
        : niceTicks(ylo, yhi, 5);
      (yTicks.length ? yTicks : niceTicks(ylo, yhi, 5)).forEach((t) => {
        el("line", { x1: m.l, x2: m.l + pw, y1: sy(t), y2: sy(t) }, grid);
        const label = el("text", { x: m.l - 6, y: sy(t) + 4, "text-anchor": "end" }, axis);
        label.textContent = log ? fmt(Math.pow(10, t)) : fmt(t);
      });
      el("path", { d: `M${m.l},${m.t}V${m.t + ph}H${m.l + pw}` }, axis);
      const xl = el("text", { x: m.l + pw / 2, y: H - 6, "text-anchor": "middle" }, axis);
      xl.textContent = xLabel;
      const yl = el("text", { x: 14, y: m.t + ph / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${m.t + ph / 2})` }, axis);
      yl.textContent = log ? `${data.y_label} (log scale)` : data.y_label;
      const d = inRange.map((i, k) => `${k ? "L" : "M"}${sx(xs[i]).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join("");
      el("path", { class: "trace", d, "vector-effect": "non-scaling-stroke" }, g);
      if (!controls.markers || controls.markers.checked) {
        const layer = el("g", { class: "markers" }, g);
        let lastLabelX = -Infinity, row = 0;
        marks.filter((mk) => mk.x >= x0 && mk.x <= x1).forEach((mk) => {
          const x = sx(mk.x);
          el("line", { x1: x, x2: x, y1: m.t, y2: m.t + ph }, layer);
          row = x - lastLabelX < 48 ? (row + 1) % 3 : 0;  // stagger labels that would overlap
          lastLabelX = x;
          const text = el("text", { x: x + 3, y: m.t + 11 + row * 12 }, layer);
          text.textContent = mk.label;
        });
      }
    }
    controls.log?.addEventListener("change", render, { signal: abort });
    controls.markers?.addEventListener("change", render, { signal: abort });
    function toData(evt) {
      const r = svg.getBoundingClientRect();
      const px = ((evt.clientX - r.left) / r.width) * W;
      return { px, x: x0 + ((px - m.l) / pw) * (x1 - x0) };
    }
    function nearest(x) {
      let best = 0;
      for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
      return best;
    }
    let start = null;
    hit.addEventListener("pointermove", (e) => {
      const p = toData(e);
      const i = nearest(p.x);
      cursor.setAttribute("x1", sx(xs[i])); cursor.setAttribute("x2", sx(xs[i]));
      cursor.setAttribute("visibility", "visible");
      readout.textContent = `${xLabel}: ${fmt(xs[i])} · ${data.y_label}: ${fmt(raw[i])}`;
      if (start) {
        const a = Math.min(start.px, p.px), b = Math.max(start.px, p.px);
        band.setAttribute("x", a); band.setAttribute("width", b - a); band.setAttribute("visibility", "visible");
      }
    });
    hit.addEventListener("pointerleave", () => cursor.setAttribute("visibility", "hidden"));
    hit.addEventListener("pointerdown", (e) => { start = toData(e); hit.setPointerCapture(e.pointerId); });
    hit.addEventListener("pointerup", (e) => {
      const end = toData(e);
      band.setAttribute("visibility", "hidden");
      if (start && Math.abs(end.px - start.px) > 6) {
        x0 = Math.min(start.x, end.x); x1 = Math.max(start.x, end.x);
        render();
      }
      start = null;
    });
    hit.addEventListener("dblclick", () => { [x0, x1] = full; render(); });
    render();
    const summed = data.summed ? ", summed over every position" : data.chosen ? ` at ${data.chosen}` : "";
    readout.textContent = `${data.points} points${summed}. Drag across the plot to zoom into a range, double-click to reset.`;
  }

  // ---------------------------------------------------------------- frames of a stack
  // The slider shows one frame of an image stack at a time in the viewer above it (the
  // frames were drawn at extraction: each step loads one small PNG).
  function setupFrames(bar) {
    const viewer = bar.closest("[data-zoom]");
    const img = viewer && viewer.querySelector(".viewer-stage img");
    const slider = bar.querySelector("input[type=range]");
    const label = bar.querySelector("output");
    let items = [];
    try { items = JSON.parse(bar.dataset.frames || "[]"); } catch (e) { items = []; }
    if (!img || !slider || !items.length) return;
    const total = bar.dataset.frameTotal;
    function show() {
      const item = items[Number(slider.value)];
      if (!item) return;
      img.src = item.url;
      img.alt = `Frame ${item.index + 1} of ${total}`;
      label.textContent = `${item.index + 1} of ${total}`;
      slider.setAttribute("aria-valuetext", `frame ${item.index + 1} of ${total}`);
    }
    slider.addEventListener("input", show);
    show();
  }

  // A 4D-STEM scan: the same map of scan positions; choosing one shows its diffraction
  // pattern (a small PNG of the patterns extraction reduced).
  function setupScan(root) {
    const map = root.querySelector("[data-si-map]");
    const img = root.querySelector("[data-pattern]");
    const caption = root.querySelector("[data-pattern-caption]");
    fetch(root.dataset.mapUrl, { credentials: "same-origin" }).then((r) => r.json()).then((grid) => {
      buildMap(map, grid, (r, c, where, button, buttons) => {
        img.src = `${root.dataset.patternUrl}?row=${r}&col=${c}`;
        img.alt = `Diffraction pattern at ${where}`;
        img.hidden = false;
        caption.textContent = `Diffraction pattern at ${where}`;
        buttons.forEach((x) => x.setAttribute("aria-pressed", "false"));
        button.setAttribute("aria-pressed", "true");
      });
    });
  }

  function init(scope) {
    scope.querySelectorAll("[data-frames]").forEach(setupFrames);
    scope.querySelectorAll(".scan-explorer[data-map-url]").forEach(setupScan);
    scope.querySelectorAll("[data-zoom]").forEach(setupZoom);
    scope.querySelectorAll("[data-tree-root]").forEach(setupTree);
    scope.querySelectorAll("[data-spectrum-url]").forEach(setupSpectrum);
  }
  document.addEventListener("DOMContentLoaded", () => init(document));

  // ---------------------------------------------------------------- keyboard
  // On a file page: ← / p and → / n open the previous and next file of the dataset, unless
  // the key is meant for something else (a field, the zoomed preview, a plot).
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable], .viewer-stage, .spectrum");
  }
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || typing(e.target)) return;
    const which = { ArrowLeft: "prev", p: "prev", ArrowRight: "next", n: "next" }[e.key];
    const link = which && document.querySelector(`[data-key-${which}]`);
    if (link) { e.preventDefault(); link.click(); }
  });
  // A gallery with data-grid-keys: arrow keys move the focus between its links, up and down by
  // a row of the grid as it is laid out; Home and End to the first and last.
  document.addEventListener("keydown", (e) => {
    const grid = e.target.closest && e.target.closest("[data-grid-keys]");
    if (!grid || !e.target.matches("a, button")) return;
    const links = Array.from(grid.querySelectorAll("a, button"));
    const at = links.indexOf(e.target);
    const top = (a) => a.getBoundingClientRect().top;
    const perRow = Math.max(1, links.filter((a) => Math.abs(top(a) - top(links[0])) < 2).length);
    const next = { ArrowLeft: at - 1, ArrowRight: at + 1, ArrowUp: at - perRow, ArrowDown: at + perRow,
      Home: 0, End: links.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    links[Math.min(links.length - 1, Math.max(0, next))].focus();
  }, true);

  // A form with data-confirm asks before it is sent (no inline handlers: the pages' CSP).
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
})();
