// A campaign's page follows its counts: while the campaign moves, its
// live fragment is fetched again every two seconds; a fragment without
// data-active (the campaign ended a while ago) stops the polling. (The
// campaign engine publishes no live events; delivery states arrive as
// message status webhooks, which the fragment reads.)
const every = 2000;

function followCampaign() {
  const live = document.getElementById("campaign-live");
  if (!live || !live.hasAttribute("data-active")) return;
  const id = live.dataset.campaign;
  const tick = async () => {
    try {
      const res = await fetch(`/campaigns/${id}/live`, { headers: { Accept: "text/html" } });
      if (res.ok) {
        const tpl = document.createElement("template");
        tpl.innerHTML = (await res.text()).trim();
        const next = tpl.content.firstElementChild;
        const cur = document.getElementById("campaign-live");
        if (next && cur) {
          cur.replaceWith(next);
          if (!next.hasAttribute("data-active")) return;
        }
      }
    } catch {
      // offline for a moment: try again at the next tick
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}

followCampaign();
