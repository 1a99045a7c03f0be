// flows part of the web app (loaded by app.js). The pages work without
// it: this selects the line a problem points at when its link is
// clicked, and refreshes a run's page while the run moves.

// A problem's "Line N" link selects that line of the definition.
function linkProblemsToLines() {
  const area = document.getElementById("definition");
  if (!area) return;
  document.querySelectorAll(".problems a[data-line]").forEach((a) => {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      const n = Number(a.dataset.line);
      const lines = area.value.split("\n");
      let start = 0;
      for (let i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
      const end = start + (lines[n - 1] || "").length;
      area.focus();
      area.setSelectionRange(start, end);
      document.getElementById("L" + n)?.scrollIntoView({ block: "center" });
    });
  });
}

// The text box grows with its text, so the gutter's numbers stay level.
function growWithText() {
  const area = document.getElementById("definition");
  const gutter = document.querySelector(".flow-edit .gutter");
  if (!area || !gutter) return;
  area.addEventListener("input", () => {
    const n = area.value.split("\n").length;
    area.rows = n + 2;
    while (gutter.children.length < n) {
      const li = document.createElement("li");
      li.textContent = String(gutter.children.length + 1);
      gutter.appendChild(li);
    }
  });
}

// While a run is active, its live part is fetched again every two
// seconds; the fragment of an ended run has no data-active, which stops
// the polling. (Runs publish no live events: polling is bounded to open
// pages of runs that still move.)
const pollEvery = 2000;

function followRun() {
  const live = document.getElementById("run-live");
  if (!live || !live.hasAttribute("data-active")) return;
  const id = live.dataset.run;
  const tick = async () => {
    try {
      const res = await fetch(`/runs/${id}/live`, { headers: { Accept: "text/html" } });
      if (!res.ok) return;
      const tpl = document.createElement("template");
      tpl.innerHTML = (await res.text()).trim();
      const next = tpl.content.firstElementChild;
      const cur = document.getElementById("run-live");
      if (!next || !cur) return;
      cur.replaceWith(next);
      if (!next.hasAttribute("data-active")) return;
    } catch {
      // offline for a moment: try again at the next tick
    }
    setTimeout(tick, pollEvery);
  };
  setTimeout(tick, pollEvery);
}

linkProblemsToLines();
growWithText();
followRun();
