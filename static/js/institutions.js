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

  function fill(items, prefix) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var option = document.createElement("option");
      // Keep what precedes the institution ("Medical Oncology, ") when an option is picked.
      option.value = prefix + item.name;
      var extra = (item.aliases || []).slice(0, 3).join(", ");
      option.label = item.name + (item.country ? " (" + item.country + ")" : "") +
        (extra ? " — " + extra : "");
      list.appendChild(option);
    });
  }

  function lookup(text) {
    // Search with the part being typed: the last comma-separated piece.
    var cut = Math.max(text.lastIndexOf(","), text.lastIndexOf(";"));
    var prefix = cut >= 0 ? text.slice(0, cut + 1) + " " : "";
    var query = text.slice(cut + 1).trim();
    if (query.length < 2 || prefix + query === last) { return; }
    last = prefix + query;
    fetch(source + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { items: [] };
    }).then(function (body) { fill(body.items || [], prefix); }).catch(function () {});
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input || input.getAttribute("list") !== "institution-options") { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { lookup(input.value || ""); }, 200);
  });
})();
