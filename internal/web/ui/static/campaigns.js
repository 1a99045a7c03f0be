// A campaign's page follows its counts: while the campaign moves, its
// live fragment is fetched again every two seconds; a fragment without
// data-active (the campaign ended a while ago) stops the polling. When the
// counts changed, the recipients table (the page as it is addressed, its
// filter and page kept) is fetched again too. (The campaign engine
// publishes no live events; delivery states arrive as message status
// webhooks, which the fragment reads.)
const every = 2000;

async function fetchHTML(url) {
  const res = await fetch(url, { headers: { Accept: "text/html" } });
  if (!res.ok) return null;
  const tpl = document.createElement("template");
  tpl.innerHTML = (await res.text()).trim();
  return tpl.content;
}

async function refreshRecipients() {
  const page = await fetchHTML(location.href);
  const next = page && page.getElementById("recipients");
  const cur = document.getElementById("recipients");
  if (next && cur) cur.replaceWith(next);
}

function followCampaign() {
  const live = document.getElementById("campaign-live");
  if (!live || !live.hasAttribute("data-active")) return;
  const id = live.dataset.campaign;
  const tick = async () => {
    try {
      const frag = await fetchHTML(`/campaigns/${id}/live`);
      const next = frag && frag.firstElementChild;
      const cur = document.getElementById("campaign-live");
      if (next && cur) {
        const counts = (el) => (el.querySelector("#campaign-counts") || {}).textContent;
        const changed = counts(next) !== counts(cur);
        cur.replaceWith(next);
        if (changed) await refreshRecipients();
        if (!next.hasAttribute("data-active")) return;
      }
    } catch {
      // offline for a moment: try again at the next tick
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}

followCampaign();
