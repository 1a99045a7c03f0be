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

async function refresh() {
  const list = chatList();
  if (!list || document.visibilityState !== "visible") return;
  try {
    const res = await fetch(list.dataset.src, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!res.ok) return;
    const html = (await res.text()).trim();
    if (html === list.outerHTML.trim()) return;
    const stick = atBottom(list);
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    const next = tpl.content.firstElementChild;
    if (!next || next.id !== "chat") return;
    list.replaceWith(next);
    if (stick) next.scrollTop = next.scrollHeight;
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
      if (box.value.trim() !== "") box.form.requestSubmit(box.form.querySelector('button[value="text"]') || undefined);
    }
  });
}

const list = chatList();
if (list) {
  list.scrollTop = list.scrollHeight;
  enhanceCompose();
  setInterval(refresh, every);
}
