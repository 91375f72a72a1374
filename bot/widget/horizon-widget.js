/*!
 * Horizon chat widget: a chat bubble for the 11.11.11 assistant, as a <horizon-chat> custom element.
 * Embed: <script src="https://ASSISTANT/widget/horizon-widget.js" defer></script> <horizon-chat></horizon-chat>
 * Plain JS, no build step. Loads the vendored socket.io client from ./vendor/ on first use.
 * Message text is always rendered as text nodes; markdown and links are built as DOM nodes.
 */
(() => {
  "use strict";

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const STORE = "horizon-chat:";
  const MAX_LOG = 100;
  const TYPING_TIMEOUT_MS = 20000;
  const MAX_INPUT = 1000;

  const STRINGS = {
    nl: {
      title: "Horizon, de assistent van 11.11.11",
      open: "Open de chat met Horizon",
      close: "Chat sluiten",
      restart: "Nieuw gesprek",
      log: "Gesprek met Horizon",
      you: "Jij: ",
      bot: "Horizon: ",
      input: "Je bericht aan Horizon",
      placeholder: "Typ je vraag…",
      send: "Verstuur",
      typing: "Horizon is aan het typen…",
      choices: "Keuzes",
      image: "Afbeelding van Horizon",
      results: "Resultaten",
      offline: "Horizon is even niet bereikbaar. We proberen opnieuw te verbinden…",
      notice: "Horizon is een digitale assistent. Je gesprek wordt bewaard in deze browser en op onze server; deel geen gevoelige persoonsgegevens.",
      privacy: "Privacyverklaring",
      newWindow: " (opent in een nieuw venster)",
    },
    en: {
      title: "Horizon, the 11.11.11 assistant",
      open: "Open the chat with Horizon",
      close: "Close chat",
      restart: "New conversation",
      log: "Conversation with Horizon",
      you: "You: ",
      bot: "Horizon: ",
      input: "Your message to Horizon",
      placeholder: "Type your question…",
      send: "Send",
      typing: "Horizon is typing…",
      choices: "Choices",
      image: "Image from Horizon",
      results: "Results",
      offline: "Horizon cannot be reached right now. Trying to reconnect…",
      notice: "Horizon is a digital assistant. Your conversation is kept in this browser and on our server; please do not share sensitive personal data.",
      privacy: "Privacy notice",
      newWindow: " (opens in a new window)",
    },
  };

  /* ---------- safe rendering: text nodes only, links for http(s)/mailto only ---------- */

  /** Returns an http(s)/mailto URL (absolute, or resolved against base), or null for anything else. */
  function safeUrl(raw, allowMail = true, base = undefined) {
    if (typeof raw !== "string" || !raw.trim()) return null;
    try {
      const url = new URL(raw.trim(), base);
      const ok = url.protocol === "https:" || url.protocol === "http:" || (allowMail && url.protocol === "mailto:");
      return ok ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) node.append(child); // strings become text nodes
    return node;
  }

  function link(href, label, strings) {
    const external = !href.startsWith("mailto:");
    const anchor = el("a", external ? { href, target: "_blank", rel: "noopener noreferrer" } : { href }, label);
    if (external) anchor.append(el("span", { class: "sr" }, strings.newWindow));
    return anchor;
  }

  // **bold**, [label](url), bare http(s) URLs and e-mail addresses.
  const INLINE = /\*\*(.+?)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)'])|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

  /** Appends one line of simple markdown to parent as DOM nodes. */
  function appendInline(parent, text, strings) {
    let last = 0;
    for (const m of text.matchAll(INLINE)) {
      parent.append(text.slice(last, m.index));
      last = m.index + m[0].length;
      const [whole, bold, label, target, bare, mail] = m;
      if (bold !== undefined) {
        const strong = el("strong");
        appendInline(strong, bold, strings);
        parent.append(strong);
        continue;
      }
      const href = safeUrl(label !== undefined ? target : bare !== undefined ? bare : "mailto:" + mail);
      parent.append(href ? link(href, label !== undefined ? label : bare || mail, strings) : whole);
    }
    parent.append(text.slice(last));
  }

  /** Renders message text: one line per "\n", simple markdown within lines. */
  function richText(text, strings) {
    const block = el("p", { class: "text" });
    String(text).split("\n").forEach((line, i) => {
      if (i > 0) block.append(el("br"));
      appendInline(block, line, strings);
    });
    return block;
  }

  /* ---------- colours: validate attributes and check contrast ---------- */

  function parseRgb(color) {
    const probe = el("span");
    probe.style.color = color;
    document.body.append(probe);
    const rgb = getComputedStyle(probe).color.match(/[\d.]+/g);
    probe.remove();
    return rgb ? rgb.slice(0, 3).map(Number) : null;
  }

  function luminance([r, g, b]) {
    const lin = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  /* ---------- storage that survives private mode ---------- */

  function stored(area, key, value) {
    try {
      const storage = window[area];
      if (value === undefined) return storage.getItem(STORE + key);
      if (value === null) storage.removeItem(STORE + key);
      else storage.setItem(STORE + key, value);
    } catch (_) { /* storage unavailable: the widget still works, without persistence */ }
    return null;
  }

  let socketIoPromise = null;
  function loadSocketIo() {
    if (window.io) return Promise.resolve(window.io);
    socketIoPromise = socketIoPromise || new Promise((resolve, reject) => {
      const tag = el("script", { src: new URL("vendor/socket.io.min.js", SCRIPT_URL).href, async: true });
      tag.onload = () => resolve(window.io);
      tag.onerror = () => { socketIoPromise = null; reject(new Error("socket.io client did not load")); };
      document.head.append(tag);
    });
    return socketIoPromise;
  }

  const ICON_CHAT = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 2-2z"/></svg>';
  const ICON_CLOSE = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"/></svg>';
  const ICON_RESTART = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 5V2L7 6l5 4V7a5 5 0 1 1-5 5H5a7 7 0 1 0 7-7z"/></svg>';
  const ICON_SEND = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z"/></svg>';

  const STYLE = `
    :host { --hz-primary: #1f4e79; --hz-text: #ffffff; --hz-ink: #1a1a1a; --hz-bot-bg: #f0f2f4;
      --hz-link: #174a7c; position: fixed; bottom: 16px; right: 16px; z-index: 2147483000;
      font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--hz-ink); }
    :host([position="left"]) { right: auto; left: 16px; }
    * { box-sizing: border-box; }
    .sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
    button, input { font: inherit; }
    :focus-visible { outline: 3px solid var(--hz-ink); outline-offset: 2px; }
    .bubble:focus-visible { outline-offset: 3px; box-shadow: 0 0 0 3px #fff; } /* visible on any page */
    header :focus-visible { outline-color: var(--hz-text); outline-offset: -6px; }
    .bubble { width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer;
      background: var(--hz-primary); color: var(--hz-text); box-shadow: 0 2px 10px rgba(0,0,0,.3);
      display: grid; place-items: center; }
    .panel { display: none; flex-direction: column; width: min(380px, calc(100vw - 32px));
      height: min(600px, calc(100vh - 32px)); background: #fff; border-radius: 12px; overflow: hidden;
      box-shadow: 0 6px 28px rgba(0,0,0,.3); }
    :host([data-open]) .panel { display: flex; }
    :host([data-open]) .bubble { display: none; }
    header { display: flex; align-items: center; gap: 4px; padding: 8px 8px 8px 16px;
      background: var(--hz-primary); color: var(--hz-text); }
    header h2 { flex: 1; margin: 0; font-size: 1rem; font-weight: 600; }
    header button { width: 44px; height: 44px; border: 0; border-radius: 8px; background: transparent;
      color: var(--hz-text); cursor: pointer; display: grid; place-items: center; }
    header button:hover { background: rgba(255,255,255,.15); }
    .log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
    .msg { max-width: 85%; padding: 8px 12px; border-radius: 12px; overflow-wrap: anywhere; }
    .msg p { margin: 0; }
    .bot { align-self: flex-start; background: var(--hz-bot-bg); border-bottom-left-radius: 4px; }
    .user { align-self: flex-end; background: var(--hz-primary); color: var(--hz-text); border-bottom-right-radius: 4px; }
    .bot a, .card a { color: var(--hz-link); text-decoration: underline; }
    .msg img { display: block; max-width: 100%; border-radius: 8px; }
    .choices { display: flex; flex-wrap: wrap; gap: 6px; align-self: flex-start; max-width: 100%; }
    .choices button { min-height: 44px; padding: 6px 14px; border: 2px solid var(--hz-primary);
      border-radius: 22px; background: #fff; color: var(--hz-ink); cursor: pointer; text-align: left; }
    .choices button:hover { background: var(--hz-bot-bg); }
    .cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; align-self: stretch; }
    .card { border: 1px solid #c4c9ce; border-radius: 10px; padding: 10px 12px; background: #fff; }
    .card p { margin: 0; overflow-wrap: anywhere; }
    .card .title { font-weight: 600; }
    .card .subtitle { color: #4a5561; font-size: .9rem; }
    .status { padding: 0 12px; min-height: 0; color: #4a5561; font-size: .9rem; }
    .status:not(:empty) { padding: 4px 12px; }
    .dots::after { content: ""; display: inline-block; width: 1.5em; text-align: left; animation: dots 1.2s steps(4) infinite; }
    @keyframes dots { 0% { content: ""; } 25% { content: "."; } 50% { content: ".."; } 75% { content: "..."; } }
    @media (prefers-reduced-motion: reduce) { .dots::after { animation: none; } }
    form { display: flex; gap: 8px; padding: 8px 12px; border-top: 1px solid #c4c9ce; }
    input { flex: 1; min-width: 0; min-height: 44px; padding: 8px 12px; border: 2px solid #6b7680;
      border-radius: 8px; color: var(--hz-ink); background: #fff; }
    form button { min-width: 44px; min-height: 44px; border: 0; border-radius: 8px;
      background: var(--hz-primary); color: var(--hz-text); cursor: pointer; display: grid; place-items: center; }
    footer { padding: 0 12px 8px; font-size: .8rem; color: #4a5561; }
    footer a { color: var(--hz-link); }
    @media (max-width: 480px) {
      :host([data-open]) { inset: 0; }
      :host([data-open]) .panel { width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
    }
  `;

  class HorizonChat extends HTMLElement {
    static get observedAttributes() { return ["primary-color", "text-color", "chat-title", "privacy-url"]; }

    connectedCallback() {
      if (this.shadowRoot) return;
      const lang = (this.getAttribute("lang") || document.documentElement.lang || "nl").slice(0, 2).toLowerCase();
      this.language = lang === "en" ? "en" : "nl";
      this.strings = STRINGS[this.language];
      this.socket = null;
      this.connecting = false;
      this.sessionId = stored("localStorage", "session");
      this.entries = [];
      this.pending = [];
      this.build();
      this.applyColours();
      this.restoreLog();
      if (stored("sessionStorage", "open") === "1") this.open(false);
    }

    attributeChangedCallback(name) {
      if (!this.shadowRoot) return;
      if (name.endsWith("-color")) this.applyColours();
      else this.renderChrome();
    }

    /* ----- DOM ----- */

    build() {
      const s = this.strings;
      const root = this.attachShadow({ mode: "open" });
      root.append(el("style", {}, STYLE));
      this.bubble = el("button", {
        class: "bubble", type: "button", "aria-expanded": "false", "aria-controls": "hz-panel", "aria-label": s.open,
      });
      this.bubble.innerHTML = ICON_CHAT; // static markup, no message content
      this.heading = el("h2", { id: "hz-title" });
      this.restartButton = el("button", { type: "button", "aria-label": s.restart, title: s.restart });
      this.restartButton.innerHTML = ICON_RESTART;
      this.closeButton = el("button", { type: "button", "aria-label": s.close, title: s.close });
      this.closeButton.innerHTML = ICON_CLOSE;
      // tabindex: the log scrolls, so keyboard users must be able to reach it.
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": s.log, tabindex: "0" });
      this.status = el("div", { class: "status", role: "status" });
      this.input = el("input", {
        id: "hz-input", type: "text", autocomplete: "off", maxlength: String(MAX_INPUT),
        placeholder: s.placeholder, enterkeyhint: "send",
      });
      const send = el("button", { type: "submit", "aria-label": s.send, title: s.send });
      send.innerHTML = ICON_SEND;
      this.form = el("form", {}, el("label", { class: "sr", for: "hz-input" }, s.input), this.input, send);
      this.footer = el("footer");
      this.panel = el("section", { class: "panel", id: "hz-panel", role: "dialog", "aria-labelledby": "hz-title" },
        el("header", {}, this.heading, this.restartButton, this.closeButton),
        this.log, this.status, this.form, this.footer);
      root.append(this.bubble, this.panel);
      this.renderChrome();

      this.bubble.addEventListener("click", () => this.open(true));
      this.closeButton.addEventListener("click", () => this.close());
      this.restartButton.addEventListener("click", () => this.restart());
      this.panel.addEventListener("keydown", (event) => {
        if (event.key === "Escape") { event.preventDefault(); this.close(); }
      });
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = this.input.value.trim();
        if (!text) return;
        this.input.value = "";
        this.say(text, text);
      });
    }

    renderChrome() {
      const s = this.strings;
      this.heading.textContent = this.getAttribute("chat-title") || s.title;
      this.footer.replaceChildren(s.notice);
      const privacy = safeUrl(this.getAttribute("privacy-url"), false, location.href);
      if (privacy) this.footer.append(" ", link(privacy, s.privacy, s));
    }

    applyColours() {
      const pairs = { "primary-color": "--hz-primary", "text-color": "--hz-text" };
      for (const [attr, prop] of Object.entries(pairs)) {
        const value = this.getAttribute(attr);
        if (value && CSS.supports("color", value)) this.style.setProperty(prop, value);
        else if (value) console.warn(`horizon-chat: ignoring invalid ${attr} "${value}"`);
      }
      const styles = getComputedStyle(this);
      const primary = parseRgb(styles.getPropertyValue("--hz-primary").trim());
      const text = parseRgb(styles.getPropertyValue("--hz-text").trim());
      if (primary && text && contrast(primary, text) < 4.5) {
        console.warn("horizon-chat: primary-color and text-color contrast is below 4.5:1 (WCAG AA)");
      }
    }

    /* ----- opening and closing ----- */

    open(focus) {
      this.setAttribute("data-open", "");
      this.bubble.setAttribute("aria-expanded", "true");
      stored("sessionStorage", "open", "1");
      if (focus) this.input.focus();
      this.scrollDown();
      this.connect();
    }

    close() {
      this.removeAttribute("data-open");
      this.bubble.setAttribute("aria-expanded", "false");
      stored("sessionStorage", "open", null);
      this.bubble.focus();
    }

    restart() {
      this.forget();
      stored("localStorage", "session", null);
      this.sessionId = null;
      this.input.focus();
      if (this.socket && this.socket.connected) this.socket.emit("session_request", { session_id: null });
    }

    /* ----- connection ----- */

    async connect() {
      if (this.socket || this.connecting) return;
      this.connecting = true;
      let io;
      try {
        io = await loadSocketIo();
      } catch (_) {
        this.status.textContent = this.strings.offline; // opening the chat again retries
        return;
      } finally {
        this.connecting = false;
      }
      const server = this.getAttribute("server-url") || new URL(SCRIPT_URL).origin;
      const socket = io(server, { path: this.getAttribute("socket-path") || "/socket.io/" });
      this.socket = socket;
      socket.on("connect", () => {
        this.status.textContent = "";
        socket.emit("session_request", { session_id: this.sessionId });
      });
      socket.on("connect_error", () => { this.status.textContent = this.strings.offline; });
      socket.on("session_confirm", (id) => this.confirmSession(id));
      socket.on("bot_uttered", (message) => this.receive(message));
    }

    /** The server confirmed a session: the stored one (a reload) or a new one (then greet). */
    confirmSession(id) {
      const fresh = id !== this.sessionId;
      if (fresh && this.sessionId) this.forget(); // the server did not accept the stored session
      this.sessionId = id;
      stored("localStorage", "session", id);
      this.persist();
      if (fresh) this.send("/greet");
      this.pending.splice(0).forEach((text) => this.send(text));
    }

    metadata() {
      // capabilities: this widget shows the {"cards": [...]} payload itself (actions/initiatives.py result_forms)
      return { language: this.language, path: location.pathname, capabilities: ["cards"] };
    }

    /** Shows the user's words (label) and sends text (a typed message or a button's payload). */
    say(label, text) {
      this.record({ who: "user", text: label });
      if (this.sessionId && this.socket && this.socket.connected) this.send(text);
      else this.pending.push(text);
    }

    send(text) {
      this.socket.emit("user_uttered", { message: text, session_id: this.sessionId, metadata: this.metadata() });
      this.setTyping(true);
    }

    receive(message) {
      if (!message || typeof message !== "object") return;
      this.setTyping(false);
      this.record({ who: "bot", message });
    }

    setTyping(on) {
      clearTimeout(this.typingTimer);
      this.status.replaceChildren(on ? el("span", { class: "dots" }, this.strings.typing) : "");
      if (on) this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_TIMEOUT_MS);
    }

    /* ----- the conversation log ----- */

    /*
     * History lives in this browser (localStorage, the last MAX_LOG entries of the current session), not in
     * Rasa's tracker: it needs no HTTP API (which production protects with a token), shows exactly what the
     * person saw, and stays on their device.
     */
    record(entry) {
      this.entries.push(entry);
      this.persist();
      this.render(entry);
    }

    persist() {
      if (!this.sessionId) return;
      stored("localStorage", "log:" + this.sessionId, JSON.stringify(this.entries.slice(-MAX_LOG)));
    }

    forget() {
      if (this.sessionId) stored("localStorage", "log:" + this.sessionId, null);
      this.entries = [];
      this.log.replaceChildren();
    }

    restoreLog() {
      if (!this.sessionId) return;
      try {
        this.entries = JSON.parse(stored("localStorage", "log:" + this.sessionId) || "[]");
      } catch (_) { /* a damaged log is dropped */ }
      if (!Array.isArray(this.entries)) this.entries = [];
      this.entries.forEach((entry) => this.render(entry));
    }

    /** Renders one log entry; quick replies stay until the person answers. */
    render(entry) {
      if (!entry || typeof entry !== "object") return;
      const s = this.strings;
      if (entry.who === "user") {
        for (const old of this.log.querySelectorAll(".choices")) old.remove();
        this.log.append(el("div", { class: "msg user" }, el("span", { class: "sr" }, s.you), String(entry.text)));
      } else {
        this.renderBot(entry.message || {});
      }
      this.scrollDown();
    }

    renderBot(message) {
      const s = this.strings;
      const said = (...nodes) =>
        this.log.append(el("div", { class: "msg bot" }, el("span", { class: "sr" }, s.bot), ...nodes));
      if (typeof message.text === "string" && message.text) said(richText(message.text, s));
      const attachment = message.attachment || {};
      const payload = attachment.payload || {};
      const src = attachment.type === "image" ? safeUrl(payload.src, false) : null;
      if (src) {
        const image = el("img", { src, alt: typeof payload.alt === "string" ? payload.alt : s.image });
        image.addEventListener("load", () => this.scrollDown());
        said(image);
      }
      const custom = message.custom || {};
      const elements = attachment.type === "template" && payload.elements ? [].concat(payload.elements) : [];
      // Cards: the {"cards": [...]} custom payload, or Rasa's generic template elements.
      const cards = Array.isArray(custom.cards) ? custom.cards : elements.map((e) => ({
        title: e.title, subtitle: e.subtitle, url: e.default_action && e.default_action.url,
      }));
      if (cards.length) this.log.append(this.renderCards(cards));
      const replies = Array.isArray(message.quick_replies) ? message.quick_replies : [];
      if (replies.length) this.log.append(this.renderChoices(replies));
    }

    renderCards(cards) {
      const list = el("ul", { class: "cards", "aria-label": this.strings.results });
      for (const card of cards) {
        if (!card || typeof card !== "object") continue;
        const href = safeUrl(card.url, false);
        const title = String(card.title || "");
        const heading = el("p", { class: "title" }, href ? link(href, title, this.strings) : title);
        const item = el("li", { class: "card" }, heading);
        if (card.subtitle) item.append(el("p", { class: "subtitle" }, String(card.subtitle)));
        if (card.text) item.append(richText(card.text, this.strings));
        list.append(item);
      }
      return list;
    }

    renderChoices(replies) {
      const group = el("div", { class: "choices", role: "group", "aria-label": this.strings.choices });
      for (const reply of replies) {
        if (!reply || typeof reply.title !== "string") continue;
        const button = el("button", { type: "button" }, reply.title);
        button.addEventListener("click", () => {
          this.input.focus(); // the buttons disappear: keep focus in the widget
          this.say(reply.title, typeof reply.payload === "string" ? reply.payload : reply.title);
        });
        group.append(button);
      }
      return group;
    }

    scrollDown() {
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  if (!customElements.get("horizon-chat")) customElements.define("horizon-chat", HorizonChat);
})();
