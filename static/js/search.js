// Typeahead of the vendor keys that occur in the data the user may see (after a dot is typed).
(function () {
  var input = document.getElementById("search-q"), list = document.getElementById("search-keys");
  if (!input) return;
  var url = input.dataset.keyTypeahead, timer = null;
  input.addEventListener("input", function () {
    var word = input.value.split(/\s+/).pop();
    if (word.indexOf(".") < 1) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(url + "?prefix=" + encodeURIComponent(word), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          list.innerHTML = "";
          var head = input.value.slice(0, input.value.length - word.length);
          data.keys.forEach(function (k) {
            var option = document.createElement("option");
            option.value = head + '"' + k.key + '" ' + (k.type === "number" ? ">= " : "= ");
            option.label = k.key + " (" + k.type + ")";
            list.appendChild(option);
          });
        });
    }, 150);
  });
})();
