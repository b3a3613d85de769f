// The upload page (DESIGN.md §9). For each picked or dropped image:
//   1. checked here (type, size against /ui/config.json's limit),
//   2. POST /upload-image asks for a presigned POST (the API checks again and pins the policy),
//   3. the file goes straight to the S3 endpoint in one XHR (upload progress drives the bar),
//      and the store's answer is checked (204, else its XML error code),
//   4. GET /images/{id}/events (server-sent events) reports the job until done or failed; the
//      variants appear the moment the job is done.
// A failed file keeps its File and options and can be retried; nothing is sent twice unless the
// user asks. Text comes only from strings.js, so switching language re-renders everything.
"use strict";

(() => {
  const STRINGS = window.IMGPIPE_STRINGS;
  const TYPES = {
    jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp",
    gif: "image/gif", tif: "image/tiff", tiff: "image/tiff", heic: "image/heic",
    heif: "image/heif", avif: "image/avif",
  };
  const DEFAULT_SIZES = [400, 200, 100];
  const MAX_VARIANTS = 8;
  const MAX_SIDE = 4096;
  const PARALLEL_UPLOADS = 3;
  const FOLLOW_TIMEOUT_MS = 5 * 60 * 1000;  // a job that shows no terminal state by then is lost

  const $ = (id) => document.getElementById(id);
  const el = (tag, className) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    return e;
  };

  let lang = pickLanguage();
  let maxUploadBytes = null;  // null until /ui/config.json answers; the API checks anyway
  const uploads = [];
  const waiting = [];
  let running = 0;
  let viewing = null;  // {upload, variant} shown in the dialog

  // ------------------------------------------------------------------ language

  function pickLanguage() {
    try {
      const saved = localStorage.getItem("imgpipe.lang");
      if (saved && STRINGS[saved]) return saved;
    } catch (_) { /* storage disabled: fall back to the browser's languages */ }
    for (const l of navigator.languages || [navigator.language || "en"]) {
      const base = String(l).toLowerCase().split("-")[0];
      if (STRINGS[base]) return base;
    }
    return "en";
  }

  function t(key, params) {
    const text = STRINGS[lang][key];
    if (text === undefined) throw new Error(`no string ${key} for ${lang}`);
    return params ? text.replace(/\{(\w+)\}/g, (m, k) => (k in params ? params[k] : m)) : text;
  }

  function formatBytes(n) {
    const [unit, value] = n >= 1e6 ? ["megabyte", n / 1e6] : n >= 1e3 ? ["kilobyte", n / 1e3]
                                                                      : ["byte", n];
    return new Intl.NumberFormat(lang, { style: "unit", unit, unitDisplay: "short",
                                         maximumFractionDigits: 1 }).format(value);
  }
  const formatNumber = (n) => new Intl.NumberFormat(lang).format(n);
  const formatPercent = (p) => new Intl.NumberFormat(lang, { style: "percent" }).format(p / 100);

  function applyLanguage() {
    const root = document.documentElement;
    root.lang = lang;
    root.dir = lang === "ar" ? "rtl" : "ltr";
    document.title = t("title");
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    $("lang").value = lang;
    renderLimit();
    for (const u of uploads) render(u);
    if (viewing) renderViewer();
  }

  // ------------------------------------------------------------------ announcements

  function announce(text) {
    const region = $("announcer");
    region.textContent = "";
    // A new text node in a later frame is announced even when it repeats the last message.
    requestAnimationFrame(() => { region.textContent = text; });
  }

  // ------------------------------------------------------------------ options

  // The variants to request, or undefined for the server's defaults; throws on bad sizes.
  function readVariants() {
    const digits = $("opt-sizes").value.replace(/[\u0660-\u0669]/g,
                                                 (d) => String(d.charCodeAt(0) - 0x0660));
    const parts = digits.split(/[\s,\u060c]+/).filter(Boolean);
    const sizes = parts.map(Number);
    const ok = parts.length >= 1 && parts.length <= MAX_VARIANTS &&
               sizes.every((s) => Number.isInteger(s) && s >= 1 && s <= MAX_SIDE) &&
               new Set(sizes).size === sizes.length;
    $("opt-sizes").setAttribute("aria-invalid", ok ? "false" : "true");
    $("opt-sizes-error").hidden = ok;
    if (!ok) throw new Error("bad sizes");
    const fit = $("opt-fit").value;
    const format = $("opt-format").value;
    if (fit === "cover" && format === "jpeg" && String(sizes) === String(DEFAULT_SIZES)) {
      return undefined;
    }
    return sizes.map((s) => ({ width: s, height: s, fit, format }));
  }

  // ------------------------------------------------------------------ adding files

  function addFiles(fileList) {
    const files = Array.from(fileList || []);
    if (files.length === 0) return;
    let variants;
    try {
      variants = readVariants();
    } catch (_) {
      $("options").open = true;
      $("opt-sizes").focus();
      announce(t("badSizes"));
      return;
    }
    for (const file of files) {
      const u = { file, variants, state: "queued", percent: 0, sent: false, error: null,
                  job: null };
      u.view = buildView(u);
      uploads.push(u);
      $("uploads").prepend(u.view.root);
      render(u);
      enqueue(u);
    }
    $("empty").hidden = true;
    announce(t("announceAdded", { count: formatNumber(files.length) }));
  }

  function enqueue(u) {
    waiting.push(u);
    pump();
  }

  // Starts queued uploads while fewer than PARALLEL_UPLOADS are being sent.
  function pump() {
    while (running < PARALLEL_UPLOADS && waiting.length > 0) {
      const u = waiting.shift();
      running++;
      send(u).finally(() => {
        running--;
        pump();
      });
    }
  }

  // ------------------------------------------------------------------ one upload

  function extensionOf(name) {
    const dot = name.lastIndexOf(".");
    return dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
  }

  // Steps 1-3; step 4 runs on after the slot is given back.
  async function send(u) {
    const file = u.file;
    const contentType = TYPES[extensionOf(file.name)];
    if (!contentType || (file.type && !Object.values(TYPES).includes(file.type))) {
      return fail(u, { key: "errUnsupported" });
    }
    if (file.size === 0) return fail(u, { key: "errEmpty" });
    if (maxUploadBytes !== null && file.size > maxUploadBytes) {
      return fail(u, { key: "errTooLarge", limit: maxUploadBytes });
    }

    setState(u, "requesting");
    let post;
    try {
      const body = { filename: file.name, contentType, size: file.size };
      if (u.variants) body.variants = u.variants;
      const res = await fetch("/upload-image", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await res.json().catch(() => null);
      if (!res.ok) return fail(u, apiError(res.status, answer));
      post = answer;
    } catch (_) {
      return fail(u, { key: "errNetwork" });
    }

    u.percent = 0;
    u.sent = true;
    setState(u, "uploading");
    const refused = await sendToStore(u, post);
    if (refused) return fail(u, refused);
    u.percent = 100;
    setState(u, "processing");
    announce(t("announceUploaded", { name: file.name }));
    follow(u, post.statusUrl);
  }

  function apiError(status, answer) {
    const code = (answer && answer.error && answer.error.code) || `HTTP ${status}`;
    switch (code) {
      case "EntityTooLarge": return { key: "errTooLarge", limit: maxUploadBytes };
      case "UnsupportedMediaType":
      case "ContentTypeMismatch": return { key: "errUnsupported" };
      case "InvalidFilename": return { key: "errBadName" };
      case "InvalidVariants": return { key: "badSizes" };
      case "TooManyRequests": return { key: "errBusy" };
      default: return { key: "errRequest", code };
    }
  }

  // The form fields in the order the API gave them, the file last, in one request. Resolves
  // null when the store answered 2xx, else the error to show.
  function sendToStore(u, post) {
    return new Promise((resolve) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
      form.append("file", u.file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", post.url);
      xhr.upload.addEventListener("progress", (e) => {
        if (!e.lengthComputable) return;
        u.percent = Math.min(100, Math.floor((e.loaded * 100) / e.total));
        renderProgress(u);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve(null);
        resolve(storeError(xhr));
      });
      xhr.addEventListener("error", () => resolve({ key: "errNetwork" }));
      xhr.send(form);
    });
  }

  function storeError(xhr) {
    let code = `HTTP ${xhr.status}`;
    let message = "";
    try {
      const doc = new DOMParser().parseFromString(xhr.responseText, "application/xml");
      code = doc.querySelector("Error > Code")?.textContent || code;
      message = doc.querySelector("Error > Message")?.textContent || "";
    } catch (_) { /* not XML: keep the status */ }
    if (code === "EntityTooLarge") return { key: "errTooLarge", limit: maxUploadBytes };
    if (code === "AccessDenied" && /expired/i.test(message)) return { key: "errStoreExpired" };
    return { key: "errStore", code };
  }

  // Follows the job's events. The job appears a moment after the upload (the store's event is
  // relayed to the queue), and a busy server may refuse a stream (429): either closes the
  // EventSource, and it is opened again after a growing pause until FOLLOW_TIMEOUT_MS.
  function follow(u, statusUrl) {
    const deadline = Date.now() + FOLLOW_TIMEOUT_MS;
    let pause = 200;
    const open = () => {
      const source = new EventSource(`${statusUrl}/events`);
      source.addEventListener("message", (e) => {
        let job;
        try { job = JSON.parse(e.data); } catch (_) { return; }
        pause = 200;
        if (job.state === "done" || job.state === "failed") source.close();
        onJob(u, job);
      });
      source.addEventListener("error", () => {
        if (source.readyState !== EventSource.CLOSED) return;  // the browser reconnects
        if (Date.now() > deadline) return fail(u, { key: "errLost" });
        setTimeout(open, pause);
        pause = Math.min(pause * 2, 2000);
      });
    };
    open();
  }

  function onJob(u, job) {
    u.job = job;
    if (job.state === "done") {
      setState(u, "done");
      announce(t("announceDone", { name: u.file.name, count: formatNumber(job.variants.length) }));
    } else if (job.state === "failed") {
      fail(u, { key: "errProcessing", reason: (job.error && job.error.code) || "" });
    } else {
      setState(u, "processing");
    }
  }

  function fail(u, error) {
    u.error = { ...error, fileSize: u.file.size };
    setState(u, "failed");
    announce(t("announceFailed", { name: u.file.name, message: errorText(error) }));
  }

  async function retry(u) {
    if (u.state !== "failed") return;
    u.error = null;
    u.job = null;
    u.percent = 0;
    u.sent = false;
    setState(u, "queued");
    await loadConfig();  // the limit may have changed since the page was opened
    enqueue(u);
  }

  // ------------------------------------------------------------------ rendering

  function errorText(e) {
    switch (e.key) {
      case "errTooLarge":
        return t("errTooLarge", { size: formatBytes(e.fileSize),
                                  limit: e.limit ? formatBytes(e.limit) : "?" });
      case "errProcessing": {
        const key = `reason${e.reason}`;
        const reason = key in STRINGS[lang] ? t(key) : t("reasonOther", { code: e.reason });
        return t("errProcessing", { reason });
      }
      default:
        return t(e.key, { code: e.code });
    }
  }

  function buildView(u) {
    const v = {
      root: el("li", "upload"),
      name: el("h3", "upload-name"),
      size: el("span", "upload-size"),
      state: el("p", "upload-state"),
      progress: el("progress"),
      percent: el("span", "percent"),
      progressRow: el("div", "progress-row"),
      error: el("p", "error"),
      retry: el("button", "retry"),
      variants: el("ul", "variants"),
    };
    const head = el("div", "upload-head");
    head.append(v.name, v.size);
    v.progress.max = 100;
    v.percent.setAttribute("aria-hidden", "true");
    v.progressRow.append(v.progress, v.percent);
    v.retry.type = "button";
    v.retry.addEventListener("click", () => retry(u));
    v.name.textContent = u.file.name;
    v.name.dir = "auto";
    v.root.append(head, v.state, v.progressRow, v.error, v.retry, v.variants);
    return v;
  }

  function setState(u, state) {
    u.state = state;
    render(u);
  }

  function renderProgress(u) {
    const v = u.view;
    v.progress.value = u.percent;
    v.percent.textContent = formatPercent(u.percent);
    if (u.state === "uploading") {
      v.state.textContent = t("stateUploading", { percent: formatPercent(u.percent) });
    }
  }

  function render(u) {
    const v = u.view;
    v.root.dataset.state = u.state;
    v.size.textContent = formatBytes(u.file.size);
    v.progress.setAttribute("aria-label", t("progressLabel", { name: u.file.name }));
    const stateKey = {
      queued: "stateQueued", requesting: "stateRequesting", uploading: "stateUploading",
      processing: "stateProcessing", done: "stateDone", failed: "stateFailed",
    }[u.state];
    const count = u.job && u.job.variants ? u.job.variants.length : 0;
    v.state.textContent = t(stateKey, { percent: formatPercent(u.percent),
                                        count: formatNumber(count) });
    renderProgress(u);
    // A file refused before it was sent has no progress to show.
    v.progressRow.hidden = u.state === "failed" && !u.sent;
    v.error.hidden = !u.error;
    v.error.textContent = u.error ? errorText(u.error) : "";
    v.retry.hidden = u.state !== "failed";
    v.retry.textContent = t("retry");
    v.retry.setAttribute("aria-label", t("retryLabel", { name: u.file.name }));
    renderVariants(u);
  }

  function renderVariants(u) {
    const list = u.view.variants;
    const variants = u.state === "done" && u.job ? u.job.variants : [];
    if (list.childElementCount !== variants.length) {
      list.replaceChildren();
      for (const variant of variants) {
        const item = el("li", "variant");
        // Width only through the CSSOM: the CSP allows no inline style attributes.
        item.style.flex = `0 1 ${variant.width + 16}px`;
        const button = el("button");
        button.type = "button";
        const img = el("img");
        img.src = variant.url;
        img.alt = "";
        img.width = variant.width;
        img.height = variant.height;
        img.dataset.name = variant.name;
        const frame = placeholderFrame(u.job.placeholder);
        // Until the variant has loaded, its placeholder shows in its place.
        img.addEventListener("load", () => frame.classList.add("loaded"));
        frame.append(img);
        const caption = el("span", "caption");
        button.append(frame, caption);
        button.addEventListener("click", () => openViewer(u, variant));
        item.append(button);
        list.append(item);
      }
    }
    variants.forEach((variant, i) => {
      const button = list.children[i].firstChild;
      button.setAttribute("aria-label", t("variantLabel", { name: variant.name }) + ". " +
                                            captionText(variant));
      button.lastChild.textContent = captionText(variant);
    });
  }

  // A frame that shows the image's placeholder (ThumbHash drawn into a canvas, the dominant
  // colour behind it) under the variant until the variant loads. A canvas, not a data: URL: the
  // page's CSP allows images only from itself and the store.
  function placeholderFrame(placeholder) {
    const frame = el("span", "frame");
    if (!placeholder) return frame;
    frame.style.backgroundColor = placeholder.dominantColor;
    const canvas = window.imgpipeThumbHash.toCanvas(placeholder.thumbhash);
    if (canvas) {
      canvas.className = "placeholder";
      canvas.setAttribute("aria-hidden", "true");
      frame.append(canvas);
    }
    return frame;
  }

  function captionText(variant) {
    return t("variantCaption", { width: formatNumber(variant.width),
                                 height: formatNumber(variant.height),
                                 bytes: formatBytes(variant.bytes) });
  }

  function renderLimit() {
    $("limit").textContent = maxUploadBytes === null ? ""
                                                     : t("limit", { size: formatBytes(maxUploadBytes) });
  }

  // ------------------------------------------------------------------ full-size viewer

  function openViewer(u, variant) {
    viewing = { upload: u, variant };
    $("viewer-img").src = variant.url;
    $("viewer-img").width = variant.width;
    $("viewer-img").height = variant.height;
    renderViewer();
    $("viewer").showModal();
  }

  function renderViewer() {
    const { upload, variant } = viewing;
    $("viewer-title").textContent = t("viewerTitle", {
      name: `${upload.file.name} ${variant.name}`, width: formatNumber(variant.width),
      height: formatNumber(variant.height), bytes: formatBytes(variant.bytes),
    });
  }

  // ------------------------------------------------------------------ start

  async function loadConfig() {
    try {
      const res = await fetch("/ui/config.json", { cache: "no-store" });
      if (res.ok) maxUploadBytes = (await res.json()).maxUploadBytes;
    } catch (_) { /* unreachable now: keep the last limit; the API checks anyway */ }
    renderLimit();
  }

  function wireEvents() {
    $("pick").addEventListener("click", () => $("files").click());
    $("files").addEventListener("change", () => {
      addFiles($("files").files);
      $("files").value = "";  // picking the same file again adds it again
    });
    $("lang").addEventListener("change", () => {
      lang = $("lang").value;
      try { localStorage.setItem("imgpipe.lang", lang); } catch (_) { /* not kept */ }
      applyLanguage();
    });
    $("opt-sizes").addEventListener("input", () => {
      try { readVariants(); } catch (_) { /* shown next to the field */ }
    });
    $("viewer-close").addEventListener("click", () => $("viewer").close());
    $("viewer").addEventListener("close", () => { viewing = null; });

    // Files dropped anywhere on the page are taken; the drop zone shows it is a target.
    const zone = $("drop");
    let depth = 0;
    window.addEventListener("dragenter", (e) => {
      e.preventDefault();
      if (++depth === 1) zone.classList.add("over");
    });
    window.addEventListener("dragleave", () => {
      if (--depth <= 0) { depth = 0; zone.classList.remove("over"); }
    });
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => {
      e.preventDefault();
      depth = 0;
      zone.classList.remove("over");
      addFiles(e.dataTransfer && e.dataTransfer.files);
    });
  }

  wireEvents();
  applyLanguage();
  loadConfig();
})();
