// Passkeys (WebAuthn) for Renkei: registering one on the two-factor page and using one at the
// second step of sign-in. The server sends the options as JSON with binary fields in base64url;
// this turns them into ArrayBuffers for the browser and the browser's answer back into JSON.
(function () {
  "use strict";

  function fromBase64url(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: fromBase64url(item.id) });
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.user = Object.assign({}, json.user, { id: fromBase64url(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = fromBase64url(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return JSON.stringify(out);
  }

  function post(url, form, extra) {
    var body = new FormData(form);
    Object.keys(extra || {}).forEach(function (key) { body.set(key, extra[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
    }).then(function (answer) {
      return answer.json().then(function (data) {
        if (!answer.ok) throw new Error(data.detail || answer.statusText);
        return data;
      });
    });
  }

  function wire(section, makeOptions, call) {
    var form = section.querySelector("[data-passkey-form]");
    var error = section.querySelector("[data-passkey-error]");
    var button = section.querySelector("[data-passkey-button]");
    if (!form) return;
    if (!window.PublicKeyCredential) {
      error.textContent = error.dataset.unsupported;
      error.hidden = false;
      button.disabled = true;
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      button.disabled = true;
      post(section.dataset.optionsUrl, form)
        .then(function (json) { return call(makeOptions(json)); })
        .then(function (credential) {
          return post(section.dataset.finishUrl, form, { credential: credentialJSON(credential) });
        })
        .then(function (data) { window.location.assign(data.redirect || "/"); })
        .catch(function (problem) {
          error.textContent = problem && problem.message ? problem.message : String(problem);
          error.hidden = false;
          button.disabled = false;
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-passkey-register]").forEach(function (section) {
      wire(section, creationOptions, function (publicKey) {
        return navigator.credentials.create({ publicKey: publicKey });
      });
    });
    document.querySelectorAll("[data-passkey-signin]").forEach(function (section) {
      wire(section, requestOptions, function (publicKey) {
        return navigator.credentials.get({ publicKey: publicKey });
      });
    });
  });
})();
