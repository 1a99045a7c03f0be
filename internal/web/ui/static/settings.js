// settings part of the web app (loaded by app.js).
//
// Keyword lists are plain textareas (one keyword per line) so the forms
// work without JS. Here each becomes removable tags with an input where
// Enter adds a keyword; the textarea stays in the form, hidden, and is
// kept in sync, so the server reads the same field either way.

function tagsWidget(area) {
  const wrap = document.createElement("div");
  wrap.className = "tags";
  const list = document.createElement("ul");
  list.className = "tag-list";
  const input = document.createElement("input");
  input.type = "text";
  input.placeholder = area.dataset.placeholder || "";
  input.setAttribute("aria-describedby", area.getAttribute("aria-describedby") || "");
  input.setAttribute("aria-invalid", area.getAttribute("aria-invalid") || "false");
  // The label points at the visible input from now on.
  input.id = area.id;
  area.id = area.id + "-raw";
  area.hidden = true;
  area.tabIndex = -1;

  const values = () => area.value.split("\n").map((s) => s.trim()).filter((s) => s !== "");
  const save = (vs) => { area.value = vs.join("\n"); draw(); };

  function draw() {
    list.replaceChildren();
    values().forEach((v, i) => {
      const li = document.createElement("li");
      li.className = "tag";
      const text = document.createElement("span");
      text.textContent = v;
      const rm = document.createElement("button");
      rm.type = "button";
      rm.className = "tag-remove";
      rm.textContent = "×";
      rm.setAttribute("aria-label", (area.dataset.remove || "Remove") + " " + v);
      rm.addEventListener("click", () => {
        const vs = values();
        vs.splice(i, 1);
        save(vs);
        input.focus();
      });
      li.append(text, rm);
      list.append(li);
    });
  }

  function add() {
    const v = input.value.trim();
    if (v === "") return false;
    const vs = values();
    if (!vs.some((x) => x.toLowerCase() === v.toLowerCase())) vs.push(v);
    input.value = "";
    save(vs);
    return true;
  }

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault(); // Enter adds a tag; it never submits the form
      add();
    } else if (e.key === "Backspace" && input.value === "") {
      const vs = values();
      if (vs.length > 0) {
        vs.pop();
        save(vs);
      }
    }
  });
  // A keyword typed but not yet added is kept when the form is saved.
  area.form?.addEventListener("submit", () => add());

  wrap.append(list, input);
  area.after(wrap);
  draw();
}

document.querySelectorAll("textarea[data-tags]").forEach(tagsWidget);

// Audit times are rendered in UTC by the server; show them in the
// browser's time zone.
document.querySelectorAll(".settings .audit time[datetime]").forEach((el) => {
  const d = new Date(el.dateTime);
  if (!Number.isNaN(d.getTime())) {
    el.textContent = d.toLocaleString(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
  }
});

// Deleting a saved prompt asks first (without JS it deletes at once).
document.querySelectorAll(".settings form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (e) => {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
});
