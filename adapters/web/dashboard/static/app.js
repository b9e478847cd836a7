// Ticketify dashboard: progressive enhancement only; every page works without it.
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  var msg = b && b.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) {
    e.preventDefault();
  }
});

// Live previews of what the bot will post (tags): the fields as plain text,
// the embed's colour on its edge. The server renders the saved tag with
// Discord's markdown; this only follows the typing.
document.addEventListener("input", function (e) {
  var form = e.target.form;
  var id = form && form.getAttribute("data-preview");
  var preview = id && document.getElementById(id);
  if (!preview) {
    return;
  }
  var value = function (name) {
    var f = form.elements.namedItem(name);
    return f ? f.value : "";
  };
  ["text", "embed_title", "embed_text"].forEach(function (name) {
    var el = preview.querySelector('[data-field="' + name + '"]');
    if (el) {
      el.textContent = value(name);
    }
  });
  var embed = preview.querySelector('[data-field="embed"]');
  if (embed) {
    embed.hidden = !(value("embed_title") || value("embed_text"));
    var colour = value("colour").trim();
    embed.style.borderLeftColor = /^#?[0-9a-fA-F]{6}$/.test(colour) ? (colour[0] === "#" ? colour : "#" + colour) : "#1E1F22";
  }
});

// Member pickers: as a name is typed, the server's members whose name
// starts with it are offered; choosing one puts their id in the field.
document.addEventListener("input", function (e) {
  var field = e.target;
  var url = field.getAttribute && field.getAttribute("data-members");
  var list = url && document.getElementById(field.getAttribute("list"));
  var typed = field.value ? field.value.trim() : "";
  if (!list || typed === "" || /^[0-9]+$/.test(typed)) {
    return;
  }
  fetch(url + "?q=" + encodeURIComponent(typed), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (members) {
      list.replaceChildren.apply(list, members.map(function (m) {
        var o = document.createElement("option");
        o.value = m.id;
        o.label = m.name;
        o.textContent = m.name;
        return o;
      }));
    })
    .catch(function () {});
});

// The welcome's preview fills the placeholders with sample values as it is
// typed (as text; the saved message is shown rendered by the server).
document.addEventListener("input", function (e) {
  var form = e.target.form;
  var id = form && form.getAttribute("data-preview");
  var target = id && document.querySelector("#" + id + " [data-sample]");
  if (!target || e.target.name !== target.getAttribute("data-field")) {
    return;
  }
  var samples = { "{user}": "@Mia Member", "{number}": "42", "{category}": "General", "{staff}": "@Support" };
  target.textContent = e.target.value.replace(/\{[^{}\s]*\}/g, function (p) { return samples[p] || p; });
});

// A panel's preview follows its buttons as typed: one per line,
// category | label | emoji | style.
document.addEventListener("input", function (e) {
  var form = e.target.form;
  var id = form && form.getAttribute("data-preview");
  var row = id && document.querySelector("#" + id + ' [data-field="buttons"]');
  if (!row || (e.target.name !== "buttons" && e.target.name !== "select")) {
    return;
  }
  var buttons = form.elements.namedItem("buttons").value.split(/[\n;]/).filter(function (l) { return l.trim() !== ""; });
  var select = form.elements.namedItem("select");
  if (select && select.checked) {
    // Discord shows the placeholder; the options open on a click.
    var menu = document.createElement("details");
    menu.className = "discord-select";
    var summary = document.createElement("summary");
    summary.textContent = row.getAttribute("data-placeholder") || "";
    var list = document.createElement("ul");
    list.replaceChildren.apply(list, buttons.map(function (line) {
      var parts = line.split("|").map(function (p) { return p.trim(); });
      var li = document.createElement("li");
      li.textContent = ((parts[2] || "") + " " + (parts[1] || "")).trim();
      return li;
    }));
    menu.replaceChildren(summary, list);
    row.replaceChildren(menu);
    return;
  }
  row.replaceChildren.apply(row, buttons.map(function (line) {
    var parts = line.split("|").map(function (p) { return p.trim(); });
    var b = document.createElement("span");
    var style = parts[3] || "primary";
    b.className = "discord-button " + (["primary", "secondary", "success", "danger"].indexOf(style) >= 0 ? style : "primary");
    b.textContent = ((parts[2] || "") + " " + (parts[1] || "")).trim();
    return b;
  }));
});
