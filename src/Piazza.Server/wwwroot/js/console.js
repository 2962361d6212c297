// Bootstrap Italia loads its Titillium Web fonts from this folder.
window.__PUBLIC_PATH__ = '/lib/bootstrap-italia/fonts';
