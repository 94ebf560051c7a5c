/* Sorting and filtering of the report's tables. The pages are complete without it: the tables
   are written in their default order, and this only adds the buttons and the filter box. */
"use strict";
(function () {
  function cellValue(row, index, type) {
    var cell = row.cells[index];
    if (!cell) {
      return null;
    }
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (type === "number") {
      if (raw === "") {
        return null;
      }
      var number = Number(raw);
      return isNaN(number) ? null : number;
    }
    return raw.toLowerCase();
  }

  function sortRows(table, index, type, direction) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type);
      var y = cellValue(b, index, type);
      if (x === null || y === null) {
        return x === y ? 0 : (x === null ? 1 : -1); // unknown values last, either way
      }
      var order = type === "number" ? x - y : x.localeCompare(y);
      return direction === "ascending" ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  function makeSortable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, index) {
      var type = header.getAttribute("data-type");
      if (!type) {
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (header.firstChild) {
        button.appendChild(header.firstChild);
      }
      header.appendChild(button);
      button.addEventListener("click", function () {
        var current = header.getAttribute("aria-sort");
        var next;
        if (current === "ascending") {
          next = "descending";
        } else if (current === "descending") {
          next = "ascending";
        } else {
          next = type === "number" ? "descending" : "ascending";
        }
        Array.prototype.forEach.call(headers, function (other) {
          other.removeAttribute("aria-sort");
        });
        header.setAttribute("aria-sort", next);
        sortRows(table, index, type, next);
      });
    });
  }

  function rowText(row) {
    var parts = [];
    Array.prototype.forEach.call(row.cells, function (cell) {
      if (!cell.classList.contains("history")) {
        parts.push(cell.textContent);
      }
    });
    return parts.join(" ").toLowerCase();
  }

  function makeFilterable(box) {
    var table = document.getElementById(box.getAttribute("data-filter-for"));
    var input = box.querySelector("input");
    var status = box.querySelector("[aria-live]");
    if (!table || !input) {
      return;
    }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(rowText);
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = words.every(function (word) {
          return texts[i].indexOf(word) !== -1;
        });
        row.hidden = !match;
        shown += match ? 1 : 0;
      });
      if (status) {
        status.textContent = shown + " of " + rows.length + " shown";
      }
    }
    input.addEventListener("input", apply);
    box.hidden = false;
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), makeSortable);
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-for]"), makeFilterable);
})();
