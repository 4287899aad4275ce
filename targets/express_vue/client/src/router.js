import { createRouter, createWebHistory } from 'vue-router';
import Home from './pages/HomePage.vue';
import Login from './pages/LoginPage.vue';
import Profile from './pages/ProfilePage.vue';
import Search from './pages/SearchPage.vue';
import Track from './pages/TrackPage.vue';
import Media from './pages/MediaPage.vue';
import Errors from './pages/ErrorsPage.vue';

// Keep in step with CLIENT_ROUTES of the servers (they answer index.html for exactly these paths).
export const routes = [
  { path: '/', name: 'home', component: Home },
  { path: '/login', name: 'login', component: Login },
  { path: '/profile', name: 'profile', component: Profile },
  { path: '/search', name: 'search', component: Search },
  { path: '/tracks/:id', name: 'track', component: Track },
  { path: '/media', name: 'media', component: Media },
  { path: '/errors', name: 'errors', component: Errors },
];

export const router = createRouter({ history: createWebHistory(), routes });
