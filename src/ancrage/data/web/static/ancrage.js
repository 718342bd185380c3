// Progressive enhancement only: every page works without it.
// Territory fields suggest names from the API as one types.
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-territories]");
  Array.prototype.forEach.call(fields, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2 || text.indexOf(":") >= 0) { return; }
      timer = setTimeout(function () {
        fetch("/api/v1/territories?limit=8&q=" + encodeURIComponent(text))
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (t) {
              var option = document.createElement("option");
              option.value = t.id;
              option.label = t.label;
              option.textContent = t.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  });
})();
