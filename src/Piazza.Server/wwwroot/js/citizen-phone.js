// The citizen phone of the staff console (/console/sandbox/phone). Without JavaScript it still works: sending a
// message reloads the page with the chat. With it, the chat follows by itself: every 2 seconds the conversation is
// read from /console/sandbox/phone/messages and the list is redrawn when it changed (newest at the bottom).
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
            item.appendChild(element('span', 'citizen-phone-text', m.text));
            var meta = element('span', 'citizen-phone-meta');
            var when = element('time', null, time(m.at, zone));
            when.setAttribute('datetime', m.at);
            meta.appendChild(when);
            if (!m.fromCitizen) {
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
