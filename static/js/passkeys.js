// Passkeys (WebAuthn) for staff. Without this file, or without WebAuthn, the passkey buttons
// stay hidden, a sentence says why, and the code forms beside them are the way in.
//
// A button [data-passkey=get] signs a challenge (the second sign-in step, or confirming a
// removal); a form [data-passkey=create] adds a passkey with the name typed in it. Each asks
// its options URL for the ceremony's options, runs navigator.credentials, and posts the answer
// as JSON with the CSRF token. The server answers {"location": …} to go on or {"error": …}.
(function () {
  "use strict";

  var supported = !!(window.PublicKeyCredential && navigator.credentials &&
                     navigator.credentials.create && window.fetch && window.JSON);
  if (!supported) { return; }
  document.documentElement.classList.add("js-passkeys");

  var GENERIC = "Something went wrong with the passkey. Please try again, or type the code from your app.";
  var CANCELLED = "The passkey was not used. You can try again, or type the code from your app.";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (data.location) { window.location.assign(data.location); return null; }
        if (!response.ok) { throw new Error(data.error || GENERIC); }
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return { publicKey: options };
  }

  function created(credential) {
    var response = credential.response;
    return {
      id: credential.id, rawId: toText(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      }
    };
  }

  function signed(credential) {
    var response = credential.response;
    return {
      id: credential.id, rawId: toText(credential.rawId), type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : undefined
      }
    };
  }

  function say(region, message) {
    var error = region && region.querySelector("[data-passkey-error]");
    if (!error) { return; }
    error.textContent = message || "";
    error.hidden = !message;
  }

  function failed(region, control) {
    return function (error) {
      control.disabled = false;
      // The person closed the browser's dialog or it timed out: not an error of theirs.
      var cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
      say(region, cancelled ? CANCELLED : (error && error.message) || GENERIC);
    };
  }

  function sign(button) {
    var region = button.closest("[data-passkey-region]");
    say(region, "");
    button.disabled = true;
    post(button.getAttribute("data-options-url"))
      .then(function (options) {
        if (!options) { return null; }
        return navigator.credentials.get(requestOptions(options));
      })
      .then(function (credential) {
        if (!credential) { return null; }
        return post(button.getAttribute("data-answer-url"), { credential: signed(credential) });
      })
      .catch(failed(region, button));
  }

  function create(form) {
    var button = form.querySelector("button[type=submit]");
    var label = form.querySelector("input[name=label]").value;
    say(form, "");
    button.disabled = true;
    post(form.getAttribute("data-options-url"))
      .then(function (options) {
        if (!options) { return null; }
        return navigator.credentials.create(creationOptions(options));
      })
      .then(function (credential) {
        if (!credential) { return null; }
        return post(form.getAttribute("action"), { label: label, credential: created(credential) });
      })
      .catch(failed(form, button));
  }

  // Delegated, so buttons htmx swaps in later (a removal's confirmation) work too.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-passkey=get]");
    if (button) { event.preventDefault(); sign(button); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-passkey=create]");
    if (form) { event.preventDefault(); create(form); }
  });
})();
