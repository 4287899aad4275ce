// The app built without Sentry (`build.sh no-sentry`, client/dist-no-sentry): vite.config.js resolves
// main.js's `./config/sentry.js` to this file, so not one byte of the SDK is downloaded or parsed. It is
// the browser-overhead gate's baseline: the default build with Sentry switched off still loads the SDK,
// which would hide the cost of shipping it. window.__gate keeps the shape tests and the gate read.

export function initSentry(_app, _router, win = window) {
  win.__gate = {
    config: null,
    settings: { enabled: false, reason: 'built without Sentry' },
    options: null,
    enabled: false,
    filters: null,
    preview() {
      return null;
    },
    replayAgeMs() {
      return 0;
    },
    replayId() {
      return null;
    },
    capture() {
      return null;
    },
    async flush() {
      return true;
    },
  };
  console.log('Sentry disabled: built without Sentry');
  return false;
}
