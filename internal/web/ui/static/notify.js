// The bell: its count follows the live stream (live.js turns a
// "notification" event into zapflow:notification) without a reload.

function bellCount() {
  return document.querySelector("header.top .bell .count");
}

async function refreshBell() {
  const count = bellCount();
  if (!count) return;
  try {
    const res = await fetch("/notifications/count", { headers: { Accept: "application/json" } });
    if (!res.ok) return;
    const { unread } = await res.json();
    count.dataset.unread = String(unread);
    count.textContent = unread > 99 ? "99+" : String(unread);
    count.hidden = unread === 0;
  } catch {
    // The next event or page load updates it.
  }
}

document.addEventListener("zapflow:notification", refreshBell);
