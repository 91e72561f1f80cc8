// Type-ahead for affiliation fields: fills <datalist id="institution-options"> with the
// institutions whose name or a spelling contains what the person types. Free text stays
// allowed: an unknown institution is added when the form is saved.
(function () {
  "use strict";
  var list = document.getElementById("institution-options");
  if (!list) { return; }
  var source = list.getAttribute("data-source");
  var timer = null;
  var last = "";

  function fill(items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.name;
      var extra = (item.aliases || []).slice(0, 3).join(", ");
      option.label = item.name + (item.country ? " (" + item.country + ")" : "") +
        (extra ? " — " + extra : "");
      list.appendChild(option);
    });
  }

  function lookup(text) {
    // Search with the part being typed: the last comma-separated piece.
    var pieces = text.split(/[,;]/);
    var query = pieces[pieces.length - 1].trim();
    if (query.length < 2 || query === last) { return; }
    last = query;
    fetch(source + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { items: [] };
    }).then(function (body) { fill(body.items || []); }).catch(function () {});
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input || input.getAttribute("list") !== "institution-options") { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { lookup(input.value || ""); }, 200);
  });
})();
