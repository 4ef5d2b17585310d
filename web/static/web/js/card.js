/* Card page: Stripe Elements (the one third party, loaded only here and only with a Stripe key).
   Configuration comes from data attributes on [data-stripe-card]; no inline script. */
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("[data-stripe-card]");
    if (!form || typeof Stripe === "undefined") return;
    var stripe = Stripe(form.dataset.publishableKey);
    var elements = stripe.elements({ locale: "de" });
    var card = elements.create("card", { hidePostalCode: true });
    card.mount("#card-element");
    var errors = document.getElementById("card-errors");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      stripe.confirmCardSetup(form.dataset.clientSecret, { payment_method: { card: card } }).then(function (result) {
        if (result.error) {
          errors.textContent = result.error.message;
        } else {
          window.location.assign(form.dataset.returnUrl + "?setup_intent=" + encodeURIComponent(result.setupIntent.id));
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
