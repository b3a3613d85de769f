// Drives the upload page (GET / on the API port) in Debian's Chromium with playwright-core, the
// way a user does, and prints what it saw as JSON lines on stdout. tests/integration/
// test_web_page.py starts the server, runs this, and checks the observations against values it
// computes itself (PIL). Node holds no expectations about images; it fails only when the page
// cannot be driven (an element never appears, a wait times out).
//
// Protocol: one JSON object per line. {"event":"restart"} asks the test to restart the server
// (same ports; the first time with a larger upload limit, with "rotateKeys" under new keys) and
// waits for a line on stdin; the last line is {"event":"result", ...}.
//
// Input: the JSON plan in argv[2]:
//   {api, s3, jsDir, artifacts, picked: [path...], dropped: path, corrupt: path,
//    tooLarge: path, unsupported: path, refused: path, arabic: path, placeholder: path}
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";

const plan = JSON.parse(process.argv[2]);
const require = createRequire(join(plan.jsDir, "package.json"));
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const WAIT_MS = 180_000;

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

const TYPES = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp" };

// Everything the browser sent and every console error (a CSP violation is one).
function record(page, log) {
  log.pending = [];
  // The Content-Length the browser sent (Playwright's body size is 0 for a File in a form).
  page.on("requestfinished", (r) => log.pending.push(r.allHeaders().then((headers) => {
    log.requests.push({ method: r.method(), url: r.url(),
                        bodyBytes: Number(headers["content-length"] ?? 0) });
  })));
  page.on("requestfailed", (r) => log.requests.push({ method: r.method(), url: r.url(),
                                                      failed: r.failure()?.errorText }));
  page.on("console", (m) => { if (m.type() === "error") log.consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => log.pageErrors.push(String(e)));
}

// Keeps every value each progress bar takes, per file name.
async function watchProgress(page) {
  await page.evaluate(() => {
    window.__progress = {};
    new MutationObserver((mutations) => {
      for (const m of mutations) {
        const bar = m.target;
        if (bar.tagName !== "PROGRESS") continue;
        const name = bar.closest("li").querySelector("h3").textContent;
        (window.__progress[name] ||= []).push(Number(bar.value));
      }
    }).observe(document.getElementById("uploads"),
               { attributes: true, subtree: true, attributeFilter: ["value"] });
  });
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  return { label, violations: result };
}

async function waitSettled(page, count) {
  await page.waitForFunction((n) => {
    const items = [...document.querySelectorAll("#uploads > li")];
    return items.length === n && items.every((li) => ["done", "failed"].includes(li.dataset.state));
  }, count, { timeout: WAIT_MS });
  // Every variant image loaded (or failed to load: naturalWidth 0 shows it).
  await page.waitForFunction(() => [...document.querySelectorAll(".variants img")]
    .every((img) => img.complete), null, { timeout: WAIT_MS });
}

async function uploadsState(page) {
  return page.evaluate(() => [...document.querySelectorAll("#uploads > li")].map((li) => ({
    name: li.querySelector("h3").textContent,
    state: li.dataset.state,
    stateText: li.querySelector(".upload-state").textContent,
    progress: Number(li.querySelector("progress").value),
    progressSeen: window.__progress[li.querySelector("h3").textContent] || [],
    error: li.querySelector(".error").hidden ? "" : li.querySelector(".error").textContent,
    retryVisible: !li.querySelector(".retry").hidden,
    variants: [...li.querySelectorAll(".variants img")].map((img) => ({
      name: img.dataset.name, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
      src: img.src, caption: img.closest("button").querySelector(".caption").textContent,
    })),
  })));
}

async function dropFile(page, path) {
  const name = basename(path);
  const type = TYPES[name.split(".").pop().toLowerCase()];
  const b64 = readFileSync(path).toString("base64");
  await page.evaluate(({ name, type, b64 }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type }));
    const zone = document.getElementById("drop");
    for (const kind of ["dragenter", "dragover", "drop"]) {
      zone.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true,
                                                dataTransfer: data }));
    }
  }, { name, type, b64 });
}

// Tabs from the top of the page until `selector` has focus; returns its outline then.
async function tabTo(page, selector) {
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);
    if (hit) {
      return page.evaluate(() => {
        const st = getComputedStyle(document.activeElement);
        return { outlineStyle: st.outlineStyle, outlineWidth: st.outlineWidth,
                 focusVisible: document.activeElement.matches(":focus-visible") };
      });
    }
  }
  throw new Error(`Tab never reached ${selector}`);
}

// All text a user sees or hears: visible text nodes, labels, alternative texts, the title.
async function pageTexts(page) {
  return page.evaluate(() => {
    const out = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const parent = n.parentElement;
      if (!text || parent.closest("[hidden], script, style")) continue;
      if (parent.closest("option") && !parent.closest("option").selected &&
          parent.closest("select").id === "lang") continue;  // the other language's own name
      out.push(text);
    }
    for (const e of document.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
      for (const a of ["aria-label", "title", "alt", "placeholder"]) {
        if (e.getAttribute(a)) out.push(e.getAttribute(a));
      }
    }
    return out;
  });
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
const result = { axe: [], screenshots: [] };
mkdirSync(plan.artifacts, { recursive: true });
try {
  // ---------------------------------------------------------------- English, desktop
  const en = { requests: [], consoleErrors: [], pageErrors: [] };
  const context = await browser.newContext({ locale: "en-US",
                                             viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Turns on file-chooser interception now: enabled only on the first wait, it can lose the
  // race with the key press that opens the chooser.
  page.on("filechooser", () => {});
  record(page, en);
  const response = await page.goto(plan.api + "/");
  result.pageHeaders = response.headers();
  result.english = { lang: await page.getAttribute("html", "lang"),
                     dir: await page.getAttribute("html", "dir") };
  result.strings = await page.evaluate(() => window.IMGPIPE_STRINGS);
  await page.waitForFunction(() => document.getElementById("limit").textContent !== "");
  await watchProgress(page);
  result.axe.push(await axe(page, "en, empty, 1280 px"));

  // Options by keyboard: open them, then pick "inside" so variants keep the photos' shapes.
  await tabTo(page, "#options > summary");
  await page.keyboard.press("Enter");
  await page.selectOption("#opt-fit", "inside");

  // Three images picked with the keyboard: Tab to the button, Enter opens the file chooser.
  result.pickFocus = await tabTo(page, "#pick");
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"),
                                       page.keyboard.press("Enter")]);
  await chooser.setFiles(plan.picked);
  await waitSettled(page, plan.picked.length);

  // One dropped, with the default options (400, 200 and 100 pixel squares).
  await page.selectOption("#opt-fit", "cover");
  await dropFile(page, plan.dropped);
  await waitSettled(page, plan.picked.length + 1);

  // A variant card opens at full size, by keyboard; Escape closes and focus comes back.
  const card = page.locator("#uploads > li .variants button").first();
  await card.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("viewer").open);
  await page.waitForFunction(() => document.getElementById("viewer-img").complete);
  result.viewer = await page.evaluate(() => ({
    title: document.getElementById("viewer-title").textContent,
    naturalWidth: document.getElementById("viewer-img").naturalWidth,
    naturalHeight: document.getElementById("viewer-img").naturalHeight,
    cardCaption: document.querySelector("#uploads > li .variants .caption").textContent,
  }));
  await page.keyboard.press("Escape");
  result.viewer.closed = await page.evaluate(() => !document.getElementById("viewer").open);
  result.viewer.focusBack = await page.evaluate(
    () => document.activeElement === document.querySelector("#uploads > li .variants button"));

  // A corrupt image, one over the limit and one of a type the pipeline does not take.
  await page.setInputFiles("#files", [plan.corrupt, plan.tooLarge, plan.unsupported]);
  await waitSettled(page, plan.picked.length + 4);
  result.beforeRetry = await uploadsState(page);
  await page.waitForFunction(() => document.getElementById("announcer").textContent !== "");
  result.announced = await page.textContent("#announcer");
  result.axe.push(await axe(page, "en, results and errors, 1280 px"));
  result.screenshots.push(join(plan.artifacts, "web-desktop.png"));
  await page.screenshot({ path: result.screenshots.at(-1), fullPage: true });

  // The cause goes away (the server now takes larger files); Retry sends it.
  emit({ event: "restart" });
  await stdinLines.next();
  const tooLargeName = basename(plan.tooLarge);
  const retry = page.locator("#uploads > li", { hasText: tooLargeName }).locator(".retry");
  await retry.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction((name) => {
    const li = [...document.querySelectorAll("#uploads > li")]
      .find((e) => e.querySelector("h3").textContent === name);
    return li && ["done", "failed"].includes(li.dataset.state) &&
           [...li.querySelectorAll(".variants img")].every((i) => i.complete);
  }, tooLargeName, { timeout: WAIT_MS });
  result.afterRetry = await uploadsState(page);
  await Promise.all(en.pending);
  delete en.pending;
  result.englishLog = en;
  await context.close();

  // ---------------------------------------------------------------- the store refuses
  // The server's keys change between the presign and the POST (the POST is held until the
  // server is back with new keys). Retry presigns again and succeeds. A page of its own: while
  // a route holds requests, Playwright reports no request sizes, which the log above needs.
  const refusal = { requests: [], consoleErrors: [], pageErrors: [] };
  const refusalContext = await browser.newContext({ locale: "en-US" });
  const page2 = await refusalContext.newPage();
  record(page2, refusal);
  await page2.goto(plan.api + "/");
  await watchProgress(page2);
  let held = false;
  await page2.route(`${plan.s3}/uploads`, async (route) => {
    if (!held) {
      held = true;
      emit({ event: "restart", rotateKeys: true });
      await stdinLines.next();
    }
    await route.continue();
  });
  await page2.setInputFiles("#files", [plan.refused]);
  const refusedName = basename(plan.refused);
  const settledOne = (name) => page2.waitForFunction((n) => {
    const li = [...document.querySelectorAll("#uploads > li")]
      .find((e) => e.querySelector("h3").textContent === n);
    return li && ["done", "failed"].includes(li.dataset.state) &&
           [...li.querySelectorAll(".variants img")].every((i) => i.complete);
  }, name, { timeout: WAIT_MS });
  await settledOne(refusedName);
  result.refused = (await uploadsState(page2)).find((u) => u.name === refusedName);
  await page2.locator("#uploads > li", { hasText: refusedName }).locator(".retry").click();
  await settledOne(refusedName);
  result.refusedRetried = (await uploadsState(page2)).find((u) => u.name === refusedName);
  await Promise.all(refusal.pending);
  delete refusal.pending;
  result.refusalLog = refusal;
  await refusalContext.close();

  // ---------------------------------------------------------------- Arabic, phone width
  const ar = { requests: [], consoleErrors: [], pageErrors: [] };
  const phone = await browser.newContext({ locale: "ar-EG", viewport: { width: 375, height: 812 },
                                           deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const arPage = await phone.newPage();
  record(arPage, ar);
  await arPage.goto(plan.api + "/");
  await arPage.waitForFunction(() => document.getElementById("limit").textContent !== "");
  await watchProgress(arPage);
  result.arabic = { lang: await arPage.getAttribute("html", "lang"),
                    dir: await arPage.getAttribute("html", "dir") };
  await arPage.setInputFiles("#files", [plan.arabic, plan.corrupt]);
  await waitSettled(arPage, 2);
  await arPage.click("#options > summary");
  result.arabic.uploads = await uploadsState(arPage);
  result.arabic.texts = await pageTexts(arPage);
  result.arabic.scrollWidth = await arPage.evaluate(() => document.documentElement.scrollWidth);
  result.axe.push(await axe(arPage, "ar, results, 375 px"));
  result.screenshots.push(join(plan.artifacts, "web-phone-ar.png"));
  await arPage.screenshot({ path: result.screenshots.at(-1), fullPage: true });

  // The switch: English on the same page, still at phone width.
  await arPage.selectOption("#lang", "en");
  result.switched = { lang: await arPage.getAttribute("html", "lang"),
                      dir: await arPage.getAttribute("html", "dir"),
                      heading: await arPage.textContent("h1"),
                      firstState: await arPage.textContent("#uploads > li .upload-state") };
  result.switched.scrollWidth = await arPage.evaluate(() => document.documentElement.scrollWidth);
  result.axe.push(await axe(arPage, "en, results, 375 px"));
  result.screenshots.push(join(plan.artifacts, "web-phone-en.png"));
  await arPage.screenshot({ path: result.screenshots.at(-1), fullPage: true });
  await Promise.all(ar.pending);
  delete ar.pending;
  result.arabicLog = ar;
  await phone.close();

  // ---------------------------------------------------------------- placeholders
  // The variants' GETs are held back, so the page must show each image's placeholder until they
  // arrive; then the variants replace them.
  const phContext = await browser.newContext({ locale: "en-US",
                                               viewport: { width: 1280, height: 900 } });
  const phPage = await phContext.newPage();
  const heldVariants = [];
  let holding = true;
  await phPage.route((url) => url.pathname.startsWith("/resized/"), (route) => {
    if (holding) heldVariants.push(route);
    else route.continue();
  });
  await phPage.goto(plan.api + "/");
  await phPage.waitForFunction(() => document.getElementById("limit").textContent !== "");
  await phPage.setInputFiles("#files", [plan.placeholder]);
  await phPage.waitForFunction(() => {
    const li = document.querySelector("#uploads > li");
    return li && li.dataset.state === "done" && li.querySelectorAll(".variants img").length > 0;
  }, null, { timeout: WAIT_MS });
  const frames = () => phPage.evaluate(() =>
    [...document.querySelectorAll("#uploads > li .variants .frame")].map((frame) => {
      const canvas = frame.querySelector("canvas.placeholder");
      const img = frame.querySelector("img");
      let mean = null;
      if (canvas) {
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        mean = [0, 0, 0];
        for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) mean[c] += data[i + c];
        mean = mean.map((m) => m / (data.length / 4));
      }
      const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
      return {
        hasCanvas: !!canvas,
        canvasVisible: !!canvas && getComputedStyle(canvas).visibility === "visible",
        canvasBox: canvas ? box(canvas) : null,
        canvasSize: canvas ? [canvas.width, canvas.height] : null,
        canvasMean: mean,
        background: getComputedStyle(frame).backgroundColor,
        imgOpacity: getComputedStyle(img).opacity,
        imgBox: box(img),
        imgComplete: img.complete && img.naturalWidth > 0,
      };
    }));
  result.placeholder = { whileLoading: await frames() };
  result.screenshots.push(join(plan.artifacts, "web-placeholders-loading.png"));
  await phPage.screenshot({ path: result.screenshots.at(-1), fullPage: true });
  result.placeholder.heldRequests = heldVariants.length;
  holding = false;
  for (const route of heldVariants) await route.continue();
  await phPage.waitForFunction(() =>
    [...document.querySelectorAll("#uploads > li .variants .frame")]
      .every((f) => f.classList.contains("loaded")), null, { timeout: WAIT_MS });
  result.placeholder.loaded = await frames();
  result.screenshots.push(join(plan.artifacts, "web-placeholders-loaded.png"));
  await phPage.screenshot({ path: result.screenshots.at(-1), fullPage: true });
  await phContext.close();
} finally {
  await browser.close();
}
emit({ event: "result", ...result });
process.exit(0);
