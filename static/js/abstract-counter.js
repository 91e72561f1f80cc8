// Live length counter for the abstract form: the same rule as conference/abstracts/counting.py.
// The rule, including the server's definitions of whitespace, line breaks and characters that
// never count, comes from data- attributes on #length-counter (no inline script: CSP).
(function () {
  "use strict";
  var HEADINGS = { background: "Background", methods: "Methods", results: "Results", conclusions: "Conclusions" };

  // abstractLength(rule, fields): the length of {title, background, methods, results,
  // conclusions, table (the table box's text)} under `rule`, exactly as the server counts it.
  function abstractLength(rule, fields) {
    var edges = new RegExp("^[" + rule.whitespace + "]+|[" + rule.whitespace + "]+$", "gu");
    var spaces = new RegExp("[" + rule.whitespace + "]+", "gu");
    var neverCounted = new RegExp("[" + rule.neverCounted + "]+", "gu");
    var lineBreaks = new RegExp("[" + rule.lineBreaks + "]", "u");

    function trim(text) { return (text || "").replace(edges, ""); }
    function countText(text, countSpaces) {
      text = trim((text || "").normalize("NFC"));
      text = text.replace(countSpaces ? neverCounted : spaces, "");
      return Array.from(text).length;
    }
    function tableRows(text) {
      return (text || "").split(lineBreaks)
        .map(function (line) { return line.split("|").map(trim); })
        .filter(function (row) { return row.some(function (cell) { return cell !== ""; }); });
    }

    var sum = 0;
    if (rule.countTitle) { sum += countText(fields.title, rule.countSpaces); }
    Object.keys(HEADINGS).forEach(function (name) {
      var body = fields[name] || "";
      if (countText(body, false) === 0) { return; }  // an unwritten section
      if (rule.countHeadings) { sum += countText(HEADINGS[name], rule.countSpaces); }
      sum += countText(body, rule.countSpaces);
    });
    var rows = tableRows(fields.table);
    if (rows.length) {
      if (rule.tableCounting === "flat") { sum += rule.tableFlat; } else {
        rows.forEach(function (row) { row.forEach(function (cell) { sum += countText(cell, rule.countSpaces); }); });
      }
    }
    return sum;
  }
  window.abstractLength = abstractLength;

  var counter = document.getElementById("length-counter");
  if (!counter) { return; }
  var rule = {
    limit: parseInt(counter.dataset.limit, 10),
    countTitle: counter.dataset.countTitle === "1",
    countHeadings: counter.dataset.countHeadings === "1",
    countSpaces: counter.dataset.countSpaces === "1",
    tableCounting: counter.dataset.tableCounting,
    tableFlat: parseInt(counter.dataset.tableFlat, 10) || 0,
    whitespace: counter.dataset.whitespace,
    neverCounted: counter.dataset.neverCounted,
    lineBreaks: counter.dataset.lineBreaks
  };

  function value(name) {
    var el = document.querySelector("[data-count='" + name + "']");
    return el ? el.value : "";
  }
  function update() {
    var fields = { table: value("table") };
    ["title"].concat(Object.keys(HEADINGS)).forEach(function (name) { fields[name] = value(name); });
    var n = abstractLength(rule, fields);
    counter.textContent = (counter.dataset.text || "{count} / {limit} characters")
      .replace("{count}", String(n)).replace("{limit}", String(rule.limit));
    counter.classList.toggle("text-danger", n > rule.limit);
    counter.classList.toggle("fw-bold", n > rule.limit);
    counter.dataset.count = String(n);
  }
  document.querySelectorAll("[data-count]").forEach(function (el) {
    el.addEventListener("input", update);
  });
  update();
})();
