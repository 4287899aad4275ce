"""The fake Spotify's data: a fixed catalogue of artists, albums and tracks, and one user.

Everything is derived from fixed seeds with hashing, so two runs (and two processes) answer the same
ids, names and totals. URLs in the objects point at the fake itself (``base_url``), never at a real
host, so nothing a target echoes from here can lead outside the machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_USER", "TRACKS", "Track", "is_track_id", "search_tracks", "track_by_id", "user_json"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

_ARTISTS = (
    "Aurora Lane",
    "The Quiet Engines",
    "Mirela Voss",
    "Northbound Static",
    "Kofi & The Tide",
    "Lumen Avenue",
    "Saskia Ortiz",
    "Paper Lanterns",
)
_WORDS = (
    "Midnight",
    "Signal",
    "Harbor",
    "Glass",
    "Orbit",
    "Velvet",
    "Ember",
    "River",
    "Neon",
    "Echo",
    "Paper",
    "Summer",
    "Static",
    "Golden",
    "Hollow",
    "Drift",
)
_TRACK_COUNT = 64


def spotify_id(seed: str) -> str:
    """A 22-character base62 id, as Spotify's, derived from ``seed``."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


def is_track_id(value: str) -> bool:
    return len(value) == 22 and all(c in _BASE62 for c in value)


@dataclass(frozen=True, slots=True)
class Track:
    id: str
    name: str
    artist: str
    album: str
    duration_ms: int
    popularity: int
    track_number: int

    def to_json(self, base_url: str) -> dict[str, Any]:
        artist_id = spotify_id(f"artist:{self.artist}")
        album_id = spotify_id(f"album:{self.album}")
        artist = {
            "id": artist_id,
            "name": self.artist,
            "type": "artist",
            "uri": f"spotify:artist:{artist_id}",
            "href": f"{base_url}/v1/artists/{artist_id}",
            "external_urls": {"spotify": f"{base_url}/artist/{artist_id}"},
        }
        return {
            "id": self.id,
            "name": self.name,
            "type": "track",
            "uri": f"spotify:track:{self.id}",
            "href": f"{base_url}/v1/tracks/{self.id}",
            "external_urls": {"spotify": f"{base_url}/track/{self.id}"},
            "duration_ms": self.duration_ms,
            "explicit": False,
            "popularity": self.popularity,
            "preview_url": None,
            "track_number": self.track_number,
            "disc_number": 1,
            "is_local": False,
            "external_ids": {"isrc": f"XX{self.id[:10].upper()}"},
            "artists": [artist],
            "album": {
                "id": album_id,
                "name": self.album,
                "type": "album",
                "album_type": "album",
                "uri": f"spotify:album:{album_id}",
                "href": f"{base_url}/v1/albums/{album_id}",
                "release_date": f"20{10 + self.track_number % 15:02d}-0{1 + self.track_number % 9}-15",
                "total_tracks": 8,
                "artists": [artist],
                "images": [{"url": f"{base_url}/images/{album_id}.png", "height": 300, "width": 300}],
                "external_urls": {"spotify": f"{base_url}/album/{album_id}"},
            },
        }


def _build_tracks() -> tuple[Track, ...]:
    tracks = []
    for n in range(_TRACK_COUNT):
        digest = hashlib.sha256(f"track:{n}".encode()).digest()
        first, second = _WORDS[digest[0] % len(_WORDS)], _WORDS[digest[1] % len(_WORDS)]
        artist = _ARTISTS[n % len(_ARTISTS)]
        tracks.append(
            Track(
                id=spotify_id(f"track:{n}"),
                name=f"{first} {second}" if first != second else f"{first} {n}",
                artist=artist,
                album=f"{_WORDS[digest[2] % len(_WORDS)]} Sessions",
                duration_ms=150_000 + int.from_bytes(digest[3:5], "big") % 150_000,
                popularity=digest[5] % 101,
                track_number=1 + n % 8,
            )
        )
    return tuple(tracks)


TRACKS: tuple[Track, ...] = _build_tracks()
_BY_ID = {track.id: track for track in TRACKS}


def track_by_id(track_id: str) -> Track | None:
    return _BY_ID.get(track_id)


def search_tracks(query: str) -> list[Track]:
    """Tracks whose name, artist or album contains every word of ``query`` (case-insensitive)."""
    words = query.lower().split()
    if not words:
        return []
    return [track for track in TRACKS if all(w in f"{track.name} {track.artist} {track.album}".lower() for w in words)]


DEFAULT_USER: dict[str, str] = {
    "id": "gate-listener",
    "display_name": "Gate Listener",
    "email": "listener@example.test",
    "country": "SE",
    "product": "premium",
}


def user_json(user: dict[str, str], base_url: str) -> dict[str, Any]:
    return {
        **user,
        "type": "user",
        "uri": f"spotify:user:{user['id']}",
        "href": f"{base_url}/v1/users/{user['id']}",
        "external_urls": {"spotify": f"{base_url}/user/{user['id']}"},
        "followers": {"href": None, "total": 42},
        "images": [],
        "explicit_content": {"filter_enabled": False, "filter_locked": False},
    }
