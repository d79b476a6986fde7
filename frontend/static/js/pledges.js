// Progressive enhancement on the staff activity page: the "reason" field only shows when "cancelled" is chosen.
// Without JavaScript the field is always there, and the server asks for a reason when one is needed.
(function () {
  "use strict";
  var status = document.getElementById("status");
  var reason = document.getElementById("cancel_reason");
  if (!status || !reason) { return; }
  var wrapper = reason.closest(".field");
  if (!wrapper || wrapper.classList.contains("field-error")) { return; }
  function sync() { wrapper.hidden = status.value !== "cancelled"; }
  status.addEventListener("change", sync);
  sync();
})();
