/* Live SMS segment count under each textarea marked data-sms-counter: the
   count of the longest message the text can go out in, inside each frame
   (the text before and after it) the server lists in data-sms-frames.
   Mirrors alerts/sms_segments.py and alerts/sms_notice.py; the server checks
   again on save, so the form works the same without this script. */
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";

  function count(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (ch) {
      return BASIC.indexOf(ch) >= 0 || EXTENSION.indexOf(ch) >= 0;
    });
    var single = gsm ? 160 : 70, split = gsm ? 153 : 67;
    var sizes = chars.map(function (ch) {
      if (gsm) { return EXTENSION.indexOf(ch) >= 0 ? 2 : 1; }
      return ch.codePointAt(0) > 0xffff ? 2 : 1;
    });
    var units = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (units === 0) { return {encoding: gsm ? "GSM-7" : "UCS-2", units: 0, segments: 0}; }
    if (units <= single) { return {encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: 1}; }
    var segments = 1, used = 0;
    sizes.forEach(function (size) {
      if (used + size > split) { segments += 1; used = 0; }
      used += size;
    });
    return {encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: segments};
  }

  // The spaces alerts/sms_notice.py collapses, and only those.
  var SPACES = /[ \t\n\r\f\v\u00a0\u3000]+/g;

  function collapse(text) {
    return text.replace(SPACES, " ").replace(/^ /, "").replace(/ $/, "");
  }

  // The count of the longest message: most segments, then most units; the
  // first such frame, as Python's max() picks it.
  function countNotice(text, frames) {
    var body = collapse(text), worst = null;
    frames.forEach(function (frame) {
      var c = count(frame[0] + body + frame[1]);
      if (worst === null || c.segments > worst.segments ||
          (c.segments === worst.segments && c.units > worst.units)) {
        worst = c;
      }
    });
    return worst || count(body);
  }

  function attach(textarea) {
    var output = document.createElement("p");
    output.setAttribute("aria-live", "polite");
    output.className = "sms-counter help";
    output.id = textarea.id + "-segments";
    textarea.setAttribute("aria-describedby",
      ((textarea.getAttribute("aria-describedby") || "") + " " + output.id).trim());
    textarea.insertAdjacentElement("afterend", output);
    var frames = JSON.parse(textarea.dataset.smsFrames || "[]");
    var budget = parseInt(textarea.dataset.maxSegments || "1", 10);
    function update() {
      if (!collapse(textarea.value)) {
        output.textContent = textarea.dataset.emptyText || "";
        output.style.fontWeight = output.style.color = "";
        return;
      }
      var c = countNotice(textarea.value, frames);
      var template = textarea.dataset.counterText ||
        "{units} {encoding} · {segments} / {budget} SMS";
      var text = template.replace("{units}", c.units).replace("{encoding}", c.encoding)
        .replace("{segments}", c.segments).replace("{budget}", budget);
      if (c.segments > budget) { text += " " + (textarea.dataset.overText || ""); }
      output.textContent = text;
      output.style.fontWeight = c.segments > budget ? "bold" : "";
      output.style.color = c.segments > budget ? "#b00020" : "";
    }
    textarea.addEventListener("input", update);
    update();
  }

  // Exposed so tests can compare these counts with the server's.
  var scope = typeof window !== "undefined" ? window : globalThis;
  scope.heraldCountSms = count;
  scope.heraldCountNoticeSms = countNotice;
  if (typeof document === "undefined") { return; }

  function start() {
    document.querySelectorAll("textarea[data-sms-counter]").forEach(attach);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
