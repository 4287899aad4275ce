// One build serves every environment: nothing environment-specific is read here (the server injects the
// browser config at run time). Source maps are "hidden": written for upload, never referenced by the
// bundles; build.sh then injects debug IDs with `sentry-cli sourcemaps inject` (no network).
//
// Build-time variants (targets/MUTANTS.md) are chosen by build.sh through these variables:
//   GATE_BUILD_OUT        output directory (default dist)
//   GATE_BUILD_SOURCEMAP  'hidden' (default) or 'referenced' (the maps-referenced mutant)
//   GATE_BUILD_SHIFT      N: prepend N blank lines to every module of src/ and salt the build (stale-maps)
//   GATE_BUILD_NO_SENTRY  1: main.js's ./config/sentry.js becomes ./config/sentry-off.js, so the build has
//                         no SDK code at all (the no-sentry build: the browser-overhead baseline)

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const shift = Number(process.env.GATE_BUILD_SHIFT || 0);
const noSentry = process.env.GATE_BUILD_NO_SENTRY === '1';
const sentryOff = fileURLToPath(new URL('./src/config/sentry-off.js', import.meta.url));

/** Shift every original line by `shift` and change the code, so the build's maps and debug IDs differ. */
function shiftLines() {
  return {
    name: 'gate-shift-lines',
    enforce: 'pre',
    transform(code, id) {
      if (!shift || !id.includes('/src/') || id.includes('node_modules')) return null;
      if (!/\.(js|vue)$/.test(id.split('?')[0]) || id.includes('?vue&type=style')) return null;
      return { code: '\n'.repeat(shift) + code, map: null };
    },
  };
}

export default defineConfig({
  plugins: [shiftLines(), vue()],
  resolve: {
    alias: noSentry ? [{ find: /^\.\/config\/sentry\.js$/, replacement: sentryOff }] : [],
  },
  define: {
    __GATE_BUILD_SALT__: JSON.stringify(noSentry ? 'no-sentry' : shift ? `shifted-${shift}` : 'default'),
  },
  build: {
    outDir: process.env.GATE_BUILD_OUT || 'dist',
    emptyOutDir: true,
    sourcemap: process.env.GATE_BUILD_SOURCEMAP === 'referenced' ? true : 'hidden',
    // Two cores: no report of compressed sizes (it gzips every chunk again).
    reportCompressedSize: false,
  },
});
