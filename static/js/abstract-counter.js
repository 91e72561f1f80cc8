// Live length counter for the abstract form: the same rule as conference/abstracts/counting.py.
// The rule comes from data- attributes on #length-counter (no inline script: CSP).
(function () {
  "use strict";
  var counter = document.getElementById("length-counter");
  if (!counter) { return; }
  var rule = {
    limit: parseInt(counter.dataset.limit, 10),
    countTitle: counter.dataset.countTitle === "1",
    countHeadings: counter.dataset.countHeadings === "1",
    countSpaces: counter.dataset.countSpaces === "1",
    tableCounting: counter.dataset.tableCounting,
    tableFlat: parseInt(counter.dataset.tableFlat, 10) || 0
  };
  var headings = { background: "Background", methods: "Methods", results: "Results", conclusions: "Conclusions" };

  function countText(text) {
    text = text || "";
    text = rule.countSpaces ? text.replace(/[\r\n]+/g, "") : text.replace(/\s+/g, "");
    return Array.from(text).length;
  }
  function value(name) {
    var el = document.querySelector("[data-count='" + name + "']");
    return el ? el.value : "";
  }
  function parseTable(text) {
    return (text || "").split(/\r?\n/).filter(function (line) { return line.trim() !== ""; })
      .map(function (line) { return line.split("|").map(function (cell) { return cell.trim(); }); });
  }
  function total() {
    var sum = 0;
    if (rule.countTitle) { sum += countText(value("title")); }
    Object.keys(headings).forEach(function (name) {
      var body = value(name);
      if (body.trim() === "") { return; }
      if (rule.countHeadings) { sum += countText(headings[name]); }
      sum += countText(body);
    });
    var rows = parseTable(value("table"));
    if (rows.length) {
      if (rule.tableCounting === "flat") { sum += rule.tableFlat; } else {
        rows.forEach(function (row) { row.forEach(function (cell) { sum += countText(cell); }); });
      }
    }
    return sum;
  }
  function update() {
    var n = total();
    counter.textContent = n + " / " + rule.limit + " characters";
    counter.classList.toggle("text-danger", n > rule.limit);
    counter.classList.toggle("fw-bold", n > rule.limit);
    counter.dataset.count = String(n);
  }
  document.querySelectorAll("[data-count]").forEach(function (el) {
    el.addEventListener("input", update);
  });
  update();
})();
