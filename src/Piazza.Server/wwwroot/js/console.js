// Bootstrap Italia's components look for their assets here (fonts are declared in css/console.css).
window.__PUBLIC_PATH__ = '/lib/bootstrap-italia/fonts';
