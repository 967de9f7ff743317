// The example portal's side of the postMessage contract v1 (docs/embedding.md). See the
// comment at the top of index.html for how to run it.
const DEFAULT_APP = 'http://localhost:8080/security-info?embed=1';
const THEME_TOKENS = [
  '--si-accent', '--si-accent-hover', '--si-accent-soft', '--si-backdrop', '--si-bg', '--si-border',
  '--si-danger', '--si-danger-hover', '--si-error', '--si-error-bg', '--si-fg', '--si-field-border',
  '--si-focus', '--si-font', '--si-font-size', '--si-muted', '--si-on-accent', '--si-on-danger',
  '--si-radius', '--si-radius-large', '--si-shadow', '--si-space', '--si-success-bg',
  '--si-success-fg', '--si-surface', '--si-topbar-bg', '--si-topbar-fg', '--si-warning',
];
const PURPLE = { '--si-accent': '#5b2a86', '--si-accent-hover': '#43206a', '--si-focus': '#5b2a86', '--si-radius': '2px' };

const appUrl = new URL(new URLSearchParams(location.search).get('app') ?? DEFAULT_APP, location.href);
// Tell the app which configured origin is its host (it only believes origins it was configured with).
appUrl.searchParams.set('host', location.origin);
const APP = appUrl.origin;

const frame = document.getElementById('security-info');
const log = document.getElementById('log');
/** Every valid message received from the app, oldest first. */
const messages = [];

function show(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  log.prepend(item);
}

/** Sends one contract message to the app's exact origin (never "*"). */
function send(type, fields = {}) {
  frame.contentWindow.postMessage({ protocol: 'security-info', version: 1, type, ...fields }, APP);
  show(`-> ${type}${type === 'token' ? '' : ` ${JSON.stringify(fields)}`}`);
}

window.addEventListener('message', (event) => {
  // Only the framed app, from its exact origin, in the contract's envelope.
  if (event.origin !== APP || event.source !== frame.contentWindow) return;
  const m = event.data;
  if (m?.protocol !== 'security-info' || m.version !== 1 || typeof m.type !== 'string') return;
  messages.push(m);
  const { protocol, version, type, ...fields } = m;
  show(`<- ${type} ${JSON.stringify(fields)}`);
  switch (type) {
    case 'ready':
      send('locale', { locale: document.getElementById('locale').value });
      if (m.bearerTokens && tokenText()) send('token', { token: tokenText() });
      break;
    case 'token-request':
    case 'reauthentication-required':
      // A real portal gets a fresh token from its provider here (max_age=0 for step-up).
      if (tokenText()) send('token', { token: tokenText() });
      break;
    case 'resize':
      frame.style.height = `${m.height}px`;
      break;
    default:
      break;
  }
});

function tokenText() {
  return document.getElementById('token').value.trim();
}

document.getElementById('send-locale').addEventListener('click', () =>
  send('locale', { locale: document.getElementById('locale').value }),
);
document.getElementById('send-theme').addEventListener('click', () => send('theme', { tokens: PURPLE }));
// The contract has no "unset": reloading the frame brings the app's own theme back.
document.getElementById('reset-theme').addEventListener('click', () => {
  frame.src = appUrl.href;
});
document.getElementById('send-token').addEventListener('click', () => {
  if (tokenText()) send('token', { token: tokenText() });
});

window.portal = { messages, send, themeTokens: THEME_TOKENS };
frame.src = appUrl.href;
