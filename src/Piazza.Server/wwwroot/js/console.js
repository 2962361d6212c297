// Bootstrap Italia's components look for their assets here (fonts are declared in css/console.css).
window.__PUBLIC_PATH__ = '/lib/bootstrap-italia/fonts';

// Copy buttons: <button data-copy="input-id" data-copied="Copied">. Without JavaScript the field can still be selected and copied.
document.addEventListener('click', function (e) {
    var button = e.target.closest ? e.target.closest('[data-copy]') : null;
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute('data-copy'));
    if (!field) { return; }
    field.select();
    var done = function () { button.textContent = button.getAttribute('data-copied') || button.textContent; };
    if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand('copy'); done(); });
    } else {
        document.execCommand('copy');
        done();
    }
});
