// Checks HTML pages in the system's headless Chromium, for tests/test_accessibility.py.
//
//   node check_pages.mjs CHROMIUM PROFILE_DIR TAGS [narrow:]PAGE.html [[narrow:]PAGE.html ...]
//
// For each page: axe-core with the rules of the given tags (comma separated) at a desktop width (and
// at 320 CSS pixels too for a page given as narrow:PAGE), and at 320 px (WCAG 1.4.10 Reflow: 1280 px
// at 400% zoom) whether the page itself scrolls sideways, naming what sticks out; and at a phone's
// width (390 px) which tables scroll sideways in their own region; at 1280 px, whether the register's
// column headings are in view when it is scrolled to its middle row. Prints one JSON document, an entry
// per page.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const [chromium, profile, tags, ...pages] = process.argv.slice(2);

const WIDTHS = [{ width: 1280, height: 900 }, { width: 320, height: 256 }];

// The flags of every Chromium the tests start: no network of its own, no first-run work, a fresh
// profile (PROFILE_DIR is made new by the caller).
const browser = await puppeteer.launch({
  executablePath: chromium,
  ignoreDefaultArgs: true,
  pipe: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "about:blank"],
  protocolTimeout: 600_000,
});

function overflow() {
  // Runs in the page: the page's own sideways scroll, and the elements that cause it (an element
  // inside a region that scrolls on its own does not make the page scroll).
  const root = document.scrollingElement || document.documentElement;
  const width = root.clientWidth;
  const culprits = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    // Sticking out of the page, or holding text wider than itself (a long word in a large heading).
    const wide = (box.right > width + 0.5 && box.width > 0) ||
                 (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1 &&
                  getComputedStyle(element).overflowX === "visible");
    if (!wide) continue;
    let scrolls = false;
    for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { scrolls = true; break; }
    }
    if (!scrolls) {
      const id = element.id ? `#${element.id}` : "";
      const cls = typeof element.className === "string" && element.className ? `.${element.className.split(" ")[0]}` : "";
      culprits.push(`${element.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(box.right)} px, ` +
                    `content ${element.scrollWidth} px wide in ${element.clientWidth} px)`);
    }
  }
  return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits: culprits.slice(0, 10) };
}

function registerHeadings() {
  // Runs in the page: the register scrolled to its middle row (the page and the register's own region
  // alike), as a reader half-way down it has it; whether every column heading is then in the window,
  // above that row and under nothing else.
  const table = document.querySelector("table.register-table");
  if (!table) return null;
  const rows = table.tBodies[0].rows;
  const middle = rows[Math.floor(rows.length / 2)];
  middle.scrollIntoView({ block: "center" });
  const head = table.tHead.rows[0];
  const seen = [...head.cells].every((cell) => {
    const box = cell.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    return x >= 0 && x < innerWidth && y >= 0 && y < innerHeight && cell.contains(document.elementFromPoint(x, y));
  });
  return { rows: rows.length, seen, headingsBottom: Math.round(head.getBoundingClientRect().bottom),
           rowTop: Math.round(middle.getBoundingClientRect().top) };
}

// A phone held upright: the tables whose region scrolls sideways there, with their columns.
const PHONE = { width: 390, height: 844 };

function scrolledTables() {
  // Runs in the page: each table scrolling in its own region, by its caption and number of columns.
  return [...document.querySelectorAll(".table-scroll")]
    .filter((region) => region.scrollWidth > region.clientWidth + 1)
    .map((region) => {
      const table = region.querySelector("table");
      return { caption: table.caption ? table.caption.textContent.trim() : "",
               columns: table.rows.length ? table.rows[0].cells.length : 0,
               width: region.scrollWidth, room: region.clientWidth };
    });
}

const report = [];
try {
  const tab = await browser.newPage();
  // The pack refers to nothing outside itself; anything it asks for is refused and reported.
  const requested = [];
  await tab.setRequestInterception(true);
  tab.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("about:")) request.continue();
    else { requested.push(url); request.abort(); }
  });
  for (const argument of pages) {
    const narrow = argument.startsWith("narrow:");
    const page = narrow ? argument.slice("narrow:".length) : argument;
    const entry = { page, violations: [], reflow: null, requested, narrowAxe: narrow };
    for (const size of WIDTHS) {
      await tab.setViewport(size);
      await tab.goto(pathToFileURL(page).href, { waitUntil: "load", timeout: 120_000 });
      if (size.width === 320) {
        entry.reflow = await tab.evaluate(overflow);
        await tab.setViewport(PHONE);
        entry.phone = await tab.evaluate(scrolledTables);
        await tab.setViewport(size);
      }
      if (size.width === 320 && !narrow) continue;
      await tab.addScriptTag({ path: AXE });
      const result = await tab.evaluate(async (values) => {
        // eslint-disable-next-line no-undef
        const outcome = await axe.run(document, { runOnly: { type: "tag", values }, resultTypes: ["violations"] });
        return outcome.violations.map((rule) => ({
          id: rule.id, impact: rule.impact, help: rule.help, count: rule.nodes.length,
          nodes: rule.nodes.slice(0, 5).map((node) => ({ target: node.target.join(" "), html: node.html.slice(0, 200),
                                                         summary: node.failureSummary })),
        }));
      }, tags.split(","));
      for (const rule of result) entry.violations.push({ ...rule, width: size.width });
      if (size.width === 1280) entry.registerHeadings = await tab.evaluate(registerHeadings);  // after axe: it scrolls
    }
    report.push(entry);
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report, null, 1));
