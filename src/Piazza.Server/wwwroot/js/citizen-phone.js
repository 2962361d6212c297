// The citizen phone of the staff console (/console/sandbox/phone). Without JavaScript it still works: sending a
// message reloads the page with the chat. With it, the chat follows by itself: every 2 seconds the conversation is
// read from the list's data-source (/console/sandbox/phone/messages, …/wechat/messages, …/telegram/messages) and the
// list is redrawn when it changed (newest at the bottom). A Telegram message comes as pieces (text, and formatting
// that holds pieces): each is drawn as an element of a fixed list with its text as text, never as HTML, exactly as
// the server draws it (StaffConsole/Shared/TelegramText.cs).
(function () {
    'use strict';

    var POLL_EVERY = 2000;

    function time(iso, zone) {
        try {
            return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone || undefined });
        } catch (e) {
            return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
        }
    }

    function element(tag, className, text) {
        var node = document.createElement(tag);
        if (className) { node.className = className; }
        if (text !== undefined) { node.textContent = text; }
        return node;
    }

    var TELEGRAM_ELEMENTS = { b: 'strong', i: 'em', u: 'u', s: 's', code: 'code', pre: 'pre', blockquote: 'blockquote', a: 'a' };

    function telegramPieces(parent, nodes) {
        (nodes || []).forEach(function (node) {
            if (node.kind === 'text') {
                parent.appendChild(document.createTextNode(node.text || ''));
                return;
            }
            var child = document.createElement(TELEGRAM_ELEMENTS[node.kind] || 'span');
            if (node.kind === 'a' && typeof node.href === 'string' && /^https?:\/\//i.test(node.href)) {
                child.setAttribute('href', node.href);
                child.setAttribute('rel', 'noopener noreferrer nofollow');
                child.setAttribute('target', '_blank');
            }
            if (node.kind === 'spoiler') { child.className = 'tg-spoiler'; }
            child.setAttribute('data-tg', node.kind);
            telegramPieces(child, node.children);
            parent.appendChild(child);
        });
    }

    function draw(list, messages) {
        var zone = list.getAttribute('data-time-zone');
        var nodes = [];
        if (messages.length === 0) {
            nodes.push(element('li', 'citizen-phone-empty', list.getAttribute('data-empty')));
        }
        messages.forEach(function (m) {
            var item = element('li', m.fromCitizen ? 'citizen-phone-out' : 'citizen-phone-in');
            item.setAttribute('data-message-id', m.id);
            if (m.template) { item.appendChild(element('span', 'citizen-phone-template', m.template)); }
            if (m.nodes) {
                var text = element('span', 'citizen-phone-text');
                telegramPieces(text, m.nodes);
                item.appendChild(text);
            } else {
                item.appendChild(element('span', 'citizen-phone-text', m.text));
            }
            var meta = element('span', 'citizen-phone-meta');
            var when = element('time', null, time(m.at, zone));
            when.setAttribute('datetime', m.at);
            meta.appendChild(when);
            if (!m.fromCitizen && m.status) {
                var status = element('span', 'citizen-phone-status', list.getAttribute('data-status-' + m.status) || m.status);
                status.setAttribute('data-status', m.status);
                meta.appendChild(document.createTextNode(' '));
                meta.appendChild(status);
            }
            item.appendChild(meta);
            nodes.push(item);
        });
        list.replaceChildren.apply(list, nodes);
        list.scrollTop = list.scrollHeight;
    }

    var timer = null;
    var last = null;

    // Reads the conversation of the list on the page now (enhanced navigation may have replaced it), then again.
    function poll() {
        var list = document.querySelector('[data-citizen-phone]');
        if (!list) { timer = null; return; }
        fetch(list.getAttribute('data-source'), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (data) {
                if (!data) { return; }
                var key = list.getAttribute('data-source') + JSON.stringify(data.messages);
                if (key !== last || !list.isConnected) {
                    last = key;
                    var current = document.querySelector('[data-citizen-phone]');
                    if (current) { draw(current, data.messages); }
                }
            })
            .catch(function () { /* the next poll tries again */ })
            .then(function () { timer = window.setTimeout(poll, POLL_EVERY); });
    }

    function follow() {
        window.clearTimeout(timer);
        last = null;
        var list = document.querySelector('[data-citizen-phone]');
        if (!list) { return; }
        list.scrollTop = list.scrollHeight;
        timer = window.setTimeout(poll, POLL_EVERY);
    }

    function start() {
        follow();
        var text = document.getElementById('phone-text');
        if (text && document.querySelector('[data-citizen-phone]')) { text.focus(); }
        // Links in the console are followed without a full load (Blazor's enhanced navigation).
        if (window.Blazor && typeof window.Blazor.addEventListener === 'function') {
            window.Blazor.addEventListener('enhancedload', follow);
        }
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
})();
