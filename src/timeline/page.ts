// The timeline as a picture: one self-contained HTML page (no external assets, no network) with an
// SVG sequence diagram, a lane per app; hover an event for a summary, click it for its envelope and
// the app's answer; filter by topic and by event id.
import type { TimelineEvent } from './model.js';
import { renderTimelinePage } from './page-script.js';

export interface PageOptions {
  /** `dead-letters: 2 passed, 2 failed`. */
  title: string;
  /** A line under the title: when and where it ran. */
  subtitle?: string;
  events: TimelineEvent[];
}

export function timelinePage({ title, subtitle, events }: PageOptions): string {
  // `</script>` inside the JSON would end the script element early.
  const data = JSON.stringify({ events }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — timeline</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(title)}</h1>
  ${subtitle ? `<p class="subtitle">${escapeHtml(subtitle)}</p>` : ''}
  <form class="filters" onsubmit="return false">
    <label>Topic <select id="topic"><option value="">all topics</option></select></label>
    <label>Event id <input id="event-id" type="search" placeholder="any" size="38"></label>
    <label><input id="show-state" type="checkbox"> state calls</label>
    <span class="legend"><b class="ok">SUCCESS</b> acknowledged · <b class="retry">RETRY</b> retried · <b class="drop">DROP</b> dropped ·
      ✗ dead-lettered · broker at the end: ✓ acknowledged, ! pending, ○ never read ·
      click an event for its envelope and the app's answer</span>
  </form>
</header>
<main>
  <div id="diagram" aria-label="sequence diagram"></div>
  <aside id="details" hidden><button id="close-details" type="button" aria-label="close">×</button><div id="details-body"></div></aside>
</main>
<script type="application/json" id="timeline-data">${data}</script>
<script>
${KEEP_NAMES_SHIM}
${renderTimelinePage.toString()}
renderTimelinePage(document);
</script>
</body>
</html>
`;
}

/**
 * Under tsx and vitest the script's source comes through esbuild with keepNames, which wraps
 * functions in `__name(fn, "name")`; tsc's build (what the CLI runs) does not.
 */
const KEEP_NAMES_SHIM = 'var __name = function (fn) { return fn; };';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #24292f; background: #fff; }
header { padding: 12px 20px; border-bottom: 1px solid #d0d7de; position: sticky; top: 0; background: #f6f8fa; z-index: 1; }
h1 { font-size: 18px; margin: 0 0 2px; }
.subtitle { margin: 0 0 8px; color: #57606a; }
.filters { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; }
.legend { color: #57606a; font-size: 12px; }
.ok { color: #1a7f37; } .retry { color: #b26a00; } .drop { color: #cf222e; }
#diagram { overflow: auto; padding: 8px 0; }
#details { width: min(420px, 90vw); position: fixed; right: 0; top: 0; bottom: 0; overflow: auto; padding: 0 16px; z-index: 2;
  background: #fff; border-left: 1px solid #d0d7de; box-shadow: -4px 0 12px rgba(31, 35, 40, 0.12); font-size: 12px; }
#details[hidden] { display: none; }
#close-details { float: right; margin-top: 10px; font-size: 18px; line-height: 1; border: 0; background: none; cursor: pointer; color: #57606a; }
#details h2 { font-size: 14px; }
#details pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 8px; border-radius: 6px; }
svg text { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.lane-head { fill: #ddf4ff; stroke: #54aeff; }
.lane-name { font-weight: 600; }
.lane-line { stroke: #8c959f; stroke-dasharray: 4 4; }
.row-hit { fill: transparent; }
.event:hover .row-hit, .event:focus .row-hit { fill: #f6f8fa; }
.event.selected .row-hit { fill: #fff8c5; }
.event { cursor: pointer; outline: none; }
.time { fill: #57606a; font-size: 12px; }
.arrow { stroke-width: 2; fill: none; }
.publish-dot { fill: #0969da; }
.state-mark { fill: #8250df; }
.mark { font-size: 18px; font-weight: 700; }
.mark.fail { fill: #cf222e; }
.broker-acked { fill: #1a7f37; } .broker-pending { fill: #b26a00; } .broker-unread { fill: #8c959f; }
`;
