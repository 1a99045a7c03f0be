// The sandbox page: the chat refreshes itself every 2 seconds (only while
// the tab is visible), so the business's answers show up without a
// reload. The page works without this file; a reload shows the same.
const every = 2000;

function chatList() {
  return document.getElementById("chat");
}

function atBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
}

// last is the chat as the server last sent it, so an unchanged chat is
// left alone (no flicker, no lost scroll position).
let last = null;

async function refresh() {
  const list = chatList();
  if (!list || document.visibilityState !== "visible") return;
  try {
    const res = await fetch(list.dataset.src, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!res.ok) return;
    const html = (await res.text()).trim();
    if (html === last) return;
    const first = last === null;
    last = html;
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    const next = tpl.content.firstElementChild;
    if (!next || next.id !== "chat") return;
    if (first && next.children.length === list.children.length) return; // the page already shows it
    const stick = atBottom(list);
    const top = list.scrollTop;
    list.replaceWith(next);
    next.scrollTop = stick ? next.scrollHeight : top;
  } catch {
    // offline for a moment: the next tick tries again
  }
}

// Enter sends, Shift+Enter adds a line, as in the inbox.
function enhanceCompose() {
  const box = document.getElementById("sb-text");
  if (!box) return;
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (box.value.trim() !== "") box.form.requestSubmit(document.querySelector('.sb-compose button[value="text"]'));
    }
  });
}

const list = chatList();
if (list) {
  list.scrollTop = list.scrollHeight;
  enhanceCompose();
  setInterval(refresh, every);
}
