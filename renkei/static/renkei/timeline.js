// The timeline of a space, live: new posts and replies appear, edits and deletions update in
// place, 了解 and read counts change without reloading, and the post form (its text and its
// photos and files) is sent with fetch.
// Without this script every form still works (POST and a redirect back to the post).
// Posts are built with textContent only: no user text ever goes through innerHTML.
(function () {
  "use strict";
  var configNode = document.getElementById("timeline-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var L = config.labels;
  var mode = config.mode;
  var container = document.getElementById(mode === "thread" ? "replies" : "timeline");
  if (!container) { return; }
  // Where a reconnecting connection catches up from: the newest post this page knows of.
  var newest = config.newest;
  // Replies counted on their parent since the page was made, so an event seen twice counts once.
  var countedReplies = {};
  var note = document.querySelector(".live-note");

  function url(name, id) { return config.urls[name].replace("__id__", id); }
  function fmt(label, n) { return label.replace("%(n)s", String(n)); }
  function byId(id) { return document.getElementById("post-" + id); }
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function say(text) {
    if (!note) { return; }
    note.textContent = text;
    note.hidden = !text;
  }
  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var timeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false
  });
  function tokyoTime(iso) {
    var parts = {};
    timeFormat.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "/" + parts.month + "/" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function setCount(node, selector, label, n) {
    var target = node && node.querySelector(selector);
    if (!target) { return; }
    target.setAttribute("data-n", String(n));
    target.textContent = fmt(label, n);
  }
  function addToCount(node, selector, label, delta) {
    var target = node && node.querySelector(selector);
    if (!target) { return; }
    setCount(node, selector, label, (parseInt(target.getAttribute("data-n"), 10) || 0) + delta);
  }

  // One post, the same markup as timeline/_post.html.
  function render(p) {
    var mine = p.author && p.author.id === config.me;
    var article = el("article", "post" + (p.deleted ? " post-deleted" : ""));
    article.id = "post-" + p.id;
    article.setAttribute("data-post", p.id);
    article.setAttribute("data-author", p.author ? p.author.id : "");

    var head = el("header", "post-head");
    head.appendChild(el("strong", "post-author", p.author ? p.author.name : "—"));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("span", "post-prof muted", p.author ? p.author.profession_label : ""));
    head.appendChild(document.createTextNode(" "));
    var timeLink = el("a", "post-time");
    timeLink.href = p.parent ? "#post-" + p.id : url("post", p.id);
    var time = el("time", null, tokyoTime(p.created_at));
    time.setAttribute("datetime", p.created_at);
    timeLink.appendChild(time);
    head.appendChild(timeLink);
    head.appendChild(document.createTextNode(" "));
    var edited = el("a", "post-edited", L.edited);
    edited.href = url("versions", p.id);
    edited.hidden = !p.edited_at || p.deleted;
    head.appendChild(edited);
    article.appendChild(head);

    if (p.deleted) {
      article.appendChild(el("p", "post-body post-gone", L.deleted));
    } else {
      if (p.ack_required) { article.appendChild(el("p", "ack-requested badge badge-warn", L.ack_requested)); }
      article.appendChild(el("div", "post-body", p.body));
      if (p.attachments && p.attachments.length) {
        var files = el("ul", "post-files");
        p.attachments.forEach(function (a) {
          var item = el("li");
          var link = el("a");
          link.href = a.url;
          if (a.thumbnail_url) {
            var img = el("img");
            img.src = a.thumbnail_url;
            img.alt = a.name;
            img.loading = "lazy";
            link.appendChild(img);
          } else {
            link.textContent = a.name;
          }
          item.appendChild(link);
          files.appendChild(item);
        });
        article.appendChild(files);
      }
    }

    var foot = el("footer", "post-foot");
    if (!p.deleted) {
      if (!mine && config.can_post) {
        var form = el("form", "inline ack-form");
        form.method = "post";
        form.action = url("ack", p.id);
        var button = el("button", "ack", p.acked_by_me ? L.acked : L.ack);
        button.type = "submit";
        button.disabled = !!p.acked_by_me;
        form.appendChild(button);
        foot.appendChild(form);
        foot.appendChild(document.createTextNode(" "));
      }
      var ackCount = el("a", "ack-count", fmt(L.ack_count, p.ack_count));
      ackCount.href = url("acks", p.id);
      ackCount.setAttribute("data-n", String(p.ack_count));
      foot.appendChild(ackCount);
      foot.appendChild(document.createTextNode(" "));
    }
    var read = el("span", "read-count", fmt(L.read_count, p.read_count));
    read.setAttribute("data-n", String(p.read_count));
    foot.appendChild(read);
    if (!p.parent) {
      foot.appendChild(document.createTextNode(" "));
      var replies = el("a", "reply-count", fmt(L.replies, p.reply_count));
      replies.href = url("post", p.id);
      replies.setAttribute("data-n", String(p.reply_count));
      foot.appendChild(replies);
    }
    if (!p.deleted && config.can_post && mine) {
      foot.appendChild(document.createTextNode(" "));
      var edit = el("a", "post-edit", L.edit);
      edit.href = url("edit", p.id);
      foot.appendChild(edit);
    }
    if (!p.deleted && config.can_post && (mine || config.is_admin)) {
      foot.appendChild(document.createTextNode(" "));
      var del = el("a", "post-delete", L.delete);
      del.href = url("delete", p.id);
      foot.appendChild(del);
    }
    article.appendChild(foot);

    if (mine && !p.deleted) {
      var outstanding = el("p", "outstanding", L.outstanding + " ");
      outstanding.appendChild(el("span", "outstanding-names", names(p.outstanding_acks)));
      outstanding.hidden = !(p.outstanding_acks && p.outstanding_acks.length);
      article.appendChild(outstanding);
    }
    return article;
  }

  function names(members) {
    return (members || []).map(function (m) { return m.name; }).join("、");
  }

  function dropEmpty() {
    var empty = container.querySelector(".empty");
    if (empty) { empty.remove(); }
  }

  // Show a post where it belongs, once: matched by its id, whichever comes first (the answer
  // to our own send, the live event, or the catch-up after a reconnect).
  function place(p) {
    if (byId(p.id)) { return false; }
    if (mode === "thread") {
      if (p.parent !== config.thread) { return false; }
      dropEmpty();
      container.appendChild(render(p));
      return true;
    }
    if (p.parent) {
      if (!countedReplies[p.id]) {
        countedReplies[p.id] = true;
        addToCount(byId(p.parent), ".reply-count", L.replies, 1);
      }
      return false;
    }
    if (!config.first_page) { say(L.new_posts); return false; }
    dropEmpty();
    container.insertBefore(render(p), container.firstChild);
    return true;
  }

  function replace(p) {
    var node = byId(p.id);
    if (node) { node.replaceWith(render(p)); }
    if (mode === "thread" && p.id === config.thread && p.deleted) {
      var replyForm = document.getElementById("reply-form");
      if (replyForm) { replyForm.hidden = true; }
    }
  }

  // Read state: tell the server what arrived while the page was in view.
  var readTimer = null;
  var readUpTo = null;
  function markRead(postId) {
    readUpTo = postId;
    if (readTimer) { return; }
    readTimer = setTimeout(function () {
      readTimer = null;
      if (document.visibilityState !== "visible" || !readUpTo) { return; }
      var body = new FormData();
      body.append("up_to", readUpTo);
      body.append("csrfmiddlewaretoken", csrfToken());
      readUpTo = null;
      fetch(config.urls.read, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
      }).catch(function () { /* the next page load marks it read */ });
    }, 800);
  }

  function onPost(message) {
    var p = message.post;
    if (message.event === "created") {
      newest = p.id;
      place(p);
      if (!(p.author && p.author.id === config.me)) { markRead(p.id); }
    } else {
      replace(p);
    }
  }

  function onAck(message) {
    var node = byId(message.post);
    if (!node) { return; }
    setCount(node, ".ack-count", L.ack_count, message.ack_count);
    if (message.member && message.member.id === config.me) {
      var button = node.querySelector("button.ack");
      if (button) { button.disabled = true; button.textContent = L.acked; }
    }
    var outstanding = node.querySelector(".outstanding");
    if (outstanding) {
      outstanding.querySelector(".outstanding-names").textContent = names(message.outstanding_acks);
      outstanding.hidden = !(message.outstanding_acks && message.outstanding_acks.length);
    }
  }

  function onRead(message) {
    (message.posts || []).forEach(function (id) {
      addToCount(byId(id), ".read-count", L.read_count, 1);
    });
  }

  function send(message) {
    if (window.renkeiLive && window.renkeiLive.send) { window.renkeiLive.send(message); }
  }

  if (window.renkeiLive) {
    window.renkeiLive.on(function (message) {
      if (message.type === "hello") {
        // Every (re)connection asks for what it missed since the newest post it knows.
        send({ type: "catch_up", space: config.space, after: newest });
        return;
      }
      if (message.space !== config.space) { return; }
      if (message.type === "post") { onPost(message); }
      else if (message.type === "ack") { onAck(message); }
      else if (message.type === "read") { onRead(message); }
      else if (message.type === "caught_up" && message.truncated) { say(L.new_posts); }
    });
  }

  // Sending forms with fetch --------------------------------------------------------------

  function post(action, body) {
    return fetch(action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        return { status: response.status, data: data };
      });
    });
  }

  function showError(form, text) {
    var box = form.querySelector(".form-error");
    if (box) { box.textContent = text || ""; }
    var area = form.querySelector("textarea");
    if (area) {
      if (text) { area.setAttribute("aria-invalid", "true"); } else { area.removeAttribute("aria-invalid"); }
    }
  }

  // Refusals about the files or the photo consent (R3.3④) are shown next to those fields;
  // answers whether any was.
  function showFieldErrors(form, errors) {
    var placed = false;
    form.querySelectorAll("[data-error-for]").forEach(function (box) {
      var name = box.getAttribute("data-error-for");
      var messages = (errors && errors[name]) || [];
      box.textContent = "";
      if (messages.length) {
        var list = el("ul", "errorlist");
        messages.forEach(function (m) { list.appendChild(el("li", null, m)); });
        box.appendChild(list);
        placed = true;
      }
      form.querySelectorAll("[name=" + name + "]").forEach(function (input) {
        if (messages.length) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", box.id);
        } else {
          input.removeAttribute("aria-invalid");
        }
      });
    });
    return placed;
  }

  // R2.6: where to write patients' information instead, and in a connection the box that
  // sends it anyway; both stay hidden until the server's guard speaks.
  function showGuard(form, data) {
    var link = form.querySelector("[data-guard-link]");
    var to = data && data.patient_link;
    if (link) {
      link.hidden = !to;
      if (to) { link.querySelector("a").setAttribute("href", to); }
    }
    var confirm = form.querySelector("[data-guard-confirm]");
    if (confirm) {
      var asked = !!(data && data.errors && data.errors.confirm);
      if (asked) { confirm.hidden = false; } else if (!data) { confirm.hidden = true; }
    }
  }

  // In a patient group the consent box is required as soon as a photo is chosen (R3.3④);
  // the server checks it again.
  var photoName = /\.(jpe?g|png|gif|webp|heic|heif|bmp|tiff?)$/i;
  function photoChosen(form) {
    var found = false;
    form.querySelectorAll("input[type=file][data-attachments]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) {
        if ((file.type && file.type.indexOf("image/") === 0) || photoName.test(file.name)) { found = true; }
      });
    });
    return found;
  }
  function requireConsent(form) {
    var consent = form.querySelector("[data-photo-consent]");
    if (consent) { consent.required = photoChosen(form); }
  }

  // Network failures are retried with the same body, so with the same client id: the server
  // answers a repeated send with the post it already made.
  function sendPost(form, body, attempt) {
    var button = form.querySelector("button[type=submit]");
    form.setAttribute("data-sending", "1");
    if (button) { button.disabled = true; }
    showError(form, attempt ? L.retry : "");
    post(form.action, body).then(function (result) {
      form.removeAttribute("data-sending");
      if (button) { button.disabled = false; }
      if (result.status >= 200 && result.status < 300 && result.data && result.data.post) {
        place(result.data.post);
        form.reset();
        requireConsent(form);
        form.querySelector("input[name=client_id]").value = newClientId();
        showError(form, "");
        showFieldErrors(form, null);
        showGuard(form, null);
        var area = form.querySelector("textarea");
        if (area) { area.focus(); }
        return;
      }
      // Refused: nothing was posted; the text, the files and the client id stay as they are.
      var placed = showFieldErrors(form, result.data && result.data.errors);
      showError(form, placed ? "" : (result.data && result.data.error) || L.failed);
      showGuard(form, result.data);
    }, function () {
      if (attempt < 4) {
        setTimeout(function () { sendPost(form, body, attempt + 1); }, 1000 * Math.pow(2, attempt));
        return;
      }
      form.removeAttribute("data-sending");
      if (button) { button.disabled = false; }
      showError(form, L.failed);
    });
  }

  document.querySelectorAll("form[data-post-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[type=file][data-attachments]")) {
        requireConsent(form);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.getAttribute("data-sending")) { return; }
      sendPost(form, new FormData(form), 0);
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("ack-form")) { return; }
    event.preventDefault();
    var button = form.querySelector("button.ack");
    if (button) { button.disabled = true; }
    var body = new FormData(form);
    if (!body.get("csrfmiddlewaretoken")) { body.append("csrfmiddlewaretoken", csrfToken()); }
    post(form.action, body).then(function (result) {
      if (result.data && result.data.post) {
        var p = result.data.post;
        var node = byId(p.id);
        setCount(node, ".ack-count", L.ack_count, p.ack_count);
        if (button) { button.textContent = L.acked; }
        return;
      }
      if (button) { button.disabled = false; }
      say((result.data && result.data.error) || L.failed);
    }, function () {
      if (button) { button.disabled = false; }
      say(L.failed);
    });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.post-delete");
    if (!link) { return; }
    event.preventDefault();
    if (!window.confirm(L.confirm_delete)) { return; }
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    post(link.href, body).then(function (result) {
      if (result.data && result.data.post) { replace(result.data.post); return; }
      say((result.data && result.data.error) || L.failed);
    }, function () { say(L.failed); });
  });
})();
