// Bulletin pages of the staff console. Without JavaScript they still work: the server renders the preview when the
// page loads and after each save, and a "Refresh" link shows the progress of a sending.
// - The composer's preview follows the typing: 400 ms after the last key, the text of the previewed language is
//   POSTed as JSON to /console/bulletins/preview and the preview cards are updated in place.
// - A bulletin that is due or sending is followed: its progress is read every 2 seconds from
//   /console/bulletins/{id}/progress, the figures, the rate and the time left are updated, and the page reloads
//   when the bulletin's state changes (e.g. to Sent).
(function () {
    'use strict';

    var TYPING_PAUSE = 400;
    var POLL_EVERY = 2000;

    function locale() {
        return document.documentElement.lang || undefined;
    }

    function number(n, digits) {
        return Number(n).toLocaleString(locale(), { maximumFractionDigits: digits || 0 });
    }

    function format(template, args) {
        return String(template || '').replace(/\{(\d+)\}/g, function (m, i) { return args[Number(i)]; });
    }

    function byAttribute(root, name, value) {
        var all = root.querySelectorAll('[' + name + ']');
        for (var i = 0; i < all.length; i++) {
            if (all[i].getAttribute(name) === value) { return all[i]; }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------- live preview

    var typingTimer = null;
    var requestNumber = 0;

    function composerOf(element) {
        return element && element.closest ? element.closest('[data-bulletin-composer]') : null;
    }

    function previewLanguage(form) {
        var checked = form.querySelector('[data-preview-language]:checked');
        if (checked) { return checked.value; }
        var first = form.querySelector('[data-language-column]');
        return first ? first.getAttribute('data-language-column') : 'it';
    }

    function chosenKinds(form) {
        var kinds = [];
        form.querySelectorAll('input[type=checkbox][data-kind]').forEach(function (box) {
            var kind = box.getAttribute('data-kind');
            if (box.checked && kinds.indexOf(kind) < 0) { kinds.push(kind); }
        });
        return kinds;
    }

    // The platforms of the chosen channels, or all of them while none is chosen (as the server renders it).
    function showChosenKinds(form) {
        var chosen = chosenKinds(form);
        form.querySelectorAll('[data-preview-kind]').forEach(function (card) {
            card.hidden = chosen.length > 0 && chosen.indexOf(card.getAttribute('data-preview-kind')) < 0;
        });
    }

    function shownKinds(form) {
        var kinds = [];
        form.querySelectorAll('[data-preview-kind]').forEach(function (card) {
            if (!card.hidden) { kinds.push(card.getAttribute('data-preview-kind')); }
        });
        return kinds;
    }

    function hasText(form, language) {
        var title = byAttribute(form, 'data-body-title', language);
        var text = byAttribute(form, 'data-body-text', language);
        return !!((title && title.value.trim()) || (text && text.value.trim()));
    }

    // "12 subscribers read zh first…": shown only while that language has no text.
    function updateMissingLanguages(form) {
        form.querySelectorAll('[data-missing-language]').forEach(function (warning) {
            warning.classList.toggle('d-none', hasText(form, warning.getAttribute('data-missing-language')));
        });
    }

    function setStatus(form, key) {
        var status = form.querySelector('[data-preview-status]');
        if (status) { status.textContent = key ? status.getAttribute(key) || '' : ''; }
    }

    function refreshPreview(form) {
        var section = form.querySelector('[data-preview-url]');
        if (!section) { return; }
        var language = previewLanguage(form);
        var title = byAttribute(form, 'data-body-title', language);
        var text = byAttribute(form, 'data-body-text', language);
        var mine = ++requestNumber;
        section.setAttribute('aria-busy', 'true');
        fetch(section.getAttribute('data-preview-url'), {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
            body: JSON.stringify({ title: title ? title.value : '', markdown: text ? text.value : '', kinds: shownKinds(form) })
        }).then(function (response) {
            if (!response.ok) { throw new Error('HTTP ' + response.status); }
            return response.json();
        }).then(function (previews) {
            if (mine !== requestNumber) { return; } // an answer to an older text
            previews.forEach(function (p) { updateCard(form, p, language); });
            section.removeAttribute('aria-busy');
            setStatus(form, null);
        }).catch(function () {
            if (mine !== requestNumber) { return; }
            section.removeAttribute('aria-busy');
            setStatus(form, 'data-failed');
        });
    }

    function updateCard(form, p, language) {
        var card = byAttribute(form, 'data-preview-kind', p.kind);
        if (!card) { return; }
        var html = card.querySelector('[data-preview-html]');
        // Safe HTML from the server: every character the staff wrote is escaped there.
        html.innerHTML = p.html;
        html.setAttribute('lang', language);
        var count = card.querySelector('[data-preview-count]');
        if (count && p.limit !== null && p.limit !== undefined) {
            count.textContent = number(p.length) + ' / ' + number(p.limit);
            count.classList.toggle('text-danger', p.tooLong);
            count.classList.toggle('fw-bold', p.tooLong);
            count.classList.toggle('text-muted', !p.tooLong);
        }
        var warning = card.querySelector('[data-preview-warning]');
        if (warning) {
            warning.hidden = !p.tooLong;
            warning.textContent = p.tooLong
                ? format(warning.getAttribute('data-template'), [warning.getAttribute('data-platform'), number(p.length - p.limit), number(p.limit)])
                : '';
        }
        var article = card.querySelector('.preview-card');
        if (article) { article.classList.toggle('preview-too-long', !!p.tooLong); }
    }

    function schedulePreview(form) {
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { refreshPreview(form); }, TYPING_PAUSE);
    }

    document.addEventListener('input', function (e) {
        var form = composerOf(e.target);
        if (!form || e.target.readOnly) { return; }
        var language = e.target.getAttribute('data-body-title') || e.target.getAttribute('data-body-text');
        if (!language) { return; }
        updateMissingLanguages(form);
        // The preview follows the language being written.
        if (language !== previewLanguage(form)) {
            var radio = null;
            form.querySelectorAll('[data-preview-language]').forEach(function (r) { if (r.value === language) { radio = r; } });
            if (radio) { radio.checked = true; }
        }
        schedulePreview(form);
    });

    // A thematic channel's warning shows while the chosen topic is not one of the topics it publishes.
    function updateThematicChannels(form) {
        var topic = form.querySelector('select[name="Input.TopicId"]');
        var chosen = topic ? topic.value : '';
        form.querySelectorAll('[data-channel-topic-ids]').forEach(function (warning) {
            var ids = warning.getAttribute('data-channel-topic-ids').split(',');
            warning.hidden = !chosen || ids.indexOf(chosen) >= 0;
        });
    }

    document.addEventListener('change', function (e) {
        var form = composerOf(e.target);
        if (!form) { return; }
        if (e.target.name === 'Input.TopicId') {
            updateThematicChannels(form);
        } else if (e.target.hasAttribute('data-preview-language')) {
            clearTimeout(typingTimer);
            refreshPreview(form);
        } else if (e.target.hasAttribute('data-kind')) {
            showChosenKinds(form);
            clearTimeout(typingTimer);
            refreshPreview(form);
        }
    });

    // ------------------------------------------------------------------------------------------- progress

    var pollTimer = null;
    var previous = null;

    function duration(seconds) {
        seconds = Math.max(1, Math.round(seconds));
        if (seconds < 60) { return seconds + ' s'; }
        if (seconds < 3600) { return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s'; }
        return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
    }

    function setText(root, selector, text) {
        var element = root.querySelector(selector);
        if (element) { element.textContent = text; }
    }

    function showProgress(p) {
        var panel = document.querySelector('[data-progress-panel]');
        if (!panel) { return; }
        var counts = p.counts;
        panel.querySelectorAll('[data-progress-counts] [data-count]').forEach(function (element) {
            element.textContent = number(counts[element.getAttribute('data-count')] || 0);
        });
        (p.channels || []).forEach(function (channel) {
            var row = byAttribute(panel, 'data-channel-id', channel.channelId);
            if (!row) { return; }
            row.querySelectorAll('[data-count]').forEach(function (element) {
                element.textContent = number(channel.counts[element.getAttribute('data-count')] || 0);
            });
        });
        var percent = counts.total === 0 ? 100 : Math.floor(100 * counts.done / counts.total);
        var bar = panel.querySelector('[data-progress-bar]');
        if (bar) {
            bar.setAttribute('aria-valuenow', String(percent));
            var inner = bar.querySelector('.progress-bar');
            if (inner) { inner.style.width = percent + '%'; }
        }
        setText(panel, '[data-progress-done]', number(counts.done));
        setText(panel, '[data-progress-total]', number(counts.total));
        setText(panel, '[data-progress-percent]', String(percent));
        // The pause ended (the service hours began, a retry came due): the notice about it goes.
        var waiting = panel.querySelector('[data-progress-waiting]');
        if (waiting && !p.waitingUntil) { waiting.hidden = true; }

        // The rate from the change between two readings; the time left from what is still queued or in flight.
        var at = Date.parse(p.at);
        if (previous && at > previous.at) {
            var rate = (counts.done - previous.done) / ((at - previous.at) / 1000);
            var left = counts.queued + counts.sending;
            setText(panel, '[data-progress-rate]', rate > 0 ? number(rate, 1) : '0');
            setText(panel, '[data-progress-eta]', rate > 0 && left > 0 ? duration(left / rate) : '—');
        }
        previous = { at: at, done: counts.done };
    }

    function poll(watch) {
        pollTimer = setTimeout(function () {
            if (!document.body.contains(watch) || !watch.hasAttribute('data-poll')) { return; }
            fetch(watch.getAttribute('data-progress-url'), { credentials: 'same-origin', cache: 'no-store', headers: { 'Accept': 'application/json' } })
                .then(function (response) {
                    if (!response.ok) { throw new Error('HTTP ' + response.status); }
                    return response.json();
                })
                .then(function (p) {
                    if (p.state !== watch.getAttribute('data-state')) {
                        reloadWithoutMessage();
                        return;
                    }
                    showProgress(p);
                    poll(watch);
                })
                .catch(function () { poll(watch); });
        }, POLL_EVERY);
    }

    // The page again, in the new state, without the message of the action that led to the old one.
    function reloadWithoutMessage() {
        var url = new URL(window.location.href);
        url.searchParams.delete('done');
        window.location.replace(url.toString());
    }

    function watchBulletin() {
        clearTimeout(pollTimer);
        previous = null;
        var watch = document.querySelector('[data-bulletin-watch][data-poll]');
        if (watch) { poll(watch); }
    }

    function start() {
        watchBulletin();
        // Links in the console are followed without a full load (Blazor's enhanced navigation).
        if (window.Blazor && typeof window.Blazor.addEventListener === 'function') {
            window.Blazor.addEventListener('enhancedload', watchBulletin);
        }
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
}());
