// Checks HTML pages in the system's headless Chromium, for tests/test_accessibility.py.
//
//   node check_pages.mjs CHROMIUM PROFILE_DIR TAGS [narrow:|keys:|text:]PAGE.html [[narrow:|keys:|text:]PAGE.html ...]
//
// For each page: axe-core with the rules of the given tags (comma separated) at a desktop width (and
// at 320 CSS pixels too for a page given as narrow:PAGE), and at 320 px (WCAG 1.4.10 Reflow: 1280 px
// at 400% zoom) whether the page itself scrolls sideways, naming what sticks out; and at a phone's
// width (390 px) which tables scroll sideways in their own region; at 1280 px, whether the register's
// column headings are in view when it is scrolled to its middle row. A page given as keys:PAGE is
// walked with the keyboard instead: at 1280 px, Tab forwards then Shift+Tab back through every link of
// each table region that scrolls down (where its column headings stay at its top), noting each focused
// link that its headings (or anything else) cover, and, at 1280 and 780 px, each region whose headings
// stand taller than the room it keeps above such a link. A page given as text:PAGE gives, at 1280 px, the
// text of each table cell as the browser renders it (innerText: lines where the page shows them on lines
// of their own). Prints one JSON document, an entry per page.
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

function longRegions() {
  // Runs in the page: the table regions that scroll down and hold a link, each numbered for the walk.
  return [...document.querySelectorAll(".table-scroll")]
    .map((region, index) => { region.dataset.walk = index; return region; })
    .filter((region) => region.scrollHeight > region.clientHeight + 1 && region.querySelector("a"))
    .map((region) => ({ walk: region.dataset.walk,
                        label: region.getAttribute("aria-labelledby") || region.getAttribute("aria-label") }));
}

function focusedInRegion(walk) {
  // Runs in the page: the focused element, when it is in the region (and not the region itself), and
  // whether each of its lines is seen: the element itself is what the window shows at the line's centre.
  const region = document.querySelector(`[data-walk="${walk}"]`);
  const focused = document.activeElement;
  if (!focused || focused === region || !region.contains(focused)) return null;
  const covered = [...focused.getClientRects()].some((line) => {
    const shown = document.elementFromPoint(line.left + line.width / 2, line.top + line.height / 2);
    return !(shown && focused.contains(shown));
  });
  const box = focused.getBoundingClientRect();
  return { text: focused.textContent.trim().replace(/\s+/g, " "), covered, top: Math.round(box.top),
           headingsBottom: Math.round(region.querySelector("thead th")?.getBoundingClientRect().bottom ?? 0) };
}

function headingsOverPadding() {
  // Runs in the page: the regions whose column headings stand taller than the room their region keeps
  // for them above a focused link (its scroll-padding), by name.
  return [...document.querySelectorAll(".table-scroll")].flatMap((region) => {
    const head = region.querySelector(":scope > table > thead");
    const room = parseFloat(getComputedStyle(region).scrollPaddingTop) || 0;
    const tall = head ? head.getBoundingClientRect().height : 0;
    return tall > room ? [`${region.getAttribute("aria-labelledby") || region.getAttribute("aria-label")} ` +
                          `(headings ${Math.round(tall)} px, room ${Math.round(room)} px at ${innerWidth} px)`] : [];
  });
}

async function walkKeyboard(tab) {
  // Tab from each long region through its links and out, then Shift+Tab back through them.
  const walked = [];
  for (const { walk, label } of await tab.evaluate(longRegions)) {
    const entry = { label, forward: 0, backward: 0, covered: [] };
    await tab.evaluate((walk) => { const region = document.querySelector(`[data-walk="${walk}"]`); region.scrollTop = 0; region.focus(); }, walk);
    for (const [keys, way] of [[["Tab"], "forward"], [["Shift", "Tab"], "backward"]]) {
      for (;;) {
        await tab.keyboard.down(keys[0]);
        if (keys.length > 1) await tab.keyboard.press(keys[1]);
        await tab.keyboard.up(keys[0]);
        const focused = await tab.evaluate(focusedInRegion, walk);
        if (!focused) break;
        entry[way] += 1;
        if (focused.covered) entry.covered.push({ ...focused, way });
      }
    }
    walked.push(entry);
  }
  return walked;
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
    const [, mode = "", page] = argument.match(/^(?:(narrow|keys|text):)?(.*)$/s);
    const narrow = mode === "narrow";
    const entry = { page, violations: [], reflow: null, requested, narrowAxe: narrow };
    if (mode === "keys") {
      await tab.setViewport(WIDTHS[0]);
      await tab.goto(pathToFileURL(page).href, { waitUntil: "load", timeout: 120_000 });
      entry.keyboard = await walkKeyboard(tab);
      entry.headingsOverPadding = await tab.evaluate(headingsOverPadding);
      await tab.setViewport({ width: 780, height: WIDTHS[0].height });  // the narrowest that keeps them at the top
      entry.headingsOverPadding.push(...await tab.evaluate(headingsOverPadding));
      report.push(entry);
      continue;
    }
    if (mode === "text") {
      await tab.setViewport(WIDTHS[0]);
      await tab.goto(pathToFileURL(page).href, { waitUntil: "load", timeout: 120_000 });
      entry.cells = await tab.evaluate(() => [...document.querySelectorAll("td")].map((cell) => cell.innerText));
      report.push(entry);
      continue;
    }
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
