// Render Adaptive Cards as Microsoft Teams (light theme) shows them, one PNG and height each.
//
// node render.mjs JOB.json OUT_DIR
//   JOB.json: {"cards": {"name": {"card": {...}, "images": ["data:image/png;base64,…"]}},
//              "width": 450, "scale": 2}
//   writes OUT_DIR/<name>.png and prints {"name": {"height", "cardHeight", "errors",
//   "warnings"}} as JSON. One headless Chromium serves every card of the job.
//
// The cards are parsed and drawn by Microsoft's own `adaptivecards` library, with a host
// config close to Teams' light theme (teams-host-config.json) and a markdown processor that
// follows Teams' card markdown: bold, italic, links, lists; no inline code, headings,
// quotes or tables (shown as typed); a single newline is no break (paragraphs need a blank
// line).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const HERE = new URL(".", import.meta.url).pathname;
const MODULES = join(HERE, "node_modules");
const CHROMIUM = process.env.SOC2BOT_CHROMIUM || "/usr/bin/chromium";
const HOST_CONFIG = JSON.parse(readFileSync(join(HERE, "teams-host-config.json"), "utf-8"));

// Teams draws buttons, cards and the chat around them with Fluent UI; the library leaves
// buttons to the host's CSS. Teams puts buttons that do not fit on a row onto the next one.
const CSS = `
  html, body { margin: 0; background: #F5F5F5; }
  #message { display: inline-block; padding: 12px; background: #F5F5F5; }
  #card { border: 1px solid #E0E0E0; border-radius: 6px; overflow: hidden; background: #FFF; }
  .ac-adaptiveCard { font-kerning: normal; }
  .ac-actionSet > div { flex-wrap: wrap; row-gap: 8px; }
  .ac-pushButton {
    font: 600 14px/20px 'Segoe UI', 'Open Sans', 'DejaVu Sans', sans-serif;
    min-height: 32px; padding: 5px 12px; border: 1px solid #D1D1D1; border-radius: 4px;
    background: #FFFFFF; color: #242424; cursor: pointer; white-space: nowrap;
    overflow: hidden; text-overflow: ellipsis; flex: 0 1 auto !important; max-width: 100%;
  }
  .ac-pushButton.style-positive { background: #5B5FC7; border-color: #5B5FC7; color: #FFF; }
  .ac-pushButton.style-destructive { color: #C4314B; }
  .ac-pushButton > div { overflow: hidden; text-overflow: ellipsis; }
  .ac-textBlock a { color: #5B5FC7; text-decoration: none; }
  .ac-textBlock p { margin: 0 0 8px 0; }
  .ac-textBlock ul, .ac-textBlock ol { margin: 0 0 8px 0; padding-left: 24px; }
  .attachment { display: block; margin-top: 8px; max-width: 100%; border-radius: 6px; }
`;

// Runs in the page: parse, validate and draw one card; report what the library said.
function drawCard(json, images, hostConfig, width) {
  const AC = window.AdaptiveCards;
  if (!window.teamsMarkdown) {
    const md = window.markdownit("zero", { linkify: true, breaks: false, html: false });
    md.enable(["list", "emphasis", "link", "escape", "entity", "newline", "linkify"]);
    window.teamsMarkdown = md;
    AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
      result.outputHtml = md.render(text);
      result.didProcess = true;
    };
  }
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(hostConfig);
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    events.push({ phase: "parse", event: AC.ValidationEvent[e.event], message: e.message });
  }
  for (const e of card.validateProperties().validationEvents) {
    events.push({ phase: "validate", event: AC.ValidationEvent[e.event], message: e.message });
  }
  const host = document.getElementById("card");
  host.replaceChildren();
  host.style.width = `${width}px`;
  const element = card.render();
  if (!element) {
    events.push({ phase: "render", event: "Other", message: "the card did not render" });
  } else {
    host.appendChild(element);
  }
  const shelf = document.getElementById("attachments");
  shelf.replaceChildren();
  shelf.style.width = `${width + 2}px`;
  for (const src of images) {
    const img = document.createElement("img");
    img.className = "attachment";
    img.src = src;
    shelf.appendChild(img);
  }
  return events;
}

function measure() {
  const height = (id) => Math.round(document.getElementById(id).getBoundingClientRect().height);
  return { height: height("message") - 24, cardHeight: height("card") };
}

// Severity as this gallery sees it: hints and deprecations are warnings, the rest errors.
const WARNINGS = new Set([
  "Hint", "Deprecated", "RequiredInputsShouldHaveLabel", "RequiredInputsShouldHaveErrorMessage",
]);

async function main() {
  const [jobFile, outDir] = process.argv.slice(2);
  const job = JSON.parse(readFileSync(jobFile, "utf-8"));
  const width = job.width || 450;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
      "--font-render-hinting=none"],
  });
  const results = {};
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: width + 40, height: 800, deviceScaleFactor: job.scale || 1 });
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head>` +
        `<body><div id="message"><div id="card"></div><div id="attachments"></div></div></body></html>`,
    );
    await page.addScriptTag({ path: join(MODULES, "markdown-it/dist/browser/markdown-it.umd.min.js") });
    await page.addScriptTag({ path: join(MODULES, "adaptivecards/dist/adaptivecards.min.js") });
    for (const [name, entry] of Object.entries(job.cards)) {
      const events = await page.evaluate(drawCard, entry.card, entry.images || [], HOST_CONFIG,
        width);
      await page.evaluate(async () => {
        await document.fonts.ready;
        await Promise.all([...document.images].map((i) => i.decode().catch(() => null)));
      });
      const sizes = await page.evaluate(measure);
      const shot = await (await page.$("#message")).screenshot({ type: "png" });
      writeFileSync(join(outDir, `${name}.png`), shot);
      results[name] = {
        ...sizes,
        errors: events.filter((e) => !WARNINGS.has(e.event)),
        warnings: events.filter((e) => WARNINGS.has(e.event)),
      };
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
