// Live inbox: follows /events from where the page's data was read (so a
// message that comes while the page loads is not lost; EventSource
// reconnects by itself and sends Last-Event-ID, so neither is one that
// comes while it reconnects), inserts new and changed messages of
// the open chat from server-rendered fragments, refreshes the conversation
// list when another conversation changes, loads older messages when the
// agent scrolls to the top, shows dates and times in the browser's time
// zone, and plays the new-message sound.

const chat = () => document.getElementById("messages");
const openConversation = () => chat()?.dataset.conversation || "";

// ---- dates and times in the browser's time zone ----

const lang = document.documentElement.lang || undefined;
const timeFmt = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const relFmt = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });

function dayKey(d) {
  return d.getFullYear() + "-" + d.getMonth() + "-" + d.getDate();
}

function dayLabel(d) {
  const today = new Date();
  const midnight = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((midnight(d) - midnight(today)) / 86400000);
  if (days === 0 || days === -1) {
    const s = relFmt.format(days, "day");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  return dayFmt.format(d);
}

// localize rewrites each message's time and puts a separator before the
// first message of each day.
function localize(list) {
  if (!list) return;
  list.querySelectorAll("li.day").forEach((li) => li.remove());
  let last = "";
  for (const li of list.querySelectorAll("li.message")) {
    const time = li.querySelector("time[datetime]");
    if (!time) continue;
    const d = new Date(time.getAttribute("datetime"));
    if (isNaN(d)) continue;
    time.textContent = timeFmt.format(d);
    time.title = d.toLocaleString(lang);
    const key = dayKey(d);
    if (key !== last) {
      const sep = document.createElement("li");
      sep.className = "day";
      sep.setAttribute("role", "separator");
      const span = document.createElement("span");
      span.textContent = dayLabel(d);
      sep.append(span);
      li.before(sep);
      last = key;
    }
  }
}

// ---- fragments ----

async function fragment(url) {
  const resp = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
  if (!resp.ok) return null;
  const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
  return doc.body;
}

const atBottom = (list) => list.scrollHeight - list.scrollTop - list.clientHeight < 40;

// showMessage inserts or replaces one message of the open chat.
async function showMessage(conv, mid) {
  const body = await fragment(`/inbox/${conv}/messages/${mid}`);
  const list = chat();
  const li = body?.querySelector("li.message");
  if (!li || !list || openConversation() !== String(conv)) return;
  const stick = atBottom(list);
  const old = document.getElementById(li.id);
  if (old) {
    old.replaceWith(li);
  } else {
    list.append(li);
  }
  localize(list);
  if (stick) list.scrollTop = list.scrollHeight;
}

// The conversation list: refreshed (at most every 300 ms) when a
// conversation changes; those that changed since the page opened and
// are not open are marked until opened.
const unread = new Set();
let listTimer = 0;

function refreshList() {
  clearTimeout(listTimer);
  listTimer = setTimeout(async () => {
    const old = document.querySelector("aside.conversations");
    if (!old) return;
    const body = await fragment("/inbox/list" + location.search);
    const fresh = body?.querySelector("aside.conversations");
    if (!fresh) return;
    const scroll = old.scrollTop;
    const current = openConversation();
    fresh.querySelectorAll("li[id^='c']").forEach((li) => {
      const id = li.id.slice(1);
      li.classList.toggle("current", id === current);
      if (unread.has(id)) li.classList.add("live-unread");
    });
    old.replaceWith(fresh);
    fresh.scrollTop = scroll;
  }, 300);
}

// ---- infinite scroll back ----

let loadingOlder = false;

async function loadOlder() {
  const list = chat();
  if (!list || loadingOlder || list.dataset.more !== "on") return;
  const first = list.querySelector("li.message");
  if (!first) return;
  loadingOlder = true;
  list.classList.add("loading");
  try {
    const body = await fragment(`/inbox/${list.dataset.conversation}/messages?before=${first.id.slice(1)}`);
    const page = body?.querySelector("ol.messages-page");
    if (!page) return;
    const before = list.scrollHeight;
    const items = [...page.querySelectorAll("li.message")].filter((li) => !document.getElementById(li.id));
    first.parentNode.querySelector("li")?.before(...items);
    list.dataset.more = page.dataset.more;
    localize(list);
    list.scrollTop += list.scrollHeight - before;
  } finally {
    list.classList.remove("loading");
    loadingOlder = false;
  }
}

function enhanceScrollBack() {
  const list = chat();
  if (!list) return;
  list.addEventListener("scroll", () => {
    if (list.scrollTop < 80) loadOlder();
  }, { passive: true });
}

// ---- sound ----

const blockedText = {
  en: "Sound is blocked: click anywhere to allow it.",
  pt: "O som está bloqueado: clique em qualquer lugar para permitir.",
};

// sound is a short two-tone alert made with Web Audio (two sine blips,
// our own). Browsers keep audio suspended until the user interacts with
// the page: the first click or key press resumes it, and until then a
// notice says so.
const sound = {
  played: 0,
  ctx: null,
  notice: null,
  enabled() {
    return document.body.dataset.sound === "on";
  },
  context() {
    if (!this.ctx) {
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return null;
      this.ctx = new AC();
      this.ctx.addEventListener("statechange", () => this.updateNotice());
    }
    return this.ctx;
  },
  updateNotice() {
    const blocked = this.enabled() && this.ctx && this.ctx.state === "suspended";
    if (blocked && !this.notice) {
      this.notice = document.createElement("div");
      this.notice.className = "sound-blocked";
      this.notice.setAttribute("role", "status");
      this.notice.textContent = (lang || "en").startsWith("pt") ? blockedText.pt : blockedText.en;
      document.body.append(this.notice);
    } else if (!blocked && this.notice) {
      this.notice.remove();
      this.notice = null;
    }
  },
  blip(ctx, freq, start, length) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.3, start + 0.012);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + length + 0.02);
  },
  // play sounds the alert; every call is counted (browser tests assert
  // the call, not the speakers).
  play() {
    this.played++;
    const ctx = this.context();
    if (!ctx) return;
    if (ctx.state === "suspended") {
      ctx.resume().catch(() => {});
      this.updateNotice();
    }
    const t = ctx.currentTime + 0.01;
    this.blip(ctx, 987.77, t, 0.09);
    this.blip(ctx, 1318.51, t + 0.12, 0.12);
  },
  unlock() {
    const ctx = this.enabled() ? this.context() : this.ctx;
    if (ctx && ctx.state === "suspended") ctx.resume().then(() => this.updateNotice(), () => {});
  },
};
window.zapflowSound = sound;

function enhanceSound() {
  const unlock = () => sound.unlock();
  document.addEventListener("click", unlock, { capture: true });
  document.addEventListener("keydown", unlock, { capture: true });
  if (sound.enabled() && sound.context()) sound.updateNotice();
}

// ---- the event stream ----

function onEvent(kind, e) {
  let data;
  try {
    data = JSON.parse(e.data);
  } catch {
    return;
  }
  const conv = String(data.conversation_id);
  if (kind === "inbound" && sound.enabled()) sound.play();
  if (conv === openConversation()) {
    if (data.message_id && (kind === "inbound" || kind === "message" || kind === "status")) {
      showMessage(conv, data.message_id);
    }
  } else if (kind === "inbound" || kind === "message") {
    unread.add(conv);
  }
  if (kind !== "status") refreshList();
  document.dispatchEvent(new CustomEvent("zapflow:live", { detail: { kind, ...data } }));
}

function follow() {
  if (!document.querySelector("header.top") || !window.EventSource) return;
  // From where the page's data was read (data-live-after): an event that
  // comes while the page loads, before this connects, is replayed.
  const after = document.body.dataset.liveAfter;
  const source = new EventSource(after === undefined ? "/events" : "/events?last_event_id=" + encodeURIComponent(after));
  for (const kind of ["inbound", "message", "status", "conversation", "assigned", "note"]) {
    source.addEventListener(kind, (e) => onEvent(kind, e));
  }
  // Lead events change no message: only leads.js hears them.
  for (const kind of ["lead", "lead_assigned"]) {
    source.addEventListener(kind, (e) => {
      try {
        document.dispatchEvent(new CustomEvent("zapflow:live", { detail: { kind, ...JSON.parse(e.data) } }));
      } catch {
        // a malformed event is dropped
      }
    });
  }
  // A notification concerns no chat: only the bell (notify.js) hears it.
  source.addEventListener("notification", () => {
    document.dispatchEvent(new CustomEvent("zapflow:notification"));
  });
  // Close cleanly on navigation so the server frees the stream at once.
  window.addEventListener("pagehide", () => source.close());
}

localize(chat());
enhanceScrollBack();
enhanceSound();
follow();
