// Calls to this app's server. Spotify calls carry the bearer token the client holds; a missing token is
// fetched through the OAuth callback route (the fake Spotify accepts any code).

import { saveSession, session } from './session.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

export async function login(email, password, cardNumber) {
  const body = await json(
    await fetch('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, cardNumber }),
    }),
  );
  saveSession({ user: body.user, sessionToken: body.token });
  return body.user;
}

export async function connectSpotify() {
  const state = Math.random().toString(36).slice(2);
  const code = `demo-${Math.random().toString(36).slice(2)}`;
  const params = new URLSearchParams({ code, state });
  const token = await json(await fetch(`/api/auth/callback?${params}`));
  saveSession({ spotifyToken: token.access_token });
  return token.access_token;
}

async function spotify(path) {
  const token = session.spotifyToken ?? (await connectSpotify());
  return json(await fetch(`/api/spotify${path}`, { headers: { authorization: `Bearer ${token}` } }));
}

export const searchTracks = (q) => spotify(`/search?${new URLSearchParams({ q })}`);
export const getTrack = (id) => spotify(`/tracks/${encodeURIComponent(id)}`);
export const getMe = () => spotify('/me');
