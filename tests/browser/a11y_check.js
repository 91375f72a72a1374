// An axe-style check of the <horizon-chat> widget, run in the page: names, roles, live region, contrast.
// Returns a list of problems (empty when all is well). Only visible elements are checked.
(host) => {
  const root = host.shadowRoot;
  const problems = [];
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const text = (el) => (el ? el.textContent.replace(/\s+/g, " ").trim() : "");
  const describe = (el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + ` "${text(el).slice(0, 30)}"`;

  function accessibleName(el) {
    if (el.getAttribute("aria-labelledby")) {
      return el.getAttribute("aria-labelledby").split(/\s+/).map((id) => text(root.getElementById(id))).join(" ").trim();
    }
    if (el.getAttribute("aria-label")) return el.getAttribute("aria-label").trim();
    if (el.id && root.querySelector(`label[for="${el.id}"]`)) return text(root.querySelector(`label[for="${el.id}"]`));
    if (el.closest("label")) return text(el.closest("label"));
    if (el.tagName === "IMG") return (el.getAttribute("alt") || "").trim();
    if (el.tagName !== "INPUT") return text(el) || (el.getAttribute("title") || "").trim();
    return (el.getAttribute("title") || "").trim();
  }

  for (const el of root.querySelectorAll("button, input, textarea, select, a[href], [role=button], [role=dialog], [role=log], img")) {
    if (!visible(el)) continue;
    if (!accessibleName(el)) problems.push(`no accessible name: ${describe(el)}`);
  }
  for (const img of root.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("image without alt attribute");
  }
  const logs = root.querySelectorAll("[role=log]");
  if (logs.length !== 1) problems.push(`expected one role=log, found ${logs.length}`);
  for (const log of logs) {
    if (log.getAttribute("aria-live") !== "polite") problems.push("the log is not aria-live=polite");
  }
  const bubble = root.querySelector(".bubble");
  if (!bubble || !bubble.hasAttribute("aria-expanded")) problems.push("the bubble does not tell whether the chat is open");
  const input = root.querySelector("input");
  if (input && !root.querySelector(`label[for="${input.id}"]`)) problems.push("the input has no <label>");

  // ---- contrast (WCAG 2.x relative luminance; AA: 4.5:1, 3:1 for large text) ----
  const parse = (color) => {
    const m = color.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [r, g, b, a];
  };
  const blend = ([r, g, b, a], [R, G, B]) => [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a), 1];
  const parentOf = (el) => el.parentElement || (el.getRootNode() instanceof ShadowRoot ? el.getRootNode().host : null);
  function background(el) {
    const layers = [];
    for (let node = el; node; node = parentOf(node)) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) {
        layers.push(bg);
        if (bg[3] === 1) break;
      }
    }
    return layers.reduceRight((under, layer) => blend(layer, under), [255, 255, 255, 1]);
  }
  const luminance = ([r, g, b]) => {
    const lin = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const checked = [];
  function checkContrast(el, color, what) {
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const bg = background(el);
    const fg = blend(parse(color), bg);
    const value = ratio(fg, bg);
    checked.push({ what, value: Math.round(value * 100) / 100 });
    if (value < (large ? 3 : 4.5)) problems.push(`contrast ${value.toFixed(2)}:1 of ${what}`);
  }
  for (const el of root.querySelectorAll("*")) {
    if (!visible(el) || ["STYLE", "svg", "path"].includes(el.tagName)) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (ownText) checkContrast(el, getComputedStyle(el).color, describe(el));
    if (el.tagName === "BUTTON" && el.querySelector("svg")) checkContrast(el, getComputedStyle(el).color, "icon of " + describe(el));
  }
  if (input && visible(input)) checkContrast(input, getComputedStyle(input, "::placeholder").color, "the input's placeholder");
  return { problems, checked };
}
