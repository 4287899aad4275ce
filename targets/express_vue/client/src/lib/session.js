// The signed-in user and the Spotify bearer token the client holds. Kept in sessionStorage so a reload
// keeps them; nothing here is sent anywhere but to this app's own API.

import { reactive } from 'vue';

const KEY = 'spotify-explorer-session';

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? '{}');
  } catch {
    return {};
  }
}

export const session = reactive({ user: null, sessionToken: null, spotifyToken: null, ...load() });

export function saveSession(patch) {
  Object.assign(session, patch);
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession() {
  Object.assign(session, { user: null, sessionToken: null, spotifyToken: null });
  sessionStorage.removeItem(KEY);
}
