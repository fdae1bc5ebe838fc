/* Drag-and-drop upload through the chunked upload API (/api/uploads/), with per-file progress.
   Without JavaScript the same form posts the files in one multipart request. */
"use strict";

(function () {
  const CHUNK = 8 * 1024 * 1024;
  const RETRIES = 5;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function human(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    return (i ? bytes.toFixed(1) : bytes) + " " + units[i];
  }
  async function api(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(data.detail || `HTTP ${response.status}`), { status: response.status, data });
    return data;
  }
  function putChunk(url, blob, start, total, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Content-Range", `bytes ${start}-${start + blob.size - 1}/${total}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => onProgress(start + e.loaded);
      xhr.onload = () => {
        let data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else reject(Object.assign(new Error(data.detail || `HTTP ${xhr.status}`), { status: xhr.status, data }));
      };
      xhr.onerror = () => reject(Object.assign(new Error("network error"), { status: 0 }));
      xhr.send(blob);
    });
  }

  function row(list, file) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    const where = folderOf(file);
    name.textContent = `${where ? where + "/" : ""}${file.name} (${human(file.size)})`;
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${file.name}`);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "waiting";
    li.append(name, bar, state);
    li.dataset.filename = file.name;
    list.appendChild(li);
    return {
      li,
      progress(sent) {
        const pct = file.size ? Math.floor((sent / file.size) * 100) : 100;
        bar.value = pct; state.textContent = pct + "%";
      },
      done(text) { bar.value = 100; state.textContent = text; li.dataset.state = "done"; },
      fail(text) { state.textContent = text; state.classList.add("error"); li.dataset.state = "error"; },
    };
  }

  // The folder a file keeps inside the dataset: where it lay below a dropped folder, or in the
  // folder picked with the folder chooser (its path relative to what was chosen).
  function folderOf(file) {
    if (file.limsFolder !== undefined) return file.limsFolder;
    const relative = file.webkitRelativePath || "";
    return relative.includes("/") ? relative.slice(0, relative.lastIndexOf("/")) : "";
  }

  // The files of dropped folders, each with its folder (entries are read in batches).
  function readEntry(entry, folder) {
    if (entry.isFile) {
      return new Promise((resolve) => entry.file((file) => {
        file.limsFolder = folder;
        resolve([file]);
      }, () => resolve([])));
    }
    const reader = entry.createReader();
    const inner = folder ? `${folder}/${entry.name}` : entry.name;
    return new Promise((resolve) => {
      const found = [];
      const next = () => reader.readEntries((batch) => {
        if (!batch.length) {
          Promise.all(found.map((e) => readEntry(e, inner))).then((lists) => resolve(lists.flat()));
          return;
        }
        found.push(...batch);
        next();
      }, () => resolve([]));
      next();
    });
  }

  async function upload(apiRoot, dataset, file, ui) {
    const session = await api("POST", apiRoot, {
      dataset, filename: file.name, size: file.size, folder: folderOf(file),
    });
    const url = session.url;
    // the size the server asks for; 8 MiB from older servers
    const chunk = session.chunk_size > 0 ? session.chunk_size : CHUNK;
    let offset = session.offset || 0;
    let failures = 0;
    let conflicts = 0;
    for (;;) {
      while (offset < file.size) {
        const blob = file.slice(offset, Math.min(offset + chunk, file.size));
        try {
          const data = await putChunk(url, blob, offset, file.size, (sent) => ui.progress(sent));
          offset = data.offset;
          failures = 0;
        } catch (err) {
          if (err.status === 409 && err.data && typeof err.data.offset === "number") {
            offset = err.data.offset; // the server has more (or less) than we thought: resume there
            continue;
          }
          if ((err.status === 0 || err.status >= 500) && ++failures <= RETRIES) {
            await new Promise((r) => setTimeout(r, 1000 * failures));
            offset = (await api("GET", url)).offset;
            continue;
          }
          throw err;
        }
        ui.progress(offset);
      }
      ui.progress(file.size);
      try {
        return await api("POST", url.replace(/\/?$/, "/") + "complete/");
      } catch (err) {
        // the server's host crashed and lost chunks it had answered: send them again
        if (err.status === 409 && err.data && typeof err.data.offset === "number" && ++conflicts <= RETRIES) {
          offset = err.data.offset;
          continue;
        }
        throw err;
      }
    }
  }

  function refreshFiles() {
    const list = document.getElementById("file-list");
    if (list && window.htmx) {
      window.htmx.ajax("GET", list.dataset.refreshUrl, { target: "#file-list", swap: "outerHTML" });
    }
  }

  function setup(zone) {
    const apiRoot = zone.dataset.uploadApi;
    if (!apiRoot) return; // no API on this server: the plain form still works
    const dataset = zone.dataset.dataset;
    const input = zone.querySelector("input[type=file]");
    const list = zone.querySelector(".upload-list");
    const submit = zone.querySelector("[data-upload-submit]");
    if (submit) submit.hidden = true;
    let queue = Promise.resolve();

    function enqueue(files) {
      // Companion data files first: an .emi adopts the .ser files that arrived before it.
      const sorted = Array.from(files).sort((a, b) => {
        const ca = /\.(ser|raw)$/i.test(a.name) ? 0 : 1, cb = /\.(ser|raw)$/i.test(b.name) ? 0 : 1;
        return ca - cb || a.name.localeCompare(b.name);
      });
      const rows = sorted.map((file) => [file, row(list, file)]);
      for (const [file, ui] of rows) {
        queue = queue.then(async () => {
          try {
            const result = await upload(apiRoot, dataset, file, ui);
            ui.done(result.duplicate ? "already there" : result.companion ? "added to its file" : "uploaded");
          } catch (err) {
            ui.fail(err.message || "failed");
          }
        });
      }
      queue = queue.then(refreshFiles);
    }

    zone.addEventListener("submit", (e) => { e.preventDefault(); if (input.files.length) enqueue(input.files); });
    input.addEventListener("change", () => { if (input.files.length) enqueue(input.files); input.value = ""; });
    ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (e) => {
      e.preventDefault(); zone.classList.add("over");
    }));
    ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, (e) => {
      e.preventDefault(); if (type === "drop" || e.target === zone) zone.classList.remove("over");
    }));
    const folderInput = zone.querySelector("input[data-folder-input]");
    if (folderInput) folderInput.closest("label").hidden = false;  // it needs this script
    folderInput?.addEventListener("change", () => {
      if (folderInput.files.length) enqueue(folderInput.files);
      folderInput.value = "";
    });
    zone.addEventListener("drop", (e) => {
      const items = e.dataTransfer ? Array.from(e.dataTransfer.items || []) : [];
      const entries = items.map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
      if (entries.some((entry) => entry.isDirectory)) {
        Promise.all(entries.map((entry) => readEntry(entry, ""))).then((lists) => enqueue(lists.flat()));
        return;
      }
      if (e.dataTransfer && e.dataTransfer.files.length) enqueue(e.dataTransfer.files);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("#dropzone").forEach(setup);
  });
})();
